package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
	"estateclub/internal/org"
)

// The review queue (待审核) and its batch review (批量审核). The queue
// pages and keeps its filters in the URL. A batch is either the ticked
// rows or every row the filter matches, across pages: the selection is
// the filter, evaluated again on the server within the caller's scope.
// A batch is confirmed first (the page says how many), then runs as a
// background job in chunks of reviewChunk rows, one short transaction
// each, and reports how many were decided and which failed and why.

// reviewJob is the job kind of a batch review.
const reviewJob = "member_review"

// reviewChunk is how many applications one transaction of a batch decides.
const reviewChunk = 100

// reviewFailuresKept bounds the failures a batch lists one by one.
const reviewFailuresKept = 200

// reviewFilters are the query fields of the queue's filter.
var reviewFilters = []string{"q", "org", "channel", "from", "to"}

// reviewFilter reads the queue's filter from q: pending applications in
// the caller's review scope, narrowed by org node, channel, name or
// mobile, and submission day.
func (s *Server) reviewFilter(r *http.Request, q url.Values) (member.Filter, error) {
	p := principal(r)
	f := member.Filter{Within: p.Paths(auth.MemberReview), Status: member.Pending, Q: strings.TrimSpace(q.Get("q"))}
	if v := q.Get("channel"); v != "" {
		c, err := member.ParseChannel(v)
		if err != nil {
			return f, err
		}
		f.Channel = c
	}
	if v := q.Get("org"); v != "" {
		n, err := s.org.ByCode(r.Context(), v)
		if err != nil || !p.CanAt(auth.MemberReview, n.Path) {
			return f, apperr.Field("org", "组织节点 "+v+" 不存在", "org node "+v+" does not exist")
		}
		f.Within = []string{n.Path}
	}
	var err error
	f.JoinedFrom, f.JoinedTo, err = dayRange(q, "from", "to")
	return f, err
}

// reviewQuery keeps only the filter fields of q (for the batch form).
func reviewQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range reviewFilters {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

type reviewQueueData struct {
	Members []member.Member
	Total   int // exact: the count "select all matching" acts on
	Pager   pager
	Query   url.Values
	Filter  string // the filter as a query string, for the batch form
	Nodes   []org.Node
}

func (s *Server) reviewQueuePage(w http.ResponseWriter, r *http.Request, ferr error) {
	status := http.StatusOK
	if ferr != nil {
		status = apperr.HTTPStatus(apperr.As(ferr).Code)
	}
	s.reviewQueueWith(w, r, r.URL.Query(), status, ferr)
}

// reviewQueueWith renders the queue for the filter in q (the URL's, or a
// batch form's when its submission is refused).
func (s *Server) reviewQueueWith(w http.ResponseWriter, r *http.Request, q url.Values, status int, ferr error) {
	pg, err := readPaging(r)
	if err != nil {
		pg, ferr = paging{Page: 1, PerPage: 50}, err
	}
	d := reviewQueueData{Query: q, Filter: reviewQuery(q).Encode()}
	p := page{Title: s.cat.T(lang(r), "nav.review"), Nav: "review"}
	ctx := r.Context()
	if d.Nodes, _, err = s.org.List(ctx, org.Filter{Within: principal(r).Paths(auth.MemberReview)}); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.reviewFilter(r, q)
	if err == nil {
		f.Sort, f.Offset, f.Limit = "recent", pg.offset(), pg.PerPage
		if d.Total, _, err = s.members.Count(ctx, f); err == nil {
			d.Members, _, err = s.members.List(ctx, f)
		}
	}
	d.Pager = newPager(r, pg, d.Total, len(d.Members), false)
	p.Data = d
	if err == nil {
		err = ferr
	}
	if err != nil {
		if status == http.StatusOK {
			status = apperr.HTTPStatus(apperr.As(err).Code)
		}
		if e := apperr.As(err); e.Code == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		p.Error, p.Form = apperr.As(err), r.PostForm
		s.render(w, r, status, "member_review", p)
		return
	}
	s.render(w, r, http.StatusOK, "member_review", p)
}

func (s *Server) memberReviewQueue(w http.ResponseWriter, r *http.Request) {
	s.reviewQueuePage(w, r, nil)
}

// reviewBatch is a batch review as the forms carry it.
type reviewBatch struct {
	Approve bool
	Reason  string
	All     bool    // every matching row, not the ticked ones
	IDs     []int64 // the ticked rows
	Query   url.Values
	Filter  member.Filter // in the caller's scope, pending only
}

// readReviewBatch reads a batch form: decision, reason, scope (ids or
// all), the ticked ids and the queue's filter.
func (s *Server) readReviewBatch(r *http.Request) (reviewBatch, error) {
	b := reviewBatch{Approve: r.PostFormValue("decision") != "return", Reason: strings.TrimSpace(r.PostFormValue("reason")),
		All: r.PostFormValue("scope") == "all"}
	b.Query, _ = url.ParseQuery(r.PostFormValue("filter"))
	b.Query = reviewQuery(b.Query)
	var err error
	if b.Filter, err = s.reviewFilter(r, b.Query); err != nil {
		return b, err
	}
	if !b.Approve && b.Reason == "" {
		return b, apperr.Field("reason", "退回须填写原因", "a returned application needs a reason")
	}
	if len([]rune(b.Reason)) > 200 {
		return b, apperr.Field("reason", "退回原因不超过 200 字", "the reason is at most 200 characters")
	}
	if b.All {
		return b, nil
	}
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			b.IDs = append(b.IDs, id)
		}
	}
	if len(b.IDs) == 0 {
		return b, apperr.Field("id", "请先勾选要处理的申请，或选择全部符合条件的申请", "tick the applications first, or choose every matching one")
	}
	if len(b.IDs) > 1000 {
		return b, apperr.Field("id", "一次最多勾选 1000 条；更多请选择全部符合条件的申请", "tick at most 1,000; for more, choose every matching one")
	}
	b.Filter.IDs = b.IDs
	return b, nil
}

