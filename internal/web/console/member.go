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
	"estateclub/internal/web"
)

type memberListData struct {
	Members []member.Member
	Total   int
	Cap     int // totals above it are "more than Cap"
	Page    web.Paging
	Pager   web.Pager
	Query   url.Values
	Tiers   []member.Tier
	Nodes   []org.Node
}

func (s *handler) memberList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := memberListData{Page: pg, Query: r.URL.Query(), Cap: member.CountCap}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "nav.members"), Nav: "members"}
	if d.Tiers, err = s.Members.Tiers(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Nodes, _, err = s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.MemberRead)}); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := s.MemberFilter(r)
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		d.Members, d.Total, err = s.Members.List(r.Context(), f)
		d.Pager = web.NewPager(r, pg, d.Total, len(d.Members), d.Total > member.CountCap)
	}
	p.Data = d
	if err != nil {
		s.FormError(w, r, "members", p, err)
		return
	}
	s.Render(w, r, http.StatusOK, "members", p)
}

type memberFormData struct {
	Nodes []org.Node // where the caller may enrol members
}

func (s *handler) memberFormPage(w http.ResponseWriter, r *http.Request, err error) {
	nodes, _, nerr := s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.MemberWrite)})
	if nerr != nil {
		s.Fail(w, r, nerr)
		return
	}
	var joinable []org.Node
	for _, n := range nodes {
		if n.Kind == org.City || n.Kind == org.Project {
			joinable = append(joinable, n)
		}
	}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "member.new"), Nav: "members", Data: memberFormData{Nodes: joinable}}
	if err != nil {
		s.FormError(w, r, "member_new", p, err)
		return
	}
	s.Render(w, r, http.StatusOK, "member_new", p)
}

func (s *handler) memberNew(w http.ResponseWriter, r *http.Request) { s.memberFormPage(w, r, nil) }

// applicationFromForm reads the application form.
func applicationFromForm(r *http.Request) member.Application {
	f := r.PostFormValue
	return member.Application{NodeCode: f("org"), Channel: member.Channel(f("channel")), Name: f("name"), Gender: f("gender"),
		Mobile: f("mobile"), IDNumber: f("id_number"), Birthday: f("birthday"), Address: f("address"), Email: f("email"),
		WeChat: f("wechat"), Occupation: f("occupation"), Tags: []string{f("tags")},
		Consent: member.Consent{SMS: f("consent_sms") == "on", Email: f("consent_email") == "on", Post: f("consent_post") == "on", How: "入会申请表"}}
}

func (s *handler) memberCreate(w http.ResponseWriter, r *http.Request) {
	a := applicationFromForm(r)
	application := r.PostFormValue("kind") != "default"
	m, out, err := s.SubmitMember(r, a, application)
	if err != nil {
		s.memberFormPage(w, r, err)
		return
	}
	flash := "flash.member_created"
	if out == member.Merged {
		flash = "flash.member_merged"
	}
	web.Redirect(w, r, "/members/"+strconv.FormatInt(m.ID, 10), flash)
}

type memberShowData struct {
	M        *member.Member
	PII      *member.PII // set after a deliberate reveal
	History  []member.Change
	Actors   []ref // who made each line of History, in words
	Tiers    []member.Tier
	TierLog  []member.TierChange
	Channels []member.Channel
	Nodes    []org.Node
	Cards    memberCards
}

func (s *handler) memberPage(w http.ResponseWriter, r *http.Request, m *member.Member, p *member.PII, status int, flash string, ferr error) {
	d := memberShowData{M: m, PII: p, Channels: member.Channels}
	var err error
	if d.History, err = s.Members.History(r.Context(), m.ID); err == nil {
		d.Actors, err = s.historyActors(r, m.ID, d.History)
	}
	if err == nil {
		if d.Tiers, err = s.Members.Tiers(r.Context()); err == nil {
			d.TierLog, err = s.Members.TierChanges(r.Context(), m.ID, nil)
		}
	}
	if err == nil {
		var nodes []org.Node
		nodes, _, err = s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.MemberWrite), Kind: org.Project})
		d.Nodes = nodes
	}
	if err == nil {
		d.Cards, err = s.memberCards(r, m)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: m.Name, Nav: "members", Data: d}
	if flash != "" {
		pg.Flash = s.Cat.T(web.Lang(r), flash)
	}
	if ferr != nil {
		s.FormError(w, r, "member_show", pg, ferr)
		return
	}
	s.Render(w, r, status, "member_show", pg)
}

func (s *handler) memberShow(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.memberPage(w, r, m, nil, http.StatusOK, "", nil)
}

