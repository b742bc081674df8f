package portal

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/request"
	"estateclub/internal/survey"
	"estateclub/internal/web"
)

// The member's side of a request (诉求): its page with the replies (never
// the internal notes) and the progress in words, the member's reply,
// confirming the solution, reopening within the close-after days, and the
// download of a data copy (个人信息副本) made for them.

// mRequestRow is a request in the member's list, with the time of the
// latest reply to them.
type mRequestRow struct {
	request.Request
	LastReply *time.Time
}

func (s *handler) mRequestRows(r *http.Request, memberID int64, offset, limit int) ([]mRequestRow, int, error) {
	list, total, err := s.Requests.ForMember(r.Context(), memberID, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(list))
	for i, q := range list {
		ids[i] = q.ID
	}
	last, err := s.Requests.LastReplies(r.Context(), ids)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]mRequestRow, len(list))
	for i, q := range list {
		rows[i] = mRequestRow{Request: q}
		if at, ok := last[q.ID]; ok {
			rows[i].LastReply = &at
		}
	}
	return rows, total, nil
}

// mRequest is the member's own request {request}, with the replies to
// them; another member's request is not found.
func (s *handler) mRequest(r *http.Request) (*request.Request, error) {
	m, err := s.me(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("request"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	return s.Requests.GetForMember(r.Context(), id, m.ID)
}

// memberEvents are the lines of a request's history a member sees, in
// words; the notes of staff steps (a transfer's reason) stay inside.
var memberEvents = []string{"submitted", "taken", "assigned", "waiting", "replied", "member_replied", "resolved",
	"confirmed", "auto_closed", "reopened", "merged", "copy_ready", "deletion_approved"}

type mRequestData struct {
	Q          *request.Request
	Events     []request.Event
	CanReply   bool
	CanConfirm bool
	CanReopen  bool
	CopyReady  bool
	CloseAfter int
	// Survey is the satisfaction survey of a resolved request, while the
	// member has not answered it (nil otherwise).
	Survey *survey.Invite
}

func (s *handler) mRequestData(r *http.Request, q *request.Request) (*mRequestData, error) {
	days, err := s.Requests.CloseAfter(r.Context())
	if err != nil {
		return nil, err
	}
	d := &mRequestData{Q: q, CloseAfter: days,
		CanReply:   q.Status == request.Waiting || q.Status == request.InProgress,
		CanConfirm: q.Status == request.Resolved,
		CopyReady:  q.Subkind == request.SubDataCopy && q.CopyFileID != nil && q.Status.Done()}
	if q.Status.Done() && q.Rating == nil {
		inv, err := s.Surveys.InviteFor(r.Context(), q.MemberID, "request", q.ID)
		if err != nil {
			return nil, err
		}
		if inv != nil && inv.AnsweredAt == nil {
			d.Survey = inv
		}
	}
	// Reopening is the member's within the close-after days of the
	// resolution; a merged request goes on in the other one.
	d.CanReopen = q.Status.Done() && q.MergedInto == nil && q.ResolvedAt != nil &&
		s.DB.Clock().Sub(*q.ResolvedAt) <= time.Duration(days)*24*time.Hour &&
		q.Subkind != request.SubAccountDeletion && q.Subkind != request.SubDataCopy
	for _, e := range q.Events {
		if !slices.Contains(memberEvents, e.Action) {
			continue
		}
		if e.Action != "merged" {
			e.Note = ""
		}
		d.Events = append(d.Events, e)
	}
	return d, nil
}

func (s *handler) mRequestPage(w http.ResponseWriter, r *http.Request, q *request.Request, err error) {
	d, derr := s.mRequestData(r, q)
	if derr != nil {
		s.Fail(w, r, derr)
		return
	}
	pg := web.Mpage{Title: q.No, Nav: "requests", Data: d}
	if err != nil {
		s.portalError(w, r, "m_request", pg, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_request", pg)
}

func (s *handler) mRequestShow(w http.ResponseWriter, r *http.Request) {
	q, err := s.mRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.mRequestPage(w, r, q, nil)
}

// mRequestAct runs one of the member's steps on their request and goes
// back to its page with flash, or shows the page with the step's error.
func (s *handler) mRequestAct(flash string, act func(r *http.Request, q *request.Request, memberID int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := s.mRequest(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if err := act(r, q, q.MemberID); err != nil {
			if e := apperr.As(err); e.Code == apperr.Invalid || e.Code == apperr.Conflict {
				if fresh, ferr := s.mRequest(r); ferr == nil {
					q = fresh
				}
				s.mRequestPage(w, r, q, err)
				return
			}
			s.Fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/m/requests/"+strconv.FormatInt(q.ID, 10)+"?flash="+flash, http.StatusSeeOther)
	}
}

func (s *handler) mRequestReply(w http.ResponseWriter, r *http.Request) {
	s.mRequestAct("m.flash.request_replied", func(r *http.Request, q *request.Request, memberID int64) error {
		files, err := web.FormUploads(r)
		if err == nil {
			_, err = s.Requests.MemberReply(r.Context(), q.ID, memberID, r.PostFormValue("text"), files...)
		}
		return err
	})(w, r)
}

func (s *handler) mRequestConfirm(w http.ResponseWriter, r *http.Request) {
	s.mRequestAct("m.flash.request_confirmed", func(r *http.Request, q *request.Request, memberID int64) error {
		_, err := s.Requests.Confirm(r.Context(), q.ID, memberID)
		return err
	})(w, r)
}

func (s *handler) mRequestReopen(w http.ResponseWriter, r *http.Request) {
	s.mRequestAct("m.flash.request_reopened", func(r *http.Request, q *request.Request, memberID int64) error {
		_, err := s.Requests.Reopen(r.Context(), q.ID, memberID, r.PostFormValue("reason"), nil)
		return err
	})(w, r)
}

// mRequestCopy downloads the member's own data copy: an attachment never
// cached, each download audited.
func (s *handler) mRequestCopy(w http.ResponseWriter, r *http.Request) {
	q, err := s.mRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	fileID, err := s.Requests.CopyFile(r.Context(), q.ID, q.MemberID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	rd, err := s.Jobs.Files.Open(r.Context(), fileID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	err = s.DB.Update(r.Context(), func(tx *db.Tx) error {
		return audit.Record(r.Context(), tx, audit.Change{Action: "privacy.copy_download", ObjectType: "request", ObjectID: q.ID,
			NodePath: q.NodePath, Summary: "会员下载个人信息副本 " + q.No})
	})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := "个人信息副本-" + q.No + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"data-copy-"+q.No+".xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	if _, err := io.Copy(w, rd); err != nil {
		s.Log.Warn("data copy download", "request", q.ID, "err", err)
	}
}
