// Package web is the core of the HTTP side: the server and its services,
// middleware (sessions, CSRF, locale, security headers, metrics), the
// permission check, rendering and error mapping, and the route table type.
// The surfaces mount their own route tables on it: the staff console
// (web/console), the JSON API (web/api), the member portal (web/portal) and
// the merchant counter (web/counter); web/site puts them together.
package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"estateclub/internal/auth"
	"estateclub/internal/calendar"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/event"
	"estateclub/internal/filestore"
	"estateclub/internal/i18n"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/notify"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/privacy"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
	"estateclub/internal/schedule"
	"estateclub/internal/sms"
	"estateclub/internal/survey"
)

// Config is the part of the service configuration the web layer needs.
type Config struct {
	// TrustProxy makes the server believe X-Forwarded-For and
	// X-Forwarded-Proto from a load balancer in front of it.
	TrustProxy bool
	// ProxyHops is how many trusted proxies append to X-Forwarded-For in
	// front of the server (0 means 1). The client's address is the entry
	// the outermost trusted proxy appended: that many from the right.
	// Entries further left are written by the client and never believed.
	ProxyHops int
	// Location is the club's time zone, in which pages show times and
	// read dates; nil: Asia/Shanghai.
	Location *time.Location
	// Version is shown in the footer and /healthz.
	Version string
	// Keys encrypt and index members' personal data.
	Keys *pii.Keys
	// SMS delivers text messages (sign-in codes); nil: the built-in
	// outbox, which stores them for staff to read in the console.
	SMS sms.Provider
	// PublicURL is the address members reach the service at, before the
	// links text messages carry ("" leaves them relative).
	PublicURL string
}

// Server is the HTTP side of estateclub.
type Server struct {
	Config  Config
	DB      *db.DB
	Org     *org.Service
	Auth    *auth.Service
	Members *member.Service
	Cards   *card.Service
	QR      *qrCache // drawn card QR codes (portal)
	Jobs    *jobs.Queue
	// Schedule is the periodic jobs (internal/schedule) with their runs.
	Schedule *jobs.Scheduler
	Points   *points.Service
	Redeem   *redeem.Service
	SMS      *sms.Service
	// MemberAuth signs members in to the portal (/m/).
	MemberAuth *memberauth.Service
	Requests   *request.Service
	Events     *event.Service
	Notices    *notify.Service
	Privacy    *privacy.Service
	Leads      *lead.Service
	Surveys    *survey.Service // the questionnaire engine (问卷)
	Log        *slog.Logger
	Cat        *i18n.Catalog
	pages      map[string]map[string]*template.Template // language → name → page
	Loc        *time.Location                           // the club's time zone
	routes     []Route
	Mux        *http.ServeMux
	metrics    *metrics
	started    time.Time

	// Calendar is the working-day calendar (工作日历) due times count on.
	Calendar *calendar.Service
}

// New wires the server. It fails if a template or message catalogue is broken.
func New(cfg Config, d *db.DB, log *slog.Logger) (*Server, error) {
	if cfg.Keys == nil {
		return nil, errors.New("web: no keys for personal data")
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Config:  cfg,
		DB:      d,
		Org:     &org.Service{DB: d},
		Auth:    auth.NewService(d),
		Members: &member.Service{DB: d, Keys: cfg.Keys},
		Cards:   &card.Service{DB: d, Secret: cfg.Keys.CardQRSecret()},
		QR:      NewQRCache(qrCacheSize),
		Jobs:    &jobs.Queue{DB: d, Files: &filestore.Store{DB: d, Keys: cfg.Keys}},
		Log:     log,
		Cat:     cat,
		Mux:     http.NewServeMux(),
		metrics: newMetrics(prometheus.NewRegistry()),
		started: time.Now(),
	}
	s.Points = &points.Service{DB: d, Members: s.Members}
	s.Redeem = &redeem.Service{DB: d, Points: s.Points}
	provider := cfg.SMS
	if provider == nil {
		provider = sms.Outbox{}
	}
	s.SMS = &sms.Service{DB: d, Keys: cfg.Keys, Provider: provider}
	s.MemberAuth = &memberauth.Service{DB: d, Keys: cfg.Keys, SMS: s.SMS, Members: s.Members}
	s.Calendar = &calendar.Service{DB: d}
	s.Requests = &request.Service{DB: d, Keys: cfg.Keys, Text: s.textMember, Calendar: s.workCalendar}
	s.Notices = &notify.Service{DB: d}
	s.Leads = &lead.Service{DB: d, Keys: cfg.Keys, Members: s.Members, Points: s.Points}
	s.Surveys = &survey.Service{DB: d, Keys: cfg.Keys, SMS: s.SMS, Members: s.Members, LinkBase: cfg.PublicURL}
	s.Surveys.RateRequests(s.Requests, true)
	s.Events = &event.Service{DB: d, Keys: cfg.Keys, Members: s.Members, Cards: s.Cards, Points: s.Points, Surveys: s.Surveys,
		SMS: s.SMS, Jobs: s.Jobs}
	s.Privacy = privacy.Wire(d, cfg.Keys, s.Jobs.Files, s.Requests, survey.Area{S: s.Surveys}, event.Area{S: s.Events})
	s.Loc = cfg.Location
	if s.Loc == nil {
		s.Loc = ChinaTime
	}
	s.Schedule = &jobs.Scheduler{Queue: s.Jobs, Jobs: schedule.List(schedule.Deps{Auth: s.Auth, MemberAuth: s.MemberAuth,
		Leads: s.Leads, Points: s.Points, Jobs: s.Jobs, Requests: s.Requests, Events: s.Events, Zone: s.Loc})}
	if s.pages, err = s.ParseTemplatesAll(); err != nil {
		return nil, err
	}
	s.Mount(s.systemRoutes())
	// Unknown API paths answer JSON, not the console's HTML.
	s.Mux.Handle("/api/", s.guard(API, auth.Public, 0, nil, func(w http.ResponseWriter, r *http.Request) {
		s.APIError(w, r, NotFoundErr)
	}))
	return s, nil
}

// Handler is the server's root handler with every middleware applied.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	var h http.Handler = s.Mux
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

// Routes lists every registered route with its permission (for tests and docs).
func (s *Server) Routes() []Route { return s.routes }

// Shutdown is a hook for background work; the server keeps none in memory.
func (s *Server) Shutdown(context.Context) error { return nil }