// memberReveal shows the member's personal data in clear, once, audited.
func (s *handler) memberReveal(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberReveal)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.Members.Reveal(r.Context(), m.ID, r.PostFormValue("reason"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.memberPage(w, r, m, p, http.StatusOK, "flash.revealed", nil)
}

func optional(r *http.Request, name string) *string {
	if !r.PostForm.Has(name) {
		return nil
	}
	v := r.PostFormValue(name)
	return &v
}

func (s *handler) memberUpdate(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u := member.Update{Name: optional(r, "name"), Gender: optional(r, "gender"), Birthday: optional(r, "birthday"),
		Email: optional(r, "email"), WeChat: optional(r, "wechat"), Occupation: optional(r, "occupation")}
	// Personal data fields are left empty in the form: empty means unchanged.
	for name, dst := range map[string]**string{"mobile": &u.Mobile, "id_number": &u.IDNumber, "address": &u.Address} {
		if v := strings.TrimSpace(r.PostFormValue(name)); v != "" {
			*dst = &v
		}
	}
	if r.PostForm.Has("tags") {
		tags := []string{r.PostFormValue("tags")}
		u.Tags = &tags
	}
	if r.PostForm.Has("consent_form") {
		c := member.Consent{SMS: r.PostFormValue("consent_sms") == "on", Email: r.PostFormValue("consent_email") == "on",
			Post: r.PostFormValue("consent_post") == "on", How: "客服登记"}
		u.Consent = &c
	}
	if _, err := s.Members.Update(r.Context(), m.ID, u); err != nil {
		s.memberPage(w, r, m, nil, http.StatusBadRequest, "", err)
		return
	}
	web.Redirect(w, r, "/members/"+r.PathValue("member"), "flash.saved")
}

func (s *handler) memberReviewOne(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberReview)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	approve := r.PostFormValue("decision") == "approve"
	if _, err := s.Members.Review(r.Context(), m.ID, approve, r.PostFormValue("reason")); err != nil {
		if back := r.PostFormValue("back"); back == "queue" {
			s.reviewQueuePage(w, r, err)
			return
		}
		s.memberPage(w, r, m, nil, http.StatusBadRequest, "", err)
		return
	}
	if r.PostFormValue("back") == "queue" {
		web.Redirect(w, r, "/members/review", "flash.reviewed")
		return
	}
	web.Redirect(w, r, "/members/"+r.PathValue("member"), "flash.reviewed")
}

func (s *handler) memberTierRequest(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, err := s.Members.RequestTierChange(r.Context(), m.ID, r.PostFormValue("tier"), r.PostFormValue("reason")); err != nil {
		s.memberPage(w, r, m, nil, apperr.HTTPStatus(apperr.As(err).Code), "", err)
		return
	}
	web.Redirect(w, r, "/members/"+r.PathValue("member"), "flash.tier_requested")
}

func (s *handler) memberPropertyAdd(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := r.PostFormValue
	in := member.PropertyInput{ProjectCode: f("project"), Building: f("building"), Unit: f("unit"),
		ContractDate: f("contract_date"), PaymentDate: f("payment_date"), HandoverDate: f("handover_date")}
	_, err = s.NodeForWrite(r, "project", in.ProjectCode, auth.MemberWrite)
	if err == nil {
		_, err = s.Members.AddProperty(r.Context(), m.ID, in)
	}
	if err != nil {
		s.memberPage(w, r, m, nil, http.StatusBadRequest, "", err)
		return
	}
	web.Redirect(w, r, "/members/"+r.PathValue("member"), "flash.saved")
}

type tiersData struct {
	Months  int // the evaluation period
	Tiers   []member.Tier
	Pending []member.TierChange
	CanEdit bool
	Ops     *operators // the people its rows name
}

func (s *handler) tiersPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	d := tiersData{CanEdit: web.Principal(r).CanAt(auth.TierApprove, web.RootPath)}
	var err error
	if d.Months, err = s.Members.EvaluationMonths(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Tiers, err = s.Members.Tiers(r.Context()); err == nil && web.Principal(r).Can(auth.TierApprove) {
		d.Pending, err = s.Members.TierChanges(r.Context(), 0, web.Principal(r).Paths(auth.TierApprove))
	}
	if err == nil {
		logins := make([]string, 0, len(d.Pending))
		for _, c := range d.Pending {
			logins = append(logins, c.RequestedBy)
		}
		d.Ops, err = s.operatorsFor(r, logins...)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "nav.tiers"), Nav: "tiers", Data: d}
	if ferr != nil {
		s.FormError(w, r, "tiers", p, ferr)
		return
	}
	s.Render(w, r, status, "tiers", p)
}

func (s *handler) tiers(w http.ResponseWriter, r *http.Request) {
	s.tiersPage(w, r, http.StatusOK, nil)
}

func (s *handler) tierUpdate(w http.ResponseWriter, r *http.Request) {
	if err := web.TierScope(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	var u member.TierUpdate
	if v := strings.TrimSpace(r.PostFormValue("threshold")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.tiersPage(w, r, http.StatusBadRequest, apperr.Field("threshold", "门槛须为整数", "threshold must be a whole number"))
			return
		}
		u.Threshold = &n
	}
	u.Benefits = optional(r, "benefits")
	if _, err := s.Members.UpdateTier(r.Context(), r.PathValue("tier"), u); err != nil {
		s.tiersPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/tiers", "flash.saved")
}

func (s *handler) tierDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.ScopedTierChange(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, err := s.Members.DecideTierChange(r.Context(), c.ID, r.PostFormValue("decision") == "approve", r.PostFormValue("note")); err != nil {
		s.tiersPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/tiers", "flash.saved")
}

// tierPeriod changes the tier evaluation period.
func (s *handler) tierPeriod(w http.ResponseWriter, r *http.Request) {
	if err := web.TierScope(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("evaluation_months")))
	if err != nil {
		err = apperr.Field("evaluation_months", "评定周期须为整数月", "the evaluation period is a whole number of months")
	} else {
		err = s.Members.SetEvaluationMonths(r.Context(), n)
	}
	if err != nil {
		s.tiersPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/tiers", "flash.saved")
}
