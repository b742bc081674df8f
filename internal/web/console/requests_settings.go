package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// The settings of request handling (诉求设置), for the holders of
// request.approve (the supervisors): the departments of the nodes in
// their scope with their staff, the routing rules there, and — for
// group-wide holders only, since they apply to the whole club — the due
// times per kind and the days after which a resolved request closes. The
// admin (settings.write) sets up the org and staff but not request
// handling, which is the club's business.

type ruleTopic struct{ Value, Label string }

// departmentRow is a department with its staff as a set, for the form.
type departmentRow struct {
	request.Department
	On map[int64]bool
}

type requestSettingsData struct {
	Departments []departmentRow
	Rules       []request.Rule
	SLAs        []request.SLA
	CloseAfter  int
	Nodes       []org.Node
	Staff       []auth.Staff
	Codes       []string
	Topics      []ruleTopic
	Group       bool // may change the group-wide due times
}

func (s *handler) requestSettingsPage(w http.ResponseWriter, r *http.Request, ferr error) {
	ctx, lang, p := r.Context(), web.Lang(r), web.Principal(r)
	within := p.Paths(auth.RequestApprove)
	d := requestSettingsData{Codes: request.DepartmentCodes, Group: p.CanAt(auth.RequestApprove, "/1/")}
	cat, err := s.Requests.Catalogue(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, kd := range cat.Kinds {
		d.Topics = append(d.Topics, ruleTopic{string(kd.Kind) + "/", kd.Label(lang) + " · " + s.Cat.T(lang, "requests.any_subkind")})
		for _, sd := range kd.Offered() {
			d.Topics = append(d.Topics, ruleTopic{string(kd.Kind) + "/" + string(sd.Code), kd.Label(lang) + " · " + sd.Label(lang)})
		}
	}
	var depts []request.Department
	if depts, err = s.Requests.Departments(ctx, within); err == nil {
		for _, dp := range depts {
			row := departmentRow{Department: dp, On: map[int64]bool{}}
			for _, st := range dp.Staff {
				row.On[st.ID] = true
			}
			d.Departments = append(d.Departments, row)
		}
		if d.Rules, err = s.Requests.Rules(ctx, within); err == nil {
			if d.SLAs, err = s.Requests.SLAs(ctx); err == nil {
				if d.CloseAfter, err = s.Requests.CloseAfter(ctx); err == nil {
					if d.Nodes, _, err = s.Org.List(ctx, org.Filter{Within: within}); err == nil {
						d.Staff, err = requestHandlers(ctx, s.Auth, within)
					}
				}
			}
		}
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(lang, "requests.settings"), Nav: "requests", Data: d}
	if ferr != nil {
		s.FormError(w, r, "request_settings", pg, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "request_settings", pg)
}

func (s *handler) requestSettings(w http.ResponseWriter, r *http.Request) {
	s.requestSettingsPage(w, r, nil)
}

// settingsStep runs one change of the settings and shows the page again.
func (s *handler) settingsStep(w http.ResponseWriter, r *http.Request, flash string, act func() error) {
	if err := act(); err != nil {
		s.requestSettingsPage(w, r, err)
		return
	}
	web.Redirect(w, r, "/requests/settings", flash)
}

// departmentInput reads a department's form.
func (s *handler) departmentInput(r *http.Request) (request.DepartmentInput, error) {
	in := request.DepartmentInput{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en")}
	n, err := s.Org.ByCode(r.Context(), r.PostFormValue("org"))
	if err != nil {
		return in, apperr.Field("org", "请选择部门所属的组织节点", "choose the department's org node")
	}
	in.NodeID = n.ID
	if r.PostForm.Has("active_set") {
		active := r.PostFormValue("active") == "1"
		in.Active = &active
	}
	for _, v := range r.PostForm["staff_ids"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, apperr.Field("staff_ids", "员工选择不正确", "the staff chosen are not valid")
		}
		in.StaffIDs = append(in.StaffIDs, id)
	}
	return in, nil
}

func (s *handler) requestDepartmentCreate(w http.ResponseWriter, r *http.Request) {
	s.settingsStep(w, r, "flash.request.department", func() error {
		in, err := s.departmentInput(r)
		if err == nil {
			_, err = s.Requests.SaveDepartment(r.Context(), 0, in, web.Principal(r).Paths(auth.RequestApprove))
		}
		return err
	})
}

func (s *handler) requestDepartmentUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("department"), 10, 64)
	if err != nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	// A department outside the caller's scope is not found, before its form is read.
	if dp, err := s.Requests.Department(r.Context(), id); err != nil || !web.Principal(r).CanAt(auth.RequestApprove, dp.NodePath) {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	s.settingsStep(w, r, "flash.request.department", func() error {
		in, err := s.departmentInput(r)
		if err == nil {
			_, err = s.Requests.SaveDepartment(r.Context(), id, in, web.Principal(r).Paths(auth.RequestApprove))
		}
		return err
	})
}

func (s *handler) requestRuleCreate(w http.ResponseWriter, r *http.Request) {
	s.settingsStep(w, r, "flash.request.rule", func() error {
		k, sub, _ := strings.Cut(r.PostFormValue("topic"), "/")
		in := request.RuleInput{Kind: request.Kind(k), Subkind: request.Subkind(sub)}
		n, err := s.Org.ByCode(r.Context(), r.PostFormValue("org"))
		if err != nil {
			return apperr.Field("org", "请选择规则适用的组织节点", "choose the rule's org node")
		}
		in.NodeID = n.ID
		if in.DepartmentID, err = formID(r, "department_id", "请选择责任部门", "choose the department"); err != nil {
			return err
		}
		_, err = s.Requests.SaveRule(r.Context(), in, web.Principal(r).Paths(auth.RequestApprove))
		return err
	})
}

func (s *handler) requestRuleDelete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("routing_rule"), 10, 64)
	if err != nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	if err := s.Requests.DeleteRule(r.Context(), id, web.Principal(r).Paths(auth.RequestApprove)); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.Redirect(w, r, "/requests/settings", "flash.request.rule_deleted")
}

