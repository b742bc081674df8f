package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiImportConflicts(w http.ResponseWriter, r *http.Request) {
	f, pg, err := web.ConflictFilter(r, r.URL.Query().Get("job"))
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	list, total, err := s.Members.Conflicts(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, pg))
}

// ConflictOutcome is the answer to a decision on import conflicts.
type ConflictOutcome struct {
	Decided []int64            `json:"decided"`
	Failed  []conflictNotTaken `json:"failed"`
}

type conflictNotTaken struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *handler) apiImportConflictsDecide(w http.ResponseWriter, r *http.Request) {
	var b struct {
		IDs      []int64 `json:"ids"`
		Decision string  `json:"decision"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	switch {
	case len(b.IDs) == 0 || len(b.IDs) > 500:
		s.APIError(w, r, apperr.Field("ids", "请列出 1 到 500 个冲突编号", "list 1 to 500 conflict ids"))
		return
	case b.Decision != "apply" && b.Decision != "dismiss":
		s.APIError(w, r, apperr.Field("decision", "decision 须为 apply 或 dismiss", "decision must be apply or dismiss"))
		return
	}
	failed, err := s.Members.DecideConflicts(r.Context(), member.ConflictDecision{IDs: b.IDs, Apply: b.Decision == "apply",
		Within: web.Principal(r).Paths(auth.MemberReview)})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := ConflictOutcome{Decided: []int64{}, Failed: []conflictNotTaken{}}
	for _, id := range b.IDs {
		if err, ok := failed[id]; ok {
			e := apperr.As(err)
			out.Failed = append(out.Failed, conflictNotTaken{ID: id, Code: string(e.Code), Message: e.Message(web.Lang(r))})
			continue
		}
		out.Decided = append(out.Decided, id)
	}
	web.WriteJSON(w, http.StatusOK, out)
}
