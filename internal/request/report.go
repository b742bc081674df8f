package request

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// The monthly summary and analysis report (每月汇总分析报表): for one month
// in China time, per kind, department, project and channel, how many
// requests came in, were resolved and stayed open, how fast the first
// response and the resolution came (working hours on the service's
// calendar), how many were resolved within their due time, satisfaction,
// the reopen rate, the recurring topics, and a 12-month trend.
//
// The figures are rebuilt from the requests' history (request_events), so
// a past month reads the same after its requests moved on: a request
// resolved in November and reopened in December counts as resolved in
// November and was not open at November's end.
//
// Definitions:
//   - received: submitted in the month;
//   - resolved: resolved (or its PIPL copy made, or its deletion approved)
//     at least once in the month; merged: closed as a duplicate in the month
//     (neither resolved nor open);
//   - open at month end: submitted before the month's end and not resolved,
//     merged or closed at that moment;
//   - time to first response: for the requests first answered in the month,
//     the working time from submission to that answer;
//   - time to resolution: for the requests resolved in the month, the working
//     time from submission (or the last reopening) to the month's last
//     resolution, less the time spent waiting for the member (the clock was
//     paused); within due time: that time is at most the kind's resolution
//     time (equal to its due time, which moves by the paused time);
//   - satisfaction: the ratings members gave in the month (1–5);
//   - reopen rate: of the requests resolved in the month, the share ever
//     reopened (before or since: the ones that came back).

// ReportFilter picks a report's month and place.
type ReportFilter struct {
	Month string // "2026-11", a month in China time
	Scope *Scope // where the caller may see requests; nil: everywhere
	// Node keeps the requests of members at or below an org node's path, or
	// about projects there ("" the whole scope).
	Node string
}

// Report is the monthly summary of requests.
type Report struct {
	Month        string       `json:"month"`
	From         time.Time    `json:"from"` // the month's first moment
	To           time.Time    `json:"to"`   // the next month's first moment
	Total        Line         `json:"total"`
	ByKind       []Line       `json:"by_kind"`
	ByDepartment []Line       `json:"by_department"`
	ByProject    []Line       `json:"by_project"`
	ByChannel    []Line       `json:"by_channel"`
	Topics       []TopicCount `json:"topics"`
	Trend        []MonthCount `json:"trend"`
}

// Line is one row of the report: a kind, department, project or channel
// (Key: its code, the department's id; "" none), or the total.
type Line struct {
	Key       string `json:"key"`
	Name      string `json:"name"`              // in Chinese
	NameEN    string `json:"name_en,omitempty"` // "" when it has none (a project's name)
	Received  int    `json:"received"`
	Resolved  int    `json:"resolved"`
	OpenAtEnd int    `json:"open_at_end"`
	Merged    int    `json:"merged"`
	// Responded is how many were first answered in the month.
	Responded           int      `json:"responded"`
	AvgResponseHours    *float64 `json:"avg_response_hours"` // nil: nothing to measure
	MedianResponseHours *float64 `json:"median_response_hours"`
	AvgResolveHours     *float64 `json:"avg_resolve_hours"`
	MedianResolveHours  *float64 `json:"median_resolve_hours"`
	WithinDue           int      `json:"within_due"`
	WithinDueRate       *float64 `json:"within_due_rate"`
	Rated               int      `json:"rated"`
	AvgRating           *float64 `json:"avg_rating"`
	Reopened            int      `json:"reopened"`
	ReopenRate          *float64 `json:"reopen_rate"`

	respond, resolve []float64
	ratingSum        int
	typed            bool // Name is a name someone typed
}

// Label is the line's name in lang; Typed reports whether it is typed data
// (a project's or department's own name) rather than a word of the system.
func (l Line) Label(lang string) string {
	if lang == "en" && l.NameEN != "" {
		return l.NameEN
	}
	return l.Name
}

// Typed reports whether Label(lang) is a name someone typed, shown as is.
func (l Line) Typed(lang string) bool {
	return l.Key != "" && (lang != "en" || l.NameEN == "") && l.typed
}

// TopicCount is a recurring topic (the topic staff set, else the kind and
// subkind) with the requests received in the month and the month before.
type TopicCount struct {
	Topic    string  `json:"topic,omitempty"` // "" when counted by subkind
	Kind     Kind    `json:"kind,omitempty"`
	Subkind  Subkind `json:"subkind,omitempty"`
	Name     string  `json:"name,omitempty"`    // the kind and subkind's names when counted by subkind
	NameEN   string  `json:"name_en,omitempty"` // in English
	Count    int     `json:"count"`
	Previous int     `json:"previous"`
	Change   int     `json:"change"` // Count − Previous
}

