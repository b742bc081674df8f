package web

import (
	"context"
	"net/http"
	"strconv"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
)

// WriteRequestPhoto answers with the photo {photo} of a request the caller
// may see, never cached by a shared cache.
func (s *Server) WriteRequestPhoto(w http.ResponseWriter, r *http.Request, requestID int64) {
	pid, err := strconv.ParseInt(r.PathValue("photo"), 10, 64)
	if err != nil {
		s.Fail(w, r, NotFoundErr)
		return
	}
	_, ctype, data, err := s.Requests.Photo(r.Context(), requestID, pid)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// RequestScope is where the caller may see (auth.RequestRead) or handle
// (auth.RequestHandle) requests: every kind below the nodes of their other
// roles, only property complaints below the nodes where they are property
// staff (物业: their projects' property complaints only).
func RequestScope(r *http.Request, perm auth.Permission) *request.Scope {
	return RequestScopeOf(Principal(r), perm)
}

// RequestScopeOf is RequestScope for a principal (none reaches nothing).
func RequestScopeOf(p *auth.Principal, perm auth.Permission) *request.Scope {
	if p == nil {
		return request.ScopeOf(perm, nil)
	}
	return request.ScopeOf(perm, p.Grants)
}

// textMember texts a member about their own business if they consented;
// a failure is logged, never the caller's error (the message is in the
// outbox with its status).
func (s *Server) textMember(ctx context.Context, memberID int64, text string) {
	var mobile string
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		mobile, err = s.Members.TextContact(ctx, tx, memberID)
		return err
	})
	if err == nil && mobile != "" {
		_, err = s.SMS.Send(ctx, mobile, "request", text)
	}
	if err != nil {
		s.Log.Warn("text member", "member", memberID, "err", err)
	}
}

// workCalendar is the working-day calendar request due times count on.
func (s *Server) workCalendar(ctx context.Context) (request.Calendar, error) {
	c, err := s.Calendar.Load(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}
