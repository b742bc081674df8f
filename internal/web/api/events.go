package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/web"
)

// Events (活动管理) in the API: the list and the event, the proposal and
// its review, publication to a target, and the steps of an event's life.
// Every event is loaded within the caller's scope for the route's
// permission (event.Within): beyond it, the event does not exist.

// eventScope is where the caller holds perm.
func eventScope(r *http.Request, perm auth.Permission) *event.Scope {
	return event.Within(web.Principal(r).Paths(perm))
}

// routeScope is where the caller holds the route's permission.
func routeScope(r *http.Request) *event.Scope { return eventScope(r, web.RoutePerm(r)) }

// pathID reads the path value name as an id; a bad one is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.NotFoundErr
	}
	return id, nil
}

// scopedEvent loads the event {event} within the caller's scope for perm.
func (s *handler) scopedEvent(r *http.Request, perm auth.Permission) (*event.Event, error) {
	id, err := pathID(r, "event")
	if err != nil {
		return nil, err
	}
	return s.Events.Get(r.Context(), id, eventScope(r, perm))
}

// eventFilter reads the list's filters: status (comma-separated), kind,
// org (a node code), unplanned, from and to (days of the start) and q.
func (s *handler) eventFilter(r *http.Request) (event.Filter, error) {
	q := r.URL.Query()
	f := event.Filter{Within: eventScope(r, auth.EventRead), Kind: event.Kind(q.Get("kind")), Q: q.Get("q")}
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !slices.Contains(event.Statuses, event.Status(st)) {
				return f, apperr.Field("status", "活动状态 "+st+" 不存在", "unknown event status "+st)
			}
			f.Status = append(f.Status, event.Status(st))
		}
	}
	if f.Kind != "" && !slices.Contains(event.Kinds, f.Kind) {
		return f, apperr.Field("kind", "活动类型须为休闲、商务或行业", "the type is leisure, business or industry")
	}
	if v := q.Get("unplanned"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, apperr.Field("unplanned", "unplanned 须为 true 或 false", "unplanned is true or false")
		}
		f.Unplanned = &b
	}
	if code := q.Get("org"); code != "" {
		n, err := s.Org.ByCode(r.Context(), code)
		if err != nil || !web.Principal(r).Sees(n.Path) {
			return f, apperr.Field("org", "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
		}
		f.NodeID = n.ID
	}
	var err error
	f.From, f.To, err = web.DayRange(q, "from", "to")
	return f, err
}

func (s *handler) eventList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := s.eventFilter(r.Request)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Events.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

func (s *handler) eventGet(_ *request[none], e *event.Event) (any, error) { return e, nil }

// proposalBody is a proposal (方案) as the API writes it: the org node by
// its code, the rest as the core takes it.
type proposalBody struct {
	Org string `json:"org"`
	event.Proposal
}

// proposal resolves the body's node where the caller may write events.
func (s *handler) proposal(r *http.Request, b proposalBody) (event.Proposal, error) {
	n, err := s.NodeForWrite(r, "org", b.Org, auth.EventWrite)
	if err != nil {
		return event.Proposal{}, err
	}
	p := b.Proposal
	p.NodeID = n.ID
	return p, nil
}

func (s *handler) eventPropose(r *request[proposalBody]) (any, error) {
	p, err := s.proposal(r.Request, r.Body)
	if err != nil {
		return nil, err
	}
	e, err := s.Events.Propose(r.Context(), p, r.P.Staff.ID, eventScope(r.Request, auth.EventWrite))
	if err != nil {
		return nil, err
	}
	return created(e), nil
}

func (s *handler) eventRevise(r *request[proposalBody], e *event.Event) (any, error) {
	p, err := s.proposal(r.Request, r.Body)
	if err != nil {
		return nil, err
	}
	return s.Events.Revise(r.Context(), e.ID, p, routeScope(r.Request))
}

func (s *handler) eventSubmit(r *request[none], e *event.Event) (any, error) {
	return s.Events.Submit(r.Context(), e.ID, routeScope(r.Request))
}

