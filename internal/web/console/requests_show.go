package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// A request's page (诉求详情): its details, time left, history and
// messages, and the handling steps as small forms, each posted to its own
// route with its own permission; a refused step shows the page again with
// the reason in the reader's language.

// loadRequest reads the request of the path within the caller's read
// scope: one outside it is not found.
func (s *handler) loadRequest(r *http.Request) (*request.Request, error) {
	id, err := strconv.ParseInt(r.PathValue("request"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	q, err := s.Requests.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !web.RequestScope(r, auth.RequestRead).Allows(q) {
		return nil, web.NotFoundErr
	}
	return q, nil
}

// eventLine is a line of a request's history in words.
type eventLine struct {
	At    time.Time
	Label string
	Note  string // typed data: a department, a reason, a number
	Actor ref    // who did it, as people read it
}

type requestData struct {
	Q          *request.Request
	Member     *member.Member
	MemberName string
	MemberLink bool
	Dept       string
	Left       string
	Late       bool
	Rating     int // 0: not rated
	Events     []eventLine
	// What the caller may do here.
	CanHandle, CanApprove bool
	DeptStaff             []request.StaffRef   // assign: the department's staff
	Departments           []request.Department // transfer: active ones in the caller's handle scope
	Me                    int64
}

// requestPage shows request q, with err (a refused step) if not nil.
func (s *handler) requestPage(w http.ResponseWriter, r *http.Request, q *request.Request, ferr error) {
	ctx, lang, p := r.Context(), web.Lang(r), web.Principal(r)
	m, err := s.Members.Get(ctx, q.MemberID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := requestData{Q: q, Member: m, MemberName: pii.MaskName(m.Name), MemberLink: p.CanAt(auth.MemberRead, m.NodePath), Me: p.Staff.ID,
		CanHandle: web.RequestScope(r, auth.RequestHandle).Allows(q)}
	if q.Rating != nil {
		d.Rating = *q.Rating
	}
	d.CanApprove = q.Subkind == request.SubAccountDeletion && web.RequestScope(r, auth.RequestApprove).Allows(q)
	if d.Left, d.Late, err = s.timeLeft(ctx, lang, q); err != nil {
		s.Fail(w, r, err)
		return
	}
	depts, err := s.Requests.Departments(ctx, nil)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	within := p.Paths(auth.RequestHandle)
	for _, dp := range depts {
		if q.DepartmentID != nil && dp.ID == *q.DepartmentID {
			d.Dept, d.DeptStaff = dp.Label(lang), dp.Staff
			continue
		}
		if d.CanHandle && dp.Active && inAny(dp.NodePath, within) {
			d.Departments = append(d.Departments, dp)
		}
	}
	logins := make([]string, 0, len(q.Events))
	for _, e := range q.Events {
		logins = append(logins, e.Actor)
	}
	ops, err := s.operatorsFor(r, logins...)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, e := range q.Events {
		d.Events = append(d.Events, eventLine{At: e.At, Label: request.EventLabel(e.Action, lang), Note: e.Note, Actor: ops.Ref(e.Actor)})
	}
	pg := web.Page{Title: q.No, Nav: "requests", Data: d}
	if ferr != nil {
		s.FormError(w, r, "request_show", pg, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "request_show", pg)
}

func inAny(path string, within []string) bool {
	for _, w := range within {
		if strings.HasPrefix(path, w) {
			return true
		}
	}
	return false
}

func (s *handler) requestShow(w http.ResponseWriter, r *http.Request) {
	q, err := s.loadRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.requestPage(w, r, q, nil)
}

// requestFile downloads a file of the request (an internal note's too),
// audited.
func (s *handler) requestFile(w http.ResponseWriter, r *http.Request) {
	q, err := s.loadRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	id, err := web.FileID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d, err := s.Requests.StaffFile(r.Context(), q, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	web.WriteRequestFile(w, d)
}

// requestStep runs one handling step on the request {request} within the
// caller's scope for perm, then shows the request again: with a flash
// message, or with the reason the step was refused.
func (s *handler) requestStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, flash string,
	act func(q *request.Request, sc *request.Scope) error) {
	q, err := s.loadRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := act(q, web.RequestScope(r, perm)); err != nil {
		if fresh, ferr := s.Requests.Get(r.Context(), q.ID); ferr == nil {
			q = fresh
		}
		s.requestPage(w, r, q, err)
		return
	}
	web.Redirect(w, r, "/requests/"+strconv.FormatInt(q.ID, 10), flash)
}

// formID reads a form field holding an id.
func formID(r *http.Request, field, zh, en string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(field)), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Field(field, zh, en)
	}
	return id, nil
}

func (s *handler) requestTake(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.taken", func(q *request.Request, sc *request.Scope) error {
		_, err := s.Requests.Take(r.Context(), q.ID, web.Principal(r).Staff.ID, sc)
		return err
	})
}

