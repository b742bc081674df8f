package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/request"
)

// The monthly request report (每月汇总分析报表) is read by whoever may see
// requests (auth.RequestRead): customer relations, supervisors, the
// auditor — and property staff, for their projects' property complaints
// (the request scope keeps them there). report.read alone is not enough:
// group specialists and sales managers hold it without seeing requests.

// RequestReport is the report as the API answers it: with the node chosen.
type RequestReport struct {
	Node string `json:"node,omitempty"` // the org node's code, "" the caller's whole scope
	*request.Report
}

// RequestReportFilter reads ?month=2026-11&node=SH (default: last month,
// the caller's whole scope). A node must be within the caller's reach.
func (s *Server) RequestReportFilter(r *http.Request) (request.ReportFilter, string, error) {
	q := r.URL.Query()
	f := request.ReportFilter{Month: strings.TrimSpace(q.Get("month")), Scope: RequestScope(r, auth.RequestRead)}
	if f.Month == "" {
		now := s.DB.Clock().In(ChinaTime)
		f.Month = request.MonthOf(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, ChinaTime).AddDate(0, -1, 0))
	}
	if _, err := request.ParseMonth(f.Month); err != nil {
		return f, "", err
	}
	code := org.NormalizeCode(q.Get("node"))
	if code == "" {
		return f, "", nil
	}
	n, err := s.Org.ByCode(r.Context(), code)
	if err != nil || !inScope(f.Scope, n.Path) {
		return f, "", apperr.Field("node", "组织节点 "+code+" 不存在或不在您的范围内", "no org node "+code+" within your reach")
	}
	f.Node = n.Path
	return f, code, nil
}

// inScope reports whether path lies within the request scope.
func inScope(sc *request.Scope, path string) bool {
	for _, p := range append(append([]string{}, sc.All...), sc.Property...) {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// RequestReportNodes are the org nodes the caller may pick for the report,
// in tree order.
func (s *Server) RequestReportNodes(ctx context.Context, p *auth.Principal) ([]org.Node, error) {
	sc := RequestScopeOf(p, auth.RequestRead)
	within := append(append([]string{}, sc.All...), sc.Property...)
	nodes, _, err := s.Org.List(ctx, org.Filter{Within: within})
	return nodes, err
}

// BuildRequestReport reads the filter and builds the report.
func (s *Server) BuildRequestReport(r *http.Request) (*RequestReport, request.ReportFilter, error) {
	f, code, err := s.RequestReportFilter(r)
	if err != nil {
		return nil, f, err
	}
	rep, err := s.Requests.Report(r.Context(), f)
	if err != nil {
		return nil, f, err
	}
	return &RequestReport{Node: code, Report: rep}, f, nil
}