// Label is the topic, or the kind and subkind in lang.
func (t TopicCount) Label(lang string) string {
	if t.Topic != "" {
		return t.Topic
	}
	return pick([2]string{t.Name, t.NameEN}, lang)
}

// MonthCount is one month of the trend.
type MonthCount struct {
	Month    string `json:"month"`
	Received int    `json:"received"`
	Resolved int    `json:"resolved"`
}

// TopTopics is how many topics the report lists; TrendMonths how many
// months its trend shows.
const (
	TopTopics   = 10
	TrendMonths = 12
)

var monthPattern = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ParseMonth reads "2026-11" as the first moment of that month in China
// time.
func ParseMonth(s string) (time.Time, error) {
	m := monthPattern.FindStringSubmatch(strings.TrimSpace(s))
	bad := apperr.Field("month", "请按“2026-11”的格式选择月份", "choose the month as 2026-11")
	if m == nil {
		return time.Time{}, bad
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 2000 || y > 2999 || mo < 1 || mo > 12 {
		return time.Time{}, bad
	}
	return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, china), nil
}

// MonthOf is the China-time month of t, as "2026-11".
func MonthOf(t time.Time) string { return t.In(china).Format("2006-01") }

// The history lines the report reads.
var (
	resolutionActions = []string{"resolved", "copy_ready", "deletion_approved"}
	reportActions     = append([]string{"merged", "reopened", "waiting", "member_replied", "rated"}, resolutionActions...)
)

// reportRequest is what the report reads of a request.
type reportRequest struct {
	id                 int64
	kind               Kind
	sub                Subkind
	channel            Channel
	topic              string
	deptID             *int64
	dept, deptEN       string
	projCode, projName string
	created            time.Time
	responded          *time.Time
	reopened           int
	events             []reportEvent
	resolveLimitHours  float64
}

type reportEvent struct {
	at           time.Time
	action, note string
}

// Report builds the monthly report of f.Month within f.Scope (and f.Node).
func (s *Service) Report(ctx context.Context, f ReportFilter) (*Report, error) {
	from, err := ParseMonth(f.Month)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 1, 0)
	trendFrom := from.AddDate(0, 1-TrendMonths, 0)
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	var reqs []*reportRequest
	var limits map[Kind]int
	var cat *Catalogue
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		if reqs, err = reportRequests(ctx, tx, f, trendFrom, to); err != nil {
			return err
		}
		if cat, err = loadCatalogue(ctx, tx); err != nil {
			return err
		}
		all, err := slas(ctx, tx)
		limits = map[Kind]int{}
		for _, x := range all {
			limits[x.Kind] = x.ResolveHours
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("request report: %w", err)
	}
	rep := &Report{Month: MonthOf(from), From: from.UTC(), To: to.UTC(),
		Total: Line{Name: "合计", NameEN: "Total"}}
	groups := [4]map[string]*Line{{}, {}, {}, {}}
	for _, r := range reqs {
		r.resolveLimitHours = float64(limits[r.kind])
		lines := []*Line{&rep.Total}
		for i, l := range r.lines(cat) {
			g, ok := groups[i][l.Key]
			if !ok {
				g = &l
				groups[i][l.Key] = g
			}
			lines = append(lines, g)
		}
		r.count(cal, from, to, lines)
	}
	rep.Total.finish()
	rep.ByKind = ordered(groups[0], func(l *Line) int { return slices.Index(Kinds, Kind(l.Key)) })
	rep.ByDepartment = ordered(groups[1], nil)
	rep.ByProject = ordered(groups[2], nil)
	rep.ByChannel = ordered(groups[3], func(l *Line) int { return slices.Index(Channels, Channel(l.Key)) })
	rep.Topics = topics(cat, reqs, from, to)
	for i := range TrendMonths {
		a := trendFrom.AddDate(0, i, 0)
		b := a.AddDate(0, 1, 0)
		m := MonthCount{Month: MonthOf(a)}
		for _, r := range reqs {
			if in(r.created, a, b) {
				m.Received++
			}
			if r.lastIn(resolutionActions, a, b) >= 0 {
				m.Resolved++
			}
		}
		rep.Trend = append(rep.Trend, m)
	}
	return rep, nil
}

// ReportExported records in the audit log that the report of f left as a
// file.
func (s *Service) ReportExported(ctx context.Context, f ReportFilter) error {
	node := f.Node
	if node == "" {
		node = "/1/"
		if f.Scope != nil && len(f.Scope.All)+len(f.Scope.Property) == 1 {
			node = append(slices.Clone(f.Scope.All), f.Scope.Property...)[0]
		}
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "request.report_export", ObjectType: "request", NodePath: node,
			Summary: "导出诉求月报 " + f.Month, After: map[string]string{"month": f.Month}})
	})
}

