package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	rq "estateclub/internal/request"
	"estateclub/internal/web"
)

// Requests and complaints (诉求) in the API: the queue with the console's
// filters, staff intake on a member's behalf, the request with its history
// and messages (internal notes included), and every handling step. Each
// request is loaded in the caller's request scope (web.RequestScope):
// property staff reach only the property complaints of their projects.

// requestView is a request as the API shows it: with whether it is late
// and, on its own page, the working time left.
type requestView struct {
	*rq.Request
	Late bool `json:"late"`
	// TimeLeftMinutes is the working time until the next due time,
	// negative when late; absent while no clock runs.
	TimeLeftMinutes *int64 `json:"time_left_minutes,omitempty"`
}

func (s *handler) viewRequest(r *http.Request, q *rq.Request, withTime bool) (requestView, error) {
	v := requestView{Request: q, Late: q.Late(s.DB.Clock())}
	if !withTime {
		return v, nil
	}
	left, ok, err := s.Requests.TimeLeft(r.Context(), q)
	if err != nil {
		return v, err
	}
	if ok {
		m := int64(left / time.Minute)
		v.TimeLeftMinutes = &m
	}
	return v, nil
}

// scopedRequest loads the request {request} within the caller's request
// scope for the route's permission: one they may read but not act on is
// forbidden, one beyond their reach does not exist.
func (s *handler) scopedRequest(r *http.Request, perm auth.Permission) (*rq.Request, error) {
	id, err := strconv.ParseInt(r.PathValue("request"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	q, err := s.Requests.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if web.RequestScope(r, perm).Allows(q) {
		return q, nil
	}
	if web.RequestScope(r, auth.RequestRead).Allows(q) {
		return nil, apperr.ForbiddenErr()
	}
	return nil, web.NotFoundErr
}

func (s *handler) requestList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := s.RequestFilter(r.Request)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Requests.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	views := make([]requestView, len(list))
	for i := range list {
		views[i], _ = s.viewRequest(r.Request, &list[i], false)
	}
	return web.NewList(views, total, pg), nil
}

func (s *handler) requestGet(r *request[none], q *rq.Request) (any, error) {
	return s.viewRequest(r.Request, q, true)
}

// intakeBody is a request staff take down for a member (member_id) or
// for a caller who is not one yet (mobile, with org: the node where they
// are enrolled as a default member).
type intakeBody struct {
	MemberID int64      `json:"member_id"`
	Mobile   string     `json:"mobile"`
	Name     string     `json:"name"`
	Org      string     `json:"org"`
	Project  string     `json:"project"`
	Kind     rq.Kind    `json:"kind"`
	Subkind  rq.Subkind `json:"subkind"`
	Channel  rq.Channel `json:"channel"`
	Text     string     `json:"text"`
	// Files are photos or PDFs, each {name, data (base64)}.
	Files []rq.Upload `json:"files"`
}

// memberChannels are how a caller enrolled through a request's channel
// came to the club.
var memberChannels = map[rq.Channel]member.Channel{
	rq.Phone: member.ServiceCenter, rq.Site: member.SalesSite, rq.Forum: member.Online, rq.Email: member.Online,
}

// requestIntake takes down a request from the phone, the site, the forum
// or email, in the caller's scope; a caller who is not a member becomes a
// default member (默认会员) first.
func (s *handler) requestIntake(r *request[intakeBody]) (any, error) {
	b := r.Body
	in := rq.NewRequest{MemberID: b.MemberID, Kind: b.Kind, Subkind: b.Subkind, Channel: b.Channel, Text: b.Text, Files: b.Files}
	if _, staffChannel := memberChannels[b.Channel]; !staffChannel {
		return nil, apperr.Field("channel", "请选择诉求来源：电话、现场、论坛或邮件", "choose the channel: phone, site, forum or email")
	}
	if err := s.Requests.ValidateContent(r.Context(), in); err != nil {
		return nil, err
	}
	if (b.MemberID == 0) == (strings.TrimSpace(b.Mobile) == "") {
		return nil, apperr.Field("member_id", "请指明会员（member_id），或填写非会员的手机号（mobile）", "name the member (member_id) or give a non-member's mobile")
	}
	var projectPath string
	if b.Project != "" {
		n, err := s.Org.ByCode(r.Context(), b.Project)
		if err != nil || !r.P.Sees(n.Path) {
			return nil, apperr.Field("project", "项目 "+b.Project+" 不存在", "project "+b.Project+" does not exist")
		}
		in.ProjectID, projectPath = n.ID, n.Path
	}
	handle := web.RequestScope(r.Request, auth.RequestHandle)
	reaches := func(field, nodePath string) error {
		probe := &rq.Request{NodePath: nodePath, ProjectPath: projectPath, Kind: b.Kind, Subkind: b.Subkind}
		if handle.Allows(probe) {
			return nil
		}
		return &apperr.Error{Code: apperr.Forbidden, Field: field, ZH: "您无权为该会员受理此类诉求", EN: "you may not take down this kind of request for that member"}
	}
	if b.MemberID != 0 {
		m, err := s.Members.Get(r.Context(), b.MemberID)
		if err != nil || !r.P.Sees(m.NodePath) {
			return nil, apperr.Field("member_id", "会员不存在", "no such member")
		}
		if err := reaches("member_id", m.NodePath); err != nil {
			return nil, err
		}
	} else {
		if b.Org == "" {
			return nil, apperr.Field("org", "请选择非会员登记入会的组织节点", "choose the org node where the caller is enrolled")
		}
		n, err := s.Org.ByCode(r.Context(), b.Org)
		if err != nil || !r.P.Sees(n.Path) {
			return nil, apperr.Field("org", "组织节点 "+b.Org+" 不存在", "org node "+b.Org+" does not exist")
		}
		if err := reaches("org", n.Path); err != nil {
			return nil, err
		}
		m, _, err := s.Members.Enrol(r.Context(), member.Application{NodeCode: b.Org, Channel: memberChannels[b.Channel],
			Name: b.Name, Mobile: b.Mobile, MergeWithin: append(append([]string{}, handle.All...), handle.Property...)})
		if err != nil {
			return nil, err
		}
		if err := reaches("mobile", m.NodePath); err != nil {
			return nil, err
		}
		in.MemberID = m.ID
	}
	q, err := s.Requests.Submit(r.Context(), in)
	if err != nil {
		return nil, err
	}
	v, err := s.viewRequest(r.Request, q, true)
	return created(v), err
}

// The handling steps: each acts as the caller, in their scope for the
// route's permission, and answers the request as it now is.

func (s *handler) scope(r *request[none]) *rq.Scope {
	return web.RequestScope(r.Request, web.RoutePerm(r.Request))
}

func (s *handler) answer(r *http.Request, q *rq.Request, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return s.viewRequest(r, q, true)
}

func (s *handler) requestTake(r *request[none], q *rq.Request) (any, error) {
	out, err := s.Requests.Take(r.Context(), q.ID, r.P.Staff.ID, s.scope(r))
	return s.answer(r.Request, out, err)
}

type assignRequestBody struct {
	StaffID int64 `json:"staff_id"`
}

func (s *handler) requestAssign(r *request[assignRequestBody], q *rq.Request) (any, error) {
	out, err := s.Requests.Assign(r.Context(), q.ID, r.Body.StaffID, web.RequestScope(r.Request, auth.RequestHandle))
	return s.answer(r.Request, out, err)
}

type transferBody struct {
	DepartmentID int64  `json:"department_id"`
	Reason       string `json:"reason"`
}

func (s *handler) requestTransfer(r *request[transferBody], q *rq.Request) (any, error) {
	out, err := s.Requests.Transfer(r.Context(), q.ID, r.Body.DepartmentID, r.Body.Reason,
		web.RequestScope(r.Request, auth.RequestHandle), r.P.Paths(auth.RequestHandle))
	return s.answer(r.Request, out, err)
}

func (s *handler) requestReply(r *request[rq.Reply], q *rq.Request) (any, error) {
	out, err := s.Requests.Reply(r.Context(), q.ID, r.P.Staff.ID, r.Body, web.RequestScope(r.Request, auth.RequestHandle))
	if err != nil {
		return nil, err
	}
	v, err := s.viewRequest(r.Request, out, true)
	return created(v), err
}

// requestFile downloads a file of the request {request} (an internal
// note's too) within the caller's read scope, audited.
func (s *handler) requestFile(w http.ResponseWriter, r *http.Request) {
	q, err := s.scopedRequest(r, auth.RequestRead)
	var d *rq.Download
	if err == nil {
		var id int64
		if id, err = web.FileID(r); err == nil {
			d, err = s.Requests.StaffFile(r.Context(), q, id)
		}
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteRequestFile(w, d)
}

type resolveBody struct {
	Answer string `json:"answer"`
	Topic  string `json:"topic"`
}

func (s *handler) requestResolve(r *request[resolveBody], q *rq.Request) (any, error) {
	out, err := s.Requests.Resolve(r.Context(), q.ID, r.P.Staff.ID, r.Body.Answer, r.Body.Topic, web.RequestScope(r.Request, auth.RequestHandle))
	return s.answer(r.Request, out, err)
}

func (s *handler) requestReopen(r *request[reasonBody], q *rq.Request) (any, error) {
	out, err := s.Requests.Reopen(r.Context(), q.ID, 0, r.Body.Reason, web.RequestScope(r.Request, auth.RequestHandle))
	return s.answer(r.Request, out, err)
}

type mergeBody struct {
	Into int64 `json:"into"`
}

func (s *handler) requestMerge(r *request[mergeBody], q *rq.Request) (any, error) {
	out, err := s.Requests.Merge(r.Context(), q.ID, r.Body.Into, r.P.Staff.ID, web.RequestScope(r.Request, auth.RequestHandle))
	return s.answer(r.Request, out, err)
}

type topicBody struct {
	Topic string `json:"topic"`
}

func (s *handler) requestTopic(r *request[topicBody], q *rq.Request) (any, error) {
	out, err := s.Requests.SetTopic(r.Context(), q.ID, r.Body.Topic, web.RequestScope(r.Request, auth.RequestHandle))
	return s.answer(r.Request, out, err)
}

func (s *handler) requestCopy(r *request[none], q *rq.Request) (any, error) {
	out, err := s.Requests.MakeCopy(r.Context(), q.ID, r.P.Staff.ID, s.scope(r))
	return s.answer(r.Request, out, err)
}

func (s *handler) requestApproveDeletion(r *request[none], q *rq.Request) (any, error) {
	out, err := s.Requests.ApproveDeletion(r.Context(), q.ID, r.P.Staff.ID, s.scope(r))
	return s.answer(r.Request, out, err)
}
