package console

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// reviewFilters are the query fields of the queue's filter.
var reviewFilters = []string{"q", "org", "channel", "from", "to"}

// reviewFilter reads the queue's filter from q: pending applications in
// the caller's review scope, narrowed by org node, channel, name or
// mobile, and submission day.
func (s *handler) reviewFilter(r *http.Request, q url.Values) (member.Filter, error) {
	p := web.Principal(r)
	f := member.Filter{Within: p.Paths(auth.MemberReview), Status: member.Pending, Q: strings.TrimSpace(q.Get("q"))}
	if v := q.Get("channel"); v != "" {
		c, err := member.ParseChannel(v)
		if err != nil {
			return f, err
		}
		f.Channel = c
	}
	if v := q.Get("org"); v != "" {
		n, err := s.Org.ByCode(r.Context(), v)
		if err != nil || !p.CanAt(auth.MemberReview, n.Path) {
			return f, apperr.Field("org", "组织节点 "+v+" 不存在", "org node "+v+" does not exist")
		}
		f.Within = []string{n.Path}
	}
	var err error
	f.JoinedFrom, f.JoinedTo, err = web.DayRange(q, "from", "to")
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
	Pager   web.Pager
	Query   url.Values
	Filter  string // the filter as a query string, for the batch form
	Nodes   []org.Node
}

func (s *handler) reviewQueuePage(w http.ResponseWriter, r *http.Request, ferr error) {
	status := http.StatusOK
	if ferr != nil {
		status = apperr.HTTPStatus(apperr.As(ferr).Code)
	}
	s.reviewQueueWith(w, r, r.URL.Query(), status, ferr)
}

// reviewQueueWith renders the queue for the filter in q (the URL's, or a
// batch form's when its submission is refused).
func (s *handler) reviewQueueWith(w http.ResponseWriter, r *http.Request, q url.Values, status int, ferr error) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		pg, ferr = web.Paging{Page: 1, PerPage: 50}, err
	}
	d := reviewQueueData{Query: q, Filter: reviewQuery(q).Encode()}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "nav.review"), Nav: "review"}
	ctx := r.Context()
	if d.Nodes, _, err = s.Org.List(ctx, org.Filter{Within: web.Principal(r).Paths(auth.MemberReview)}); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := s.reviewFilter(r, q)
	if err == nil {
		f.Sort, f.Offset, f.Limit = "recent", pg.Offset(), pg.PerPage
		if d.Total, _, err = s.Members.Count(ctx, f); err == nil {
			d.Members, _, err = s.Members.List(ctx, f)
		}
	}
	d.Pager = web.NewPager(r, pg, d.Total, len(d.Members), false)
	p.Data = d
	if err == nil {
		err = ferr
	}
	if err != nil {
		if status == http.StatusOK {
			status = apperr.HTTPStatus(apperr.As(err).Code)
		}
		if e := apperr.As(err); e.Code == apperr.Internal {
			s.Fail(w, r, err)
			return
		}
		p.Error, p.Form = apperr.As(err), r.PostForm
		s.Render(w, r, status, "member_review", p)
		return
	}
	s.Render(w, r, http.StatusOK, "member_review", p)
}

func (s *handler) memberReviewQueue(w http.ResponseWriter, r *http.Request) {
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
func (s *handler) readReviewBatch(r *http.Request) (reviewBatch, error) {
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
func (s *handler) memberReviewMany(w http.ResponseWriter, r *http.Request) {
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
	web.Redirect(w, r, "/members/review/batches/"+strconv.FormatInt(id, 10), "lists.review.queued")
}

func (s *handler) reviewConfirm(w http.ResponseWriter, r *http.Request, b reviewBatch) {
	n, upTo, err := s.Members.Count(r.Context(), b.Filter)
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
	s.Render(w, r, http.StatusOK, "member_review_confirm", web.Page{Title: s.Cat.T(web.Lang(r), "nav.review"), Nav: "review", Data: d})
}

func (s *handler) enqueueReview(r *http.Request, b reviewBatch) (int64, error) {
	key := strings.TrimSpace(r.PostFormValue("key"))
	if len(key) < 16 || len(key) > 64 {
		return 0, apperr.Field("key", "确认页已失效，请重新操作", "the confirmation has expired; start again")
	}
	p := web.Principal(r)
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
	params, err := json.Marshal(web.ReviewParams{Approve: b.Approve, Reason: b.Reason, Filter: b.Filter, Expected: expected, Login: p.Staff.Login})
	if err != nil {
		return 0, err
	}
	name := s.Cat.T("zh-CN", "lists.review.job_approve", map[string]any{"N": web.Num(expected)})
	if !b.Approve {
		name = s.Cat.T("zh-CN", "lists.review.job_return", map[string]any{"N": web.Num(expected)})
	}
	return s.Jobs.Enqueue(r.Context(), jobs.New{Kind: web.ReviewJob, Params: string(params), NodePath: commonPath(b.Filter.Within),
		CreatedBy: p.Staff.ID, FileName: name, Key: "review:" + strconv.FormatInt(p.Staff.ID, 10) + ":" + key})
}

// reviewMatches lists the ids of the applications f matches, newest first,
// a thousand at a time (each page below the last one's smallest id).
func (s *handler) reviewMatches(r *http.Request, f member.Filter) ([]int64, error) {
	ids := []int64{}
	f.Sort, f.Offset, f.Limit = "recent", 0, 1000
	for {
		page, _, err := s.Members.List(r.Context(), f)
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
		return web.RootPath
	}
	out := paths[0]
	for _, p := range paths[1:] {
		for !strings.HasPrefix(p, out) {
			out = out[:strings.LastIndex(strings.TrimSuffix(out, "/"), "/")+1]
		}
	}
	if out == "" || out == "/" {
		return web.RootPath
	}
	return out
}

// reviewJobView is a batch review job as its page shows it.
type reviewJobView struct {
	jobs.Job
	Summary  web.ReviewSummary
	Approve  bool
	Expected int // as confirmed
}

func viewReviewJob(j jobs.Job) reviewJobView {
	v := reviewJobView{Job: j}
	var p web.ReviewParams
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
func (s *handler) reviewJobPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("batch"), 10, 64)
	if err != nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	j, err := s.Jobs.Get(r.Context(), id)
	if err == nil && j.Kind != web.ReviewJob {
		err = web.NotFoundErr
	}
	if err == nil {
		err = web.AuthorizeAt(r, auth.MemberReview, j.NodePath)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := reviewJobData{Job: viewReviewJob(*j), Running: j.Status == jobs.Queued || j.Status == jobs.Running}
	title := s.Cat.T(web.Lang(r), "lists.review.job_approve", map[string]any{"N": web.Num(d.Job.Expected)})
	if !d.Job.Approve {
		title = s.Cat.T(web.Lang(r), "lists.review.job_return", map[string]any{"N": web.Num(d.Job.Expected)})
	}
	pg := web.Page{Title: title, Nav: "review", Data: d}
	if d.Running {
		pg.Refresh = 2 // no script needed: the page reloads until the job ends
	}
	s.Render(w, r, http.StatusOK, "review_job", pg)
}
