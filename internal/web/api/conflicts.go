package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/web"
)

func (s *handler) importConflicts(r *request[none]) (any, error) {
	f, pg, err := web.ConflictFilter(r.Request, r.URL.Query().Get("job"))
	if err != nil {
		return nil, err
	}
	list, total, err := s.Members.Conflicts(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
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

type conflictDecisionBody struct {
	IDs      []int64 `json:"ids"`
	Decision string  `json:"decision"`
}

func (b conflictDecisionBody) Validate() error {
	switch {
	case len(b.IDs) == 0 || len(b.IDs) > 500:
		return apperr.Field("ids", "请列出 1 到 500 个冲突编号", "list 1 to 500 conflict ids")
	case b.Decision != "apply" && b.Decision != "dismiss":
		return apperr.Field("decision", "decision 须为 apply 或 dismiss", "decision must be apply or dismiss")
	}
	return nil
}

// importConflictsDecide applies or dismisses the listed conflicts within
// the caller's review scope; each one not taken says why.
func (s *handler) importConflictsDecide(r *request[conflictDecisionBody]) (any, error) {
	b := r.Body
	failed, err := s.Members.DecideConflicts(r.Context(), member.ConflictDecision{IDs: b.IDs, Apply: b.Decision == "apply",
		Within: r.P.Paths(auth.MemberReview)})
	if err != nil {
		return nil, err
	}
	out := ConflictOutcome{Decided: []int64{}, Failed: []conflictNotTaken{}}
	for _, id := range b.IDs {
		if err, ok := failed[id]; ok {
			e := apperr.As(err)
			out.Failed = append(out.Failed, conflictNotTaken{ID: id, Code: string(e.Code), Message: e.Message(web.Lang(r.Request))})
			continue
		}
		out.Decided = append(out.Decided, id)
	}
	return out, nil
}
