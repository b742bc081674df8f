package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// Import conflicts (导入冲突): rows of a member import that disagreed with
// the member who has their mobile. Supervisors (member.review) of the
// member's scope apply them to the member or dismiss them.

type conflictsData struct {
	Conflicts []member.Conflict
	Job       int64
	Total     int
	Page      paging
	Pager     pager
	Query     url.Values
}

// conflictFilter reads the filters shared by the page and the API: job,
// status, page and per_page; the scope is where the caller may review.
func conflictFilter(r *http.Request, job string) (member.ConflictFilter, paging, error) {
	f := member.ConflictFilter{Within: principal(r).Paths(auth.MemberReview)}
	pg, err := readPaging(r)
	if err != nil {
		return f, pg, err
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	if job != "" {
		if f.JobID, err = strconv.ParseInt(job, 10, 64); err != nil || f.JobID < 1 {
			return f, pg, apperr.Field("job", "导入任务编号不正确", "job must be a job id")
		}
	}
	switch st := member.ConflictStatus(r.URL.Query().Get("status")); st {
	case "", member.ConflictPending, member.ConflictApplied, member.ConflictDismissed:
		f.Status = st
	default:
		return f, pg, apperr.Field("status", "状态须为 pending、applied 或 dismissed", "status must be pending, applied or dismissed")
	}
	return f, pg, nil
}

func (s *Server) importConflicts(w http.ResponseWriter, r *http.Request) { s.conflictsPage(w, r, nil) }

// conflictsPage lists the pending conflicts of one import (?job=) or all,
// with ferr from a decision that could not be carried out in full.
func (s *Server) conflictsPage(w http.ResponseWriter, r *http.Request, ferr error) {
	f, pg, err := conflictFilter(r, r.FormValue("job"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Status = member.ConflictPending
	d := conflictsData{Job: f.JobID, Page: pg, Query: r.URL.Query()}
	if d.Conflicts, d.Total, err = s.members.Conflicts(r.Context(), f); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Pager = newPager(r, pg, d.Total, 0, false)
	p := page{Title: s.cat.T(lang(r), "conflict.title"), Nav: "review", Data: d}
	if ferr != nil {
		s.formError(w, r, "import_conflicts", p, ferr)
		return
	}
	s.render(w, r, http.StatusOK, "import_conflicts", p)
}

// importConflictsDecide applies or dismisses the ticked conflicts.
func (s *Server) importConflictsDecide(w http.ResponseWriter, r *http.Request) {
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	decision := r.PostFormValue("decision")
	switch {
	case len(ids) == 0:
		s.conflictsPage(w, r, apperr.Field("id", "请先勾选要处理的冲突", "tick the conflicts to decide first"))
		return
	case decision != "apply" && decision != "dismiss":
		s.conflictsPage(w, r, apperr.Field("decision", "请选择采用导入值或保留会员原资料", "choose to apply the imported values or keep the member's"))
		return
	}
	failed, err := s.members.DecideConflicts(r.Context(), member.ConflictDecision{IDs: ids, Apply: decision == "apply",
		Within: principal(r).Paths(auth.MemberReview)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(failed) > 0 {
		s.conflictsPage(w, r, undecided(ids, failed))
		return
	}
	back := "/members/import/conflicts"
	if job := r.PostFormValue("job"); job != "" {
		back += "?job=" + url.QueryEscape(job)
	}
	flash := "flash.conflicts_applied"
	if decision == "dismiss" {
		flash = "flash.conflicts_dismissed"
	}
	redirect(w, r, back, flash)
}

// undecided says which conflicts of a decision could not be decided, and why.
func undecided(ids []int64, failed map[int64]error) error {
	var zh, en []string
	for _, id := range ids {
		if err, ok := failed[id]; ok {
			e := apperr.As(err)
			zh = append(zh, fmt.Sprintf("#%d %s", id, e.ZH))
			en = append(en, fmt.Sprintf("#%d %s", id, e.EN))
		}
	}
	return &apperr.Error{Code: apperr.Conflict,
		ZH: fmt.Sprintf("其余已处理，%d 条未能处理：%s", len(zh), strings.Join(zh, "；")),
		EN: fmt.Sprintf("the others were decided; %d could not be: %s", len(en), strings.Join(en, "; "))}
}

func (s *Server) apiImportConflicts(w http.ResponseWriter, r *http.Request) {
	f, pg, err := conflictFilter(r, r.URL.Query().Get("job"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, total, err := s.members.Conflicts(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, total, pg))
}

// conflictOutcome is the answer to a decision on import conflicts.
type conflictOutcome struct {
	Decided []int64            `json:"decided"`
	Failed  []conflictNotTaken `json:"failed"`
}

type conflictNotTaken struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) apiImportConflictsDecide(w http.ResponseWriter, r *http.Request) {
	var b struct {
		IDs      []int64 `json:"ids"`
		Decision string  `json:"decision"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	switch {
	case len(b.IDs) == 0 || len(b.IDs) > 500:
		s.apiError(w, r, apperr.Field("ids", "请列出 1 到 500 个冲突编号", "list 1 to 500 conflict ids"))
		return
	case b.Decision != "apply" && b.Decision != "dismiss":
		s.apiError(w, r, apperr.Field("decision", "decision 须为 apply 或 dismiss", "decision must be apply or dismiss"))
		return
	}
	failed, err := s.members.DecideConflicts(r.Context(), member.ConflictDecision{IDs: b.IDs, Apply: b.Decision == "apply",
		Within: principal(r).Paths(auth.MemberReview)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := conflictOutcome{Decided: []int64{}, Failed: []conflictNotTaken{}}
	for _, id := range b.IDs {
		if err, ok := failed[id]; ok {
			e := apperr.As(err)
			out.Failed = append(out.Failed, conflictNotTaken{ID: id, Code: string(e.Code), Message: e.Message(lang(r))})
			continue
		}
		out.Decided = append(out.Decided, id)
	}
	writeJSON(w, http.StatusOK, out)
}