// reportRequests reads the requests that may count in the months from
// trendFrom to to, with their history: those submitted before to, and
// since trendFrom, or changed since, or not done yet (open all along).
func reportRequests(ctx context.Context, tx *db.Tx, f ReportFilter, trendFrom, to time.Time) ([]*reportRequest, error) {
	where, args := f.Scope.where()
	where += " AND r.created_at < ? AND (r.created_at >= ? OR r.updated_at >= ? OR r.status NOT IN ('resolved', 'closed'))"
	args = append(args, to.UTC(), trendFrom.UTC(), trendFrom.UTC())
	if f.Node != "" {
		a, aa := db.PathsWhere("r.node_path", []string{f.Node})
		b, ba := db.PathsWhere("r.project_path", []string{f.Node})
		where += " AND (" + a + " OR " + b + ")"
		args = append(append(args, aa...), ba...)
	}
	rows, err := tx.Query(ctx, `SELECT r.id, r.kind, r.subkind, r.channel, r.topic, r.department_id, COALESCE(d.name, ''), COALESCE(d.name_en, ''),
		COALESCE(pn.code, ''), COALESCE(pn.name, ''), r.created_at, r.responded_at, r.reopened
		FROM requests r LEFT JOIN request_departments d ON d.id = r.department_id
		LEFT JOIN org_nodes pn ON r.project_path <> '' AND pn.path = r.project_path
		WHERE `+where+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*reportRequest
	byID := map[int64]*reportRequest{}
	for rows.Next() {
		r := &reportRequest{}
		if err := rows.Scan(&r.id, &r.kind, &r.sub, &r.channel, &r.topic, &r.deptID, &r.dept, &r.deptEN,
			&r.projCode, &r.projName, &r.created, &r.responded, &r.reopened); err != nil {
			return nil, err
		}
		out = append(out, r)
		byID[r.id] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	actions := strings.TrimSuffix(strings.Repeat("?, ", len(reportActions)), ", ")
	for _, a := range reportActions {
		args = append(args, a)
	}
	ev, err := tx.Query(ctx, `SELECT e.request_id, e.at, e.action, e.note FROM request_events e JOIN requests r ON r.id = e.request_id
		WHERE `+where+` AND e.action IN (`+actions+`) ORDER BY e.request_id, e.id`, args...)
	if err != nil {
		return nil, err
	}
	defer ev.Close()
	for ev.Next() {
		var id int64
		var e reportEvent
		if err := ev.Scan(&id, &e.at, &e.action, &e.note); err != nil {
			return nil, err
		}
		if r := byID[id]; r != nil {
			r.events = append(r.events, e)
		}
	}
	return out, ev.Err()
}

// lines are the request's rows in the four groups.
func (r *reportRequest) lines(cat *Catalogue) [4]Line {
	dept := Line{Name: "未分派部门", NameEN: "No department"}
	if r.deptID != nil {
		dept = Line{Key: strconv.FormatInt(*r.deptID, 10), Name: r.dept, NameEN: r.deptEN, typed: true}
	}
	proj := Line{Name: "未关联项目", NameEN: "No project"}
	if r.projCode != "" {
		proj = Line{Key: r.projCode, Name: r.projName, typed: true}
	}
	return [4]Line{
		{Key: string(r.kind), Name: cat.KindLabel(r.kind, ""), NameEN: cat.KindLabel(r.kind, "en")},
		dept, proj,
		{Key: string(r.channel), Name: r.channel.Label(""), NameEN: r.channel.Label("en")},
	}
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// lastIn is the index of the request's last event of one of actions in
// [from, to), -1 when none.
func (r *reportRequest) lastIn(actions []string, from, to time.Time) int {
	last := -1
	for i, e := range r.events {
		if in(e.at, from, to) && slices.Contains(actions, e.action) {
			last = i
		}
	}
	return last
}

// doneAt reports whether the request was resolved, merged or closed at t.
func (r *reportRequest) doneAt(t time.Time) bool {
	done := false
	for _, e := range r.events {
		if !e.at.Before(t) {
			break
		}
		switch {
		case e.action == "reopened":
			done = false
		case e.action == "merged" || slices.Contains(resolutionActions, e.action):
			done = true
		}
	}
	return done
}

// resolveTime is the working time to the resolution at events[end]: from
// submission or the last reopening before it, less the waits for the
// member.
func (r *reportRequest) resolveTime(cal Calendar, end int) time.Duration {
	start := r.created
	var paused *time.Time
	var waited time.Duration
	for _, e := range r.events[:end+1] {
		switch {
		case e.action == "reopened":
			start, waited, paused = e.at, 0, nil
		case e.action == "waiting" && paused == nil:
			at := e.at
			paused = &at
		case paused != nil && (e.action == "member_replied" || e.action == "merged" || slices.Contains(resolutionActions, e.action)):
			waited += cal.WorkingTime(*paused, e.at)
			paused = nil
		}
	}
	return max(cal.WorkingTime(start, r.events[end].at)-waited, 0)
}

// count adds the request to its lines for the month [from, to).
func (r *reportRequest) count(cal Calendar, from, to time.Time, lines []*Line) {
	add := func(fn func(l *Line)) {
		for _, l := range lines {
			fn(l)
		}
	}
	if in(r.created, from, to) {
		add(func(l *Line) { l.Received++ })
	}
	if !r.created.Before(to) {
		return
	}
	if !r.doneAt(to) {
		add(func(l *Line) { l.OpenAtEnd++ })
	}
	if r.lastIn([]string{"merged"}, from, to) >= 0 {
		add(func(l *Line) { l.Merged++ })
	}
	if r.responded != nil && in(*r.responded, from, to) {
		h := cal.WorkingTime(r.created, *r.responded).Hours()
		add(func(l *Line) { l.Responded++; l.respond = append(l.respond, h) })
	}
	if end := r.lastIn(resolutionActions, from, to); end >= 0 {
		h := r.resolveTime(cal, end).Hours()
		within := h <= r.resolveLimitHours
		add(func(l *Line) {
			l.Resolved++
			l.resolve = append(l.resolve, h)
			if within {
				l.WithinDue++
			}
			if r.reopened > 0 {
				l.Reopened++
			}
		})
	}
	if i := r.lastIn([]string{"rated"}, from, to); i >= 0 {
		if v, err := strconv.Atoi(r.events[i].note); err == nil {
			add(func(l *Line) { l.Rated++; l.ratingSum += v })
		}
	}
}

// finish works out the line's averages, medians and rates.
func (l *Line) finish() {
	l.AvgResponseHours, l.MedianResponseHours = avg(l.respond), median(l.respond)
	l.AvgResolveHours, l.MedianResolveHours = avg(l.resolve), median(l.resolve)
	l.WithinDueRate = rate(l.WithinDue, l.Resolved)
	l.ReopenRate = rate(l.Reopened, l.Resolved)
	if l.Rated > 0 {
		l.AvgRating = round(float64(l.ratingSum)/float64(l.Rated), 2)
	}
}

func round(v float64, places int) *float64 {
	p := math.Pow(10, float64(places))
	v = math.Round(v*p) / p
	return &v
}

func avg(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return round(sum/float64(len(xs)), 2)
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return round(s[n/2], 2)
	}
	return round((s[n/2-1]+s[n/2])/2, 2)
}

func rate(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	return round(float64(n)/float64(of), 4)
}

// ordered lists a group's lines that have anything to show: by rank (nil:
// most received first, then name; the line of none last), finished.
func ordered(g map[string]*Line, rank func(*Line) int) []Line {
	out := []Line{}
	for _, l := range g {
		if l.Received+l.Resolved+l.OpenAtEnd+l.Merged+l.Responded+l.Rated == 0 {
			continue
		}
		l.finish()
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b Line) int {
		if rank != nil {
			return rank(&a) - rank(&b)
		}
		if (a.Key == "") != (b.Key == "") { // "none" last
			if a.Key == "" {
				return 1
			}
			return -1
		}
		if a.Received != b.Received {
			return b.Received - a.Received
		}
		return strings.Compare(a.Name+a.Key, b.Name+b.Key)
	})
	return out
}

// topics counts the requests received in the month and the month before
// by topic, the top TopTopics of the month first.
func topics(cat *Catalogue, reqs []*reportRequest, from, to time.Time) []TopicCount {
	prevFrom := from.AddDate(0, -1, 0)
	byKey := map[string]*TopicCount{}
	for _, r := range reqs {
		now, before := in(r.created, from, to), in(r.created, prevFrom, from)
		if !now && !before {
			continue
		}
		key, t := r.topic, TopicCount{Topic: r.topic}
		if r.topic == "" {
			name := func(lang string) string {
				return cat.KindLabel(r.kind, lang) + "/" + cat.SubkindLabel(r.kind, r.sub, lang)
			}
			key, t = string(r.kind)+"/"+string(r.sub), TopicCount{Kind: r.kind, Subkind: r.sub, Name: name(""), NameEN: name("en")}
		}
		c, ok := byKey[key]
		if !ok {
			c = &t
			byKey[key] = c
		}
		if now {
			c.Count++
		} else {
			c.Previous++
		}
	}
	keys := make([]string, 0, len(byKey))
	for k, c := range byKey {
		if c.Count > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if byKey[a].Count != byKey[b].Count {
			return byKey[b].Count - byKey[a].Count
		}
		return strings.Compare(a, b)
	})
	out := []TopicCount{}
	for _, k := range keys[:min(len(keys), TopTopics)] {
		c := byKey[k]
		c.Change = c.Count - c.Previous
		out = append(out, *c)
	}
	return out
}