// eventReviewBody is a reviewer's decision (方案评审): approve, or return with
// comments.
type eventReviewBody struct {
	Decision string `json:"decision"` // approve | return
	Comments string `json:"comments"`
}

func (b *eventReviewBody) Validate() error {
	if b.Decision != "approve" && b.Decision != "return" {
		return apperr.Field("decision", "请选择评审结论：approve（通过）或 return（退回）", "decision is approve or return")
	}
	return nil
}

// eventReview decides a proposal as the caller; an unplanned event is
// approved only where the caller may approve unplanned events.
func (s *handler) eventReview(r *request[eventReviewBody], e *event.Event) (any, error) {
	in := event.ReviewInput{ReviewerID: r.P.Staff.ID, Approve: r.Body.Decision == "approve", Comments: r.Body.Comments,
		Unplanned: r.P.Paths(auth.EventApprove)}
	return s.Events.Review(r.Context(), e.ID, in, routeScope(r.Request))
}

// targetBody chooses the members an event goes to (定向发布): org nodes by
// their codes, the rest as the core takes it.
type targetBody struct {
	Tiers        []string `json:"tiers"`
	Orgs         []string `json:"orgs"`
	Tags         []string `json:"tags"`
	OwnsProperty *bool    `json:"owns_property"`
}

func (s *handler) target(r *http.Request, b targetBody) (event.Target, error) {
	t := event.Target{Tiers: b.Tiers, Tags: b.Tags, OwnsProperty: b.OwnsProperty}
	for _, code := range b.Orgs {
		n, err := s.Org.ByCode(r.Context(), code)
		if err != nil || !web.Principal(r).Sees(n.Path) {
			return t, apperr.Field("orgs", "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
		}
		t.NodeIDs = append(t.NodeIDs, n.ID)
	}
	return t, nil
}

// previewView is how many members a publication reaches.
type previewView struct {
	Members int `json:"members"`
	Texted  int `json:"texted"` // of them, those who consented to SMS
}

func (s *handler) eventPreview(r *request[optional[targetBody]], e *event.Event) (any, error) {
	t, err := s.target(r.Request, r.Body.V)
	if err != nil {
		return nil, err
	}
	n, texted, err := s.Events.Preview(r.Context(), e.ID, t, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return previewView{Members: n, Texted: texted}, nil
}

func (s *handler) eventPublish(r *request[optional[targetBody]], e *event.Event) (any, error) {
	t, err := s.target(r.Request, r.Body.V)
	if err != nil {
		return nil, err
	}
	return s.Events.Publish(r.Context(), e.ID, t, routeScope(r.Request))
}

func (s *handler) eventCancel(r *request[reasonBody], e *event.Event) (any, error) {
	return s.Events.Cancel(r.Context(), e.ID, r.Body.Reason, routeScope(r.Request))
}

func (s *handler) eventCloseRegistration(r *request[none], e *event.Event) (any, error) {
	return s.Events.CloseRegistration(r.Context(), e.ID, routeScope(r.Request))
}

func (s *handler) eventHeld(r *request[none], e *event.Event) (any, error) {
	return s.Events.MarkHeld(r.Context(), e.ID, routeScope(r.Request))
}

// closeBody holds the lessons of an event (经验总结).
type closeBody struct {
	Lessons string `json:"lessons"`
}

func (s *handler) eventClose(r *request[closeBody], e *event.Event) (any, error) {
	return s.Events.Close(r.Context(), e.ID, r.Body.Lessons, routeScope(r.Request))
}

// year reads ?year= (this year in China time when absent).
func (s *handler) year(r *http.Request) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return s.DB.Clock().In(web.ChinaTime).Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, apperr.Field("year", "年份须为 2000–2100 的整数", "the year is a whole number from 2000 to 2100")
	}
	return y, nil
}

// eventMonthly is the twelve months of a year for the charts: events held,
// attendance and satisfaction.
func (s *handler) eventMonthly(r *request[none]) (any, error) {
	y, err := s.year(r.Request)
	if err != nil {
		return nil, err
	}
	months, err := s.Events.Monthly(r.Context(), y, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return whole(months), nil
}
