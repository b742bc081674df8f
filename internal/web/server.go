// Package web serves the staff console (HTML), the JSON API under /api/v1,
// and the health, readiness and metrics endpoints. Handlers parse and
// authorise; the area services hold the rules.
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
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/i18n"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
	"estateclub/internal/sms"
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
}

// Server is the HTTP side of estateclub.
type Server struct {
	cfg     Config
	db      *db.DB
	org     *org.Service
	auth    *auth.Service
	members *member.Service
	cards   *card.Service
	qr      *qrCache // drawn card QR codes (portal)
	jobs    *jobs.Queue
	points  *points.Service
	redeem  *redeem.Service
	sms     *sms.Service
	// memberAuth signs members in to the portal (/m/).
	memberAuth *memberauth.Service
	requests   *request.Service
	leads      *lead.Service
	log        *slog.Logger
	cat        *i18n.Catalog
	pages      map[string]map[string]*template.Template // language → name → page
	loc        *time.Location                           // the club's time zone
	routes     []Route
	mux        *http.ServeMux
	metrics    *metrics
	started    time.Time
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
		cfg:     cfg,
		db:      d,
		org:     &org.Service{DB: d},
		auth:    auth.NewService(d),
		members: &member.Service{DB: d, Keys: cfg.Keys},
		cards:   &card.Service{DB: d, Secret: cfg.Keys.CardQRSecret()},
		qr:      newQRCache(qrCacheSize),
		jobs:    &jobs.Queue{DB: d, Files: &filestore.Store{DB: d, Keys: cfg.Keys}},
		log:     log,
		cat:     cat,
		mux:     http.NewServeMux(),
		metrics: newMetrics(prometheus.NewRegistry()),
		started: time.Now(),
	}
	s.points = &points.Service{DB: d, Members: s.members}
	s.redeem = &redeem.Service{DB: d, Points: s.points}
	provider := cfg.SMS
	if provider == nil {
		provider = sms.Outbox{}
	}
	s.sms = &sms.Service{DB: d, Keys: cfg.Keys, Provider: provider}
	s.memberAuth = &memberauth.Service{DB: d, Keys: cfg.Keys, SMS: s.sms, Members: s.members}
	s.requests = &request.Service{DB: d}
	s.leads = &lead.Service{DB: d, Keys: cfg.Keys, Members: s.members, Points: s.points}
	s.loc = cfg.Location
	if s.loc == nil {
		s.loc = chinaTime
	}
	if s.pages, err = s.parseTemplatesAll(); err != nil {
		return nil, err
	}
	s.registerRoutes()
	return s, nil
}

// MemberAuth exposes the portal's sign-in service (for housekeeping).
func (s *Server) MemberAuth() *memberauth.Service { return s.memberAuth }

// Auth exposes the auth service (for tests and the command line).
func (s *Server) Auth() *auth.Service { return s.auth }

// Handler is the server's root handler with every middleware applied.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	var h http.Handler = s.mux
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

// Routes lists every registered route with its permission (for tests and docs).
func (s *Server) Routes() []Route { return s.routes }

// Leads is the lead service (the command line runs its periodic work).
func (s *Server) Leads() *lead.Service { return s.leads }

// Points is the points ledger's service (housekeeping advances its report rollup).
func (s *Server) Points() *points.Service { return s.points }

// Jobs is the queue of background jobs (the command line runs them).
func (s *Server) Jobs() *jobs.Queue { return s.jobs }

// Shutdown is a hook for background work; the server keeps none in memory.
func (s *Server) Shutdown(context.Context) error { return nil }
