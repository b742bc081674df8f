package web

import (
	"context"
	"encoding/json"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
)

// The review queue (待审核) and its batch review (批量审核). The queue
// pages and keeps its filters in the URL. A batch is either the ticked
// rows or every row the filter matches, across pages: the selection is
// the filter, evaluated again on the server within the caller's scope.
// A batch is confirmed first (the page says how many), then runs as a
// background job in chunks of reviewChunk rows, one short transaction
// each, and reports how many were decided and which failed and why.

// ReviewJob is the job kind of a batch review.
const ReviewJob = "member_review"

// reviewChunk is how many applications one transaction of a batch decides.
const reviewChunk = 100

// reviewFailuresKept bounds the failures a batch lists one by one.
const reviewFailuresKept = 200

// ReviewParams is what a batch review job needs.
type ReviewParams struct {
	Approve  bool          `json:"approve"`
	Reason   string        `json:"reason"`
	Filter   member.Filter `json:"filter"` // scope, filter, ticked ids and the confirmation's largest id
	Expected int           `json:"expected"`
	Login    string        `json:"login"`
}

// ReviewSummary is a batch review's result.
type ReviewSummary struct {
	Approve    bool            `json:"approve"`
	Expected   int             `json:"expected"` // as confirmed
	Done       int             `json:"done"`
	Failed     []reviewFailure `json:"failed"`
	FailedMore int             `json:"failed_more"` // failures beyond those listed
	Retried    bool            `json:"retried"`     // an earlier attempt stopped part way: its rows are not counted here
}

// FailedCount is every failure, listed or not.
func (s ReviewSummary) FailedCount() int { return len(s.Failed) + s.FailedMore }

// reviewFailure is one application a batch could not decide.
type reviewFailure struct {
	ID   int64  `json:"id"`
	Name string `json:"name"` // masked
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// Reason is the failure in the page's language.
func (f reviewFailure) Reason(lang string) string {
	if lang == "en" {
		return f.EN
	}
	return f.ZH
}

// runReview decides a batch in chunks, each in its own short transaction:
// it takes the next matching ids (evaluated again, so a row someone else
// decided meanwhile is skipped, never decided twice) and decides them
// within the scope saved with the batch. Running it again after a crash
// carries on with the rows still pending.
func (s *Server) runReview(ctx context.Context, j *jobs.Job, _ []byte, progress func(done, total int64)) (*jobs.Result, error) {
	var p ReviewParams
	if err := json.Unmarshal([]byte(j.Params), &p); err != nil {
		return nil, err
	}
	actor := db.Actor{Kind: "staff", Login: p.Login}
	if j.CreatedBy != nil {
		actor.ID = *j.CreatedBy
	}
	ctx = db.WithActor(ctx, actor)
	f := p.Filter
	f.Status = member.Pending
	if f.Within == nil {
		f.Within = []string{} // a batch always has a scope: none matches nothing
	}
	sum := ReviewSummary{Approve: p.Approve, Expected: p.Expected, Retried: j.Attempts > 1}
	fail := func(id int64, e *apperr.Error) {
		if len(sum.Failed) >= reviewFailuresKept {
			sum.FailedMore++
			return
		}
		sum.Failed = append(sum.Failed, reviewFailure{ID: id, ZH: e.Message("zh-CN"), EN: e.Message("en")})
	}
	total, _, err := s.Members.Count(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.IDs != nil {
		// Ticked rows no longer pending (or not in scope) are failures too.
		matching, err := s.Members.MatchingIDs(ctx, f, 0, len(f.IDs))
		if err != nil {
			return nil, err
		}
		seen := map[int64]bool{}
		for _, id := range matching {
			seen[id] = true
		}
		gone := &apperr.Error{Code: apperr.Conflict, ZH: "已不在待审核状态，或不在您的管辖范围", EN: "no longer awaiting review, or outside your scope"}
		for _, id := range f.IDs {
			if !seen[id] {
				seen[id] = true
				fail(id, gone)
				total++
			}
		}
	}
	progress(0, int64(total))
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ids, err := s.Members.MatchingIDs(ctx, f, after, reviewChunk)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		failed, err := s.Members.ReviewWithin(ctx, ids, f.Within, p.Approve, p.Reason)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if e, ok := failed[id]; ok {
				fail(id, apperr.As(e))
			} else {
				sum.Done++
			}
		}
		progress(int64(sum.Done+sum.FailedCount()), int64(max(total, sum.Done+sum.FailedCount())))
	}
	if err := s.nameFailures(ctx, sum.Failed); err != nil {
		return nil, err
	}
	out, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	return &jobs.Result{Summary: string(out)}, nil
}

// nameFailures adds each failed application's masked name.
func (s *Server) nameFailures(ctx context.Context, fs []reviewFailure) error {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	list, _, err := s.Members.List(ctx, member.Filter{IDs: ids, Limit: len(ids)})
	if err != nil {
		return fmt.Errorf("name the failures: %w", err)
	}
	names := map[int64]string{}
	for _, m := range list {
		names[m.ID] = m.Name
	}
	for i := range fs {
		fs[i].Name = names[fs[i].ID]
	}
	return nil
}