// groupOnly refuses a group-wide setting to a supervisor of part of the club.
func groupOnly(r *http.Request) error {
	if web.Principal(r).CanAt(auth.RequestApprove, "/1/") {
		return nil
	}
	return apperr.New(apperr.Conflict, "办理时限和自动关闭天数适用于整个集团，须由集团主管修改",
		"the due times and the days before closing apply to the whole group; a group supervisor changes them")
}

// hoursField reads a number of working hours; blank or not a number is refused.
func hoursField(r *http.Request, field string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(field)))
	if err != nil {
		return 0, apperr.Field(field, "请填写整数的工作小时数", "enter a whole number of working hours")
	}
	return n, nil
}

func (s *handler) requestSLASave(w http.ResponseWriter, r *http.Request) {
	s.settingsStep(w, r, "flash.request.sla", func() error {
		if err := groupOnly(r); err != nil {
			return err
		}
		var in []request.SLA
		for _, k := range request.Kinds {
			if !r.PostForm.Has(string(k) + ".respond") {
				continue
			}
			x := request.SLA{Kind: k}
			var err error
			if x.RespondHours, err = hoursField(r, string(k)+".respond"); err != nil {
				return err
			}
			if x.ResolveHours, err = hoursField(r, string(k)+".resolve"); err != nil {
				return err
			}
			if x.EscalateHours, err = hoursField(r, string(k)+".escalate"); err != nil {
				return err
			}
			in = append(in, x)
		}
		return s.Requests.SetSLAs(r.Context(), in)
	})
}

func (s *handler) requestCloseAfterSave(w http.ResponseWriter, r *http.Request) {
	s.settingsStep(w, r, "flash.request.close_after", func() error {
		if err := groupOnly(r); err != nil {
			return err
		}
		days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
		if err != nil {
			return apperr.Field("close_after_days", "请填写整数天数", "enter a whole number of days")
		}
		return s.Requests.SetCloseAfter(r.Context(), days)
	})
}

// requestHandlers are the active staff within the paths who may handle
// requests: the people a department can hold.
func requestHandlers(ctx context.Context, a *auth.Service, within []string) ([]auth.Staff, error) {
	active := true
	all, _, err := a.ListStaff(ctx, auth.StaffFilter{Within: within, Active: &active, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []auth.Staff{}
	for _, st := range all {
		for _, g := range st.Grants {
			if g.Role.Has(auth.RequestHandle) {
				out = append(out, st)
				break
			}
		}
	}
	return out, nil
}
