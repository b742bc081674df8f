package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
	rq "estateclub/internal/request"
	"estateclub/internal/web"
)

// The settings of request handling under /requests/settings: departments
// (责任部门) with their staff and the routing rules, each at an org node in
// the caller's scope; the due times per kind and the days after which a
// resolved request closes by itself, which hold for the whole group.
// Reading needs request.read, changing request.approve.

// departmentBody sets up or changes a department at the node org.
type departmentBody struct {
	Org      string  `json:"org"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	NameEN   string  `json:"name_en"`
	Active   *bool   `json:"active"`
	StaffIDs []int64 `json:"staff_ids"`
}

func (s *handler) departmentInput(r *request[departmentBody]) (rq.DepartmentInput, error) {
	n, err := s.NodeForWrite(r.Request, "org", r.Body.Org, auth.RequestApprove)
	if err != nil {
		return rq.DepartmentInput{}, err
	}
	b := r.Body
	return rq.DepartmentInput{NodeID: n.ID, Code: b.Code, Name: b.Name, NameEN: b.NameEN, Active: b.Active, StaffIDs: b.StaffIDs}, nil
}

func (s *handler) departmentList(r *request[none]) (any, error) {
	return items(s.Requests.Departments(r.Context(), r.P.Paths(auth.RequestRead)))
}

func (s *handler) departmentCreate(r *request[departmentBody]) (any, error) {
	in, err := s.departmentInput(r)
	if err != nil {
		return nil, err
	}
	d, err := s.Requests.SaveDepartment(r.Context(), 0, in, r.P.Paths(auth.RequestApprove))
	if err != nil {
		return nil, err
	}
	return created(d), nil
}

// scopedDepartment loads the department {dept} and checks the
// route's permission at its node.
func (s *handler) scopedDepartment(r *http.Request, perm auth.Permission) (*rq.Department, error) {
	id, err := strconv.ParseInt(r.PathValue("dept"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	d, err := s.Requests.Department(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return d, web.AuthorizeAt(r, perm, d.NodePath)
}

func (s *handler) departmentUpdate(r *request[departmentBody], d *rq.Department) (any, error) {
	in, err := s.departmentInput(r)
	if err != nil {
		return nil, err
	}
	return s.Requests.SaveDepartment(r.Context(), d.ID, in, r.P.Paths(auth.RequestApprove))
}

// ruleBody is a routing rule: requests of kind (and subkind, "" any) about
// the node org go to the department.
type ruleBody struct {
	Org          string     `json:"org"`
	Kind         rq.Kind    `json:"kind"`
	Subkind      rq.Subkind `json:"subkind"`
	DepartmentID int64      `json:"department_id"`
}

func (s *handler) ruleList(r *request[none]) (any, error) {
	return items(s.Requests.Rules(r.Context(), r.P.Paths(auth.RequestRead)))
}

// rulePut sets the rule for a node, kind and subkind, replacing the one
// there was.
func (s *handler) rulePut(r *request[ruleBody]) (any, error) {
	n, err := s.NodeForWrite(r.Request, "org", r.Body.Org, auth.RequestApprove)
	if err != nil {
		return nil, err
	}
	return s.Requests.SaveRule(r.Context(), rq.RuleInput{NodeID: n.ID, Kind: r.Body.Kind, Subkind: r.Body.Subkind,
		DepartmentID: r.Body.DepartmentID}, r.P.Paths(auth.RequestApprove))
}

func (s *handler) ruleDelete(r *request[none]) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("routing"), 10, 64)
	if err != nil {
		return nil, apperr.NotFoundf("分派规则", "routing rule")
	}
	return nil, s.Requests.DeleteRule(r.Context(), id, r.P.Paths(auth.RequestApprove))
}

type slaBody struct {
	Items []rq.SLA `json:"items"`
}

func (s *handler) slaGet(r *request[none]) (any, error) {
	return items(s.Requests.SLAs(r.Context()))
}

func (s *handler) slaPut(r *request[slaBody], _ *org.Node) (any, error) {
	if len(r.Body.Items) == 0 {
		return nil, apperr.Field("items", "请填写至少一种诉求类型的时限", "give the due times of at least one kind")
	}
	if err := s.Requests.SetSLAs(r.Context(), r.Body.Items); err != nil {
		return nil, err
	}
	return items(s.Requests.SLAs(r.Context()))
}

type closeAfterBody struct {
	Days int `json:"days"`
}

func (s *handler) closeAfterGet(r *request[none]) (any, error) {
	n, err := s.Requests.CloseAfter(r.Context())
	return closeAfterBody{Days: n}, err
}

func (s *handler) closeAfterPut(r *request[closeAfterBody], _ *org.Node) (any, error) {
	if err := s.Requests.SetCloseAfter(r.Context(), r.Body.Days); err != nil {
		return nil, err
	}
	n, err := s.Requests.CloseAfter(r.Context())
	return closeAfterBody{Days: n}, err
}
