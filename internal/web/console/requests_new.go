package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// Intake by staff (代录诉求): a request that came by phone, on site, in the
// forum or by email, filed for a member found by mobile, card number or
// name (the members list's search), or for a caller who is no member yet:
// their mobile makes a default member (默认会员) first.

// staffChannels are the channels staff file requests for; the portal is
// the member's own.
var staffChannels = []request.Channel{request.Phone, request.Site, request.Forum, request.Email}

// memberChannel is how a caller who left a request joins as a default member.
var memberChannel = map[request.Channel]member.Channel{
	request.Phone: member.ServiceCenter, request.Site: member.SalesSite, request.Forum: member.Online, request.Email: member.Online,
}

// memberHit is a member found by the intake search, masked.
type memberHit struct {
	ID     int64
	Name   string
	No     string
	Mobile string
	Node   string
}

// topicOption is a kind and subkind in one choice ("complaint/property").
type topicOption struct{ Value, Label string }

type requestNewData struct {
	Q        string
	Searched bool
	Members  []memberHit
	Picked   int64
	Nodes    []org.Node // where a new default member may join
	Projects []org.Node // what a request may be about
	Topics   []topicOption
	Channels []request.Channel
}

// requestNewPage shows the intake form, with the member search's hits for q.
func (s *handler) requestNewPage(w http.ResponseWriter, r *http.Request, q string, picked int64, ferr error) {
	ctx, lang, p := r.Context(), web.Lang(r), web.Principal(r)
	d := requestNewData{Q: strings.TrimSpace(q), Picked: picked, Channels: staffChannels}
	cat, err := s.Requests.Catalogue(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, kd := range cat.Kinds {
		for _, sd := range kd.Offered() {
			d.Topics = append(d.Topics, topicOption{string(kd.Kind) + "/" + string(sd.Code), kd.Label(lang) + " · " + sd.Label(lang)})
		}
	}
	nodes, _, err := s.Org.List(ctx, org.Filter{Within: p.Paths(auth.RequestHandle)})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, n := range nodes {
		if n.Kind == org.City || n.Kind == org.Project {
			d.Nodes = append(d.Nodes, n)
		}
		if n.Kind == org.Project {
			d.Projects = append(d.Projects, n)
		}
	}
	if d.Q != "" || picked != 0 {
		d.Searched = true
		// The members list's own search: name, pinyin, mobile, member
		// or card number.
		search := r.Clone(ctx)
		search.URL.RawQuery = url.Values{"q": {d.Q}}.Encode()
		f, err := s.MemberFilter(search)
		if picked != 0 && d.Q == "" {
			f.IDs = []int64{picked}
		}
		var list []member.Member
		if err == nil {
			f.Limit = 10
			list, _, err = s.Members.List(ctx, f)
		}
		if err != nil && ferr == nil {
			ferr = err
		}
		for _, m := range list {
			d.Members = append(d.Members, memberHit{ID: m.ID, Name: pii.MaskName(m.Name), No: m.MemberNo, Mobile: m.Mobile, Node: m.NodeName})
		}
	}
	pg := web.Page{Title: s.Cat.T(lang, "requests.new"), Nav: "requests", Data: d}
	if ferr != nil {
		s.FormError(w, r, "request_new", pg, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "request_new", pg)
}

func (s *handler) requestNew(w http.ResponseWriter, r *http.Request) {
	s.requestNewPage(w, r, r.URL.Query().Get("q"), 0, nil)
}

// requestCreate files the request: for the member picked, or for the
// mobile number of a caller, enrolled as a default member when unknown.
func (s *handler) requestCreate(w http.ResponseWriter, r *http.Request) {
	picked, _ := strconv.ParseInt(r.PostFormValue("member_id"), 10, 64)
	q, err := s.fileRequest(r, picked)
	if err != nil {
		s.requestNewPage(w, r, r.PostFormValue("q"), picked, err)
		return
	}
	if web.RequestScope(r, auth.RequestRead).Allows(q) {
		web.Redirect(w, r, "/requests/"+strconv.FormatInt(q.ID, 10), "flash.request.filed")
		return
	}
	web.Redirect(w, r, "/requests", "flash.request.filed")
}

func (s *handler) fileRequest(r *http.Request, picked int64) (*request.Request, error) {
	ctx, p := r.Context(), web.Principal(r)
	in := request.NewRequest{Channel: request.Channel(r.PostFormValue("channel")), Text: r.PostFormValue("text")}
	if _, ok := memberChannel[in.Channel]; !ok {
		return nil, apperr.Field("channel", "请选择诉求来源：电话、现场、论坛或邮件", "choose how the request came: phone, on site, forum or email")
	}
	k, sub, _ := strings.Cut(r.PostFormValue("topic"), "/")
	in.Kind, in.Subkind = request.Kind(k), request.Subkind(sub)
	if v := r.PostFormValue("project_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		n, nerr := s.Org.ByID(ctx, id)
		if err != nil || nerr != nil || n.Kind != org.Project || !p.CanAt(auth.RequestHandle, n.Path) {
			return nil, apperr.Field("project_id", "请选择您负责的项目", "choose a project within your scope")
		}
		in.ProjectID = id
	}
	var err error
	if in.Files, err = web.FormUploads(r); err != nil {
		return nil, err
	}
	// What it says is checked before a caller is enrolled, so that a
	// refused request leaves no new member behind.
	if err := s.Requests.ValidateContent(ctx, in); err != nil {
		return nil, err
	}
	switch {
	case picked != 0:
		m, err := s.Members.Get(ctx, picked)
		if err != nil || !p.CanAt(auth.MemberRead, m.NodePath) {
			return nil, apperr.Field("member_id", "请先查找并选择会员", "find and choose the member first")
		}
		in.MemberID = m.ID
	case strings.TrimSpace(r.PostFormValue("mobile")) != "":
		m, err := s.enrolCaller(r, in.Channel)
		if err != nil {
			return nil, err
		}
		in.MemberID = m.ID
	default:
		return nil, apperr.Field("member_id", "请选择会员，或填写非会员的手机号", "choose the member, or enter the mobile of a caller who is no member")
	}
	return s.Requests.Submit(ctx, in)
}

// enrolCaller makes the caller a default member at the node chosen (or
// finds the member who has their mobile, within the caller's scope).
func (s *handler) enrolCaller(r *http.Request, ch request.Channel) (*member.Member, error) {
	p := web.Principal(r)
	code := r.PostFormValue("org")
	n, err := s.Org.ByCode(r.Context(), code)
	if err != nil || (n.Kind != org.City && n.Kind != org.Project) || !p.CanAt(auth.RequestHandle, n.Path) {
		return nil, apperr.Field("org", "请选择非会员登记到的城市公司或项目", "choose the city company or project the caller joins")
	}
	m, _, err := s.Members.Enrol(r.Context(), member.Application{NodeCode: n.Code, Channel: memberChannel[ch],
		Mobile: r.PostFormValue("mobile"), Name: strings.TrimSpace(r.PostFormValue("name")), RecruiterID: &p.Staff.ID,
		MergeWithin: p.Paths(auth.RequestHandle)})
	return m, err
}