func (s *handler) requestAssign(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.assigned", func(q *request.Request, sc *request.Scope) error {
		id, err := formID(r, "staff_id", "请选择员工", "choose a staff member")
		if err == nil {
			_, err = s.Requests.Assign(r.Context(), q.ID, id, sc)
		}
		return err
	})
}

func (s *handler) requestTransfer(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.transferred", func(q *request.Request, sc *request.Scope) error {
		id, err := formID(r, "department_id", "请选择要转派的部门", "choose the department to transfer to")
		if err == nil {
			_, err = s.Requests.Transfer(r.Context(), q.ID, id, r.PostFormValue("reason"), sc, web.Principal(r).Paths(auth.RequestHandle))
		}
		return err
	})
}

func (s *handler) requestReply(w http.ResponseWriter, r *http.Request) {
	mode := r.PostFormValue("mode")
	flash := map[string]string{"reply": "flash.request.replied", "note": "flash.request.noted", "wait": "flash.request.waiting"}[mode]
	s.requestStep(w, r, auth.RequestHandle, flash, func(q *request.Request, sc *request.Scope) error {
		if flash == "" {
			return apperr.Field("mode", "请选择回复会员、内部备注或等待会员回复", "choose a reply, an internal note or a reply that waits for the member")
		}
		files, err := web.FormUploads(r)
		if err != nil {
			return err
		}
		_, err = s.Requests.Reply(r.Context(), q.ID, web.Principal(r).Staff.ID,
			request.Reply{Body: r.PostFormValue("body"), Internal: mode == "note", Wait: mode == "wait", Files: files}, sc)
		return err
	})
}

func (s *handler) requestResolve(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.resolved", func(q *request.Request, sc *request.Scope) error {
		_, err := s.Requests.Resolve(r.Context(), q.ID, web.Principal(r).Staff.ID, r.PostFormValue("answer"), r.PostFormValue("topic"), sc)
		return err
	})
}

func (s *handler) requestReopen(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.reopened", func(q *request.Request, sc *request.Scope) error {
		_, err := s.Requests.Reopen(r.Context(), q.ID, 0, r.PostFormValue("reason"), sc)
		return err
	})
}

func (s *handler) requestTopic(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.topic", func(q *request.Request, sc *request.Scope) error {
		_, err := s.Requests.SetTopic(r.Context(), q.ID, r.PostFormValue("topic"), sc)
		return err
	})
}

// requestMerge merges the request into another, named by its number.
func (s *handler) requestMerge(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.merged", func(q *request.Request, sc *request.Scope) error {
		no := strings.ToUpper(strings.TrimSpace(r.PostFormValue("into")))
		if no == "" {
			return apperr.Field("into", "请填写要合并到的诉求编号", "enter the number of the request to merge into")
		}
		list, _, err := s.Requests.List(r.Context(), request.Filter{Scope: sc, No: no, Limit: 5})
		if err != nil {
			return err
		}
		for _, t := range list {
			if t.No == no {
				_, err = s.Requests.Merge(r.Context(), q.ID, t.ID, web.Principal(r).Staff.ID, sc)
				return err
			}
		}
		return apperr.Field("into", "找不到编号为 "+no+" 的诉求，或不在您的管理范围内", "no request numbered "+no+" within your scope")
	})
}

func (s *handler) requestCopy(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestHandle, "flash.request.copy", func(q *request.Request, sc *request.Scope) error {
		_, err := s.Requests.MakeCopy(r.Context(), q.ID, web.Principal(r).Staff.ID, sc)
		return err
	})
}

func (s *handler) requestApproveDeletion(w http.ResponseWriter, r *http.Request) {
	s.requestStep(w, r, auth.RequestApprove, "flash.request.deletion", func(q *request.Request, sc *request.Scope) error {
		_, err := s.Requests.ApproveDeletion(r.Context(), q.ID, web.Principal(r).Staff.ID, sc)
		return err
	})
}
