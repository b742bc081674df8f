package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/web"
)

// Import conflicts (导入冲突): rows of a member import that disagreed with
// the member who has their mobile. Supervisors (member.review) of the
// member's scope apply them to the member or dismiss them.

type conflictsData struct {
	Conflicts []member.Conflict
	Job       int64
	Total     int
	Page      web.Paging
	Pager     web.Pager
	Query     url.Values
}

func (s *handler) importConflicts(w http.ResponseWriter, r *http.Request) { s.conflictsPage(w, r, nil) }

// conflictsPage lists the pending conflicts of one import (?job=) or all,
// with ferr from a decision that could not be carried out in full.
func (s *handler) conflictsPage(w http.ResponseWriter, r *http.Request, ferr error) {
	f, pg, err := web.ConflictFilter(r, r.FormValue("job"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f.Status = member.ConflictPending
	d := conflictsData{Job: f.JobID, Page: pg, Query: r.URL.Query()}
	if d.Conflicts, d.Total, err = s.Members.Conflicts(r.Context(), f); err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	p := web.Page{Title: s.Cat.T(web.Lang(r), "conflict.title"), Nav: "review", Data: d}
	if ferr != nil {
		s.FormError(w, r, "import_conflicts", p, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "import_conflicts", p)
}

// importConflictsDecide applies or dismisses the ticked conflicts.
func (s *handler) importConflictsDecide(w http.ResponseWriter, r *http.Request) {
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
	failed, err := s.Members.DecideConflicts(r.Context(), member.ConflictDecision{IDs: ids, Apply: decision == "apply",
		Within: web.Principal(r).Paths(auth.MemberReview)})
	if err != nil {
		s.Fail(w, r, err)
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
	web.Redirect(w, r, back, flash)
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