type reviewConfirmData struct {
	Approve bool
	Reason  string
	All     bool
	IDs     []int64
	Count   int
	UpTo    int64
	Filter  string
	Key     string
}

// memberReviewMany is the batch form's target. Without confirm it shows
// the confirmation (通过 N 条申请？) for the selection as it stands; with
// confirm it queues the batch once per confirmation (a retried post finds
// the job of the first) and shows the job.
func (s *Server) memberReviewMany(w http.ResponseWriter, r *http.Request) {
	b, err := s.readReviewBatch(r)
	if err != nil {
		s.reviewQueueWith(w, r, b.Query, http.StatusBadRequest, err)
		return
	}
	if r.PostFormValue("confirm") == "" {
		s.reviewConfirm(w, r, b)
		return
	}
	id, err := s.enqueueReview(r, b)
	if err != nil {
		s.reviewQueueWith(w, r, b.Query, http.StatusBadRequest, err)
		return
	}
	redirect(w, r, "/members/review/batches/"+strconv.FormatInt(id, 10), "lists.review.queued")
}

func (s *Server) reviewConfirm(w http.ResponseWriter, r *http.Request, b reviewBatch) {
	n, upTo, err := s.members.Count(r.Context(), b.Filter)
	if err == nil && n == 0 {
		err = &apperr.Error{Code: apperr.Conflict, ZH: "没有符合条件的待审核申请（可能已被他人处理）",
			EN: "no matching application awaits review (someone may have decided them)"}
	}
	if err != nil {
		s.reviewQueueWith(w, r, b.Query, http.StatusBadRequest, err)
		return
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	d := reviewConfirmData{Approve: b.Approve, Reason: b.Reason, All: b.All, IDs: b.IDs, Count: n, UpTo: upTo,
		Filter: b.Query.Encode(), Key: hex.EncodeToString(key)}
	s.render(w, r, http.StatusOK, "member_review_confirm", page{Title: s.cat.T(lang(r), "nav.review"), Nav: "review", Data: d})
}

// reviewParams is what a batch review job needs.
type reviewParams struct {
	Approve  bool          `json:"approve"`
	Reason   string        `json:"reason"`
	Filter   member.Filter `json:"filter"` // scope, filter, ticked ids and the confirmation's largest id
	Expected int           `json:"expected"`
	Login    string        `json:"login"`
}

// reviewSummary is a batch review's result.
type reviewSummary struct {
	Approve    bool            `json:"approve"`
	Expected   int             `json:"expected"` // as confirmed
	Done       int             `json:"done"`
	Failed     []reviewFailure `json:"failed"`
	FailedMore int             `json:"failed_more"` // failures beyond those listed
	Retried    bool            `json:"retried"`     // an earlier attempt stopped part way: its rows are not counted here
}

// FailedCount is every failure, listed or not.
func (s reviewSummary) FailedCount() int { return len(s.Failed) + s.FailedMore }

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

func (s *Server) enqueueReview(r *http.Request, b reviewBatch) (int64, error) {
	key := strings.TrimSpace(r.PostFormValue("key"))
	if len(key) < 16 || len(key) > 64 {
		return 0, apperr.Field("key", "确认页已失效，请重新操作", "the confirmation has expired; start again")
	}
	p := principal(r)
	upTo, _ := strconv.ParseInt(r.PostFormValue("upto"), 10, 64)
	expected, _ := strconv.Atoi(r.PostFormValue("count"))
	if upTo <= 0 {
		return 0, apperr.Field("upto", "确认页已失效，请重新操作", "the confirmation has expired; start again")
	}
	b.Filter.MaxID = upTo
	if b.Filter.Q != "" {
		// A search term may be a mobile or an ID number, and job parameters
		// are kept in clear: the job keeps the members it matched instead.
		ids, err := s.reviewMatches(r, b.Filter)
		if err != nil {
			return 0, err
		}
		b.Filter.IDs, b.Filter.Q = ids, ""
	}
	params, err := json.Marshal(reviewParams{Approve: b.Approve, Reason: b.Reason, Filter: b.Filter, Expected: expected, Login: p.Staff.Login})
	if err != nil {
		return 0, err
	}
	name := s.cat.T("zh-CN", "lists.review.job_approve", map[string]any{"N": num(expected)})
	if !b.Approve {
		name = s.cat.T("zh-CN", "lists.review.job_return", map[string]any{"N": num(expected)})
	}
	return s.jobs.Enqueue(r.Context(), jobs.New{Kind: reviewJob, Params: string(params), NodePath: commonPath(b.Filter.Within),
		CreatedBy: p.Staff.ID, FileName: name, Key: "review:" + strconv.FormatInt(p.Staff.ID, 10) + ":" + key})
}

// reviewMatches lists the ids of the applications f matches, newest first,
// a thousand at a time (each page below the last one's smallest id).
func (s *Server) reviewMatches(r *http.Request, f member.Filter) ([]int64, error) {
	ids := []int64{}
	f.Sort, f.Offset, f.Limit = "recent", 0, 1000
	for {
		page, _, err := s.members.List(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			ids = append(ids, m.ID)
		}
		if len(page) < f.Limit {
			return ids, nil
		}
		f.MaxID = page[len(page)-1].ID - 1
	}
}

// commonPath is the deepest org path that holds every path of paths (the
// root's if they share none): a batch job's node, for its scope checks.
func commonPath(paths []string) string {
	if len(paths) == 0 {
		return rootPath
	}
	out := paths[0]
	for _, p := range paths[1:] {
		for !strings.HasPrefix(p, out) {
			out = out[:strings.LastIndex(strings.TrimSuffix(out, "/"), "/")+1]
		}
	}
	if out == "" || out == "/" {
		return rootPath
	}
	return out
}

// runReview decides a batch in chunks, each in its own short transaction:
// it takes the next matching ids (evaluated again, so a row someone else
// decided meanwhile is skipped, never decided twice) and decides them
// within the scope saved with the batch. Running it again after a crash
// carries on with the rows still pending.
func (s *Server) runReview(ctx context.Context, j *jobs.Job, _ []byte, progress func(done, total int64)) (*jobs.Result, error) {
	var p reviewParams
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
	sum := reviewSummary{Approve: p.Approve, Expected: p.Expected, Retried: j.Attempts > 1}
	fail := func(id int64, e *apperr.Error) {
		if len(sum.Failed) >= reviewFailuresKept {
			sum.FailedMore++
			return
		}
		sum.Failed = append(sum.Failed, reviewFailure{ID: id, ZH: e.Message("zh-CN"), EN: e.Message("en")})
	}
	total, _, err := s.members.Count(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.IDs != nil {
		// Ticked rows no longer pending (or not in scope) are failures too.
		matching, err := s.members.MatchingIDs(ctx, f, 0, len(f.IDs))
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
		ids, err := s.members.MatchingIDs(ctx, f, after, reviewChunk)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		failed, err := s.members.ReviewWithin(ctx, ids, f.Within, p.Approve, p.Reason)
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
	list, _, err := s.members.List(ctx, member.Filter{IDs: ids, Limit: len(ids)})
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

// reviewJobView is a batch review job as its page shows it.
type reviewJobView struct {
	jobs.Job
	Summary  reviewSummary
	Approve  bool
	Expected int // as confirmed
}

func viewReviewJob(j jobs.Job) reviewJobView {
	v := reviewJobView{Job: j}
	var p reviewParams
	_ = json.Unmarshal([]byte(j.Params), &p)
	v.Approve, v.Expected = p.Approve, p.Expected
	_ = json.Unmarshal([]byte(j.Result), &v.Summary)
	return v
}

type reviewJobData struct {
	Job     reviewJobView
	Running bool
}

// reviewJobPage shows a batch review's progress, then what it did: how
// many were decided and which failed and why.
func (s *Server) reviewJobPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("batch"), 10, 64)
	if err != nil {
		s.fail(w, r, notFoundErr)
		return
	}
	j, err := s.jobs.Get(r.Context(), id)
	if err == nil && j.Kind != reviewJob {
		err = notFoundErr
	}
	if err == nil {
		err = authorizeAt(r, auth.MemberReview, j.NodePath)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := reviewJobData{Job: viewReviewJob(*j), Running: j.Status == jobs.Queued || j.Status == jobs.Running}
	title := s.cat.T(lang(r), "lists.review.job_approve", map[string]any{"N": num(d.Job.Expected)})
	if !d.Job.Approve {
		title = s.cat.T(lang(r), "lists.review.job_return", map[string]any{"N": num(d.Job.Expected)})
	}
	pg := page{Title: title, Nav: "review", Data: d}
	if d.Running {
		pg.Refresh = 2 // no script needed: the page reloads until the job ends
	}
	s.render(w, r, http.StatusOK, "review_job", pg)
}
