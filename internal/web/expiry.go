package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/org"
	"estateclub/internal/points"
)

// Year-end expiry (积分结转): the group sets how long reward points stay
// valid, and the group supervisor runs the year-end, first as a dry run
// (试运行) that reports what would expire, as a background job whose
// progress the page shows. The job is idempotent and resumable, so
// running it again never expires a point twice.

// ExpiryRun is one year-end job with its report.
type ExpiryRun struct {
	jobs.Job
	Year   int                  `json:"year"`
	DryRun bool                 `json:"dry_run"`
	Report *points.ExpiryReport `json:"report,omitempty"`
}

func ViewExpiryRun(j jobs.Job) ExpiryRun {
	v := ExpiryRun{Job: j}
	var p struct {
		Year   int  `json:"year"`
		DryRun bool `json:"dry_run"`
	}
	_ = json.Unmarshal([]byte(j.Params), &p)
	v.Year, v.DryRun = p.Year, p.DryRun
	if j.Status == jobs.Done && j.Result != "" {
		var r points.ExpiryReport
		if json.Unmarshal([]byte(j.Result), &r) == nil {
			v.Report = &r
		}
	}
	return v
}

// Running reports whether the job has not ended.
func (v ExpiryRun) Running() bool { return v.Status == jobs.Queued || v.Status == jobs.Running }

type expiryData struct {
	Pager     Pager // of the runs
	Years     int
	Runs      []ExpiryRun
	LastYear  int
	CanRun    bool
	Upcoming  points.ExpiryPeriod
	YearsList []int
}

func (s *Server) groupRoot(r *http.Request) (*org.Node, error) {
	return s.Org.ByID(r.Context(), org.RootID)
}

func (s *Server) ExpiryData(r *http.Request) (expiryData, error) {
	var d expiryData
	var err error
	if d.Years, err = s.Points.ExpiryYears(r.Context()); err != nil {
		return d, err
	}
	pg, err := ReadPaging(r)
	if err != nil {
		return d, err
	}
	if !r.URL.Query().Has("per_page") {
		pg.PerPage = 20
	}
	list, total, err := s.Jobs.Page(r.Context(), points.ExpiryJobKind, Principal(r).Paths(auth.PointsRead), pg.Offset(), pg.PerPage)
	if err != nil {
		return d, err
	}
	d.Pager = NewPager(r, pg, total, len(list), false)
	d.Runs = []ExpiryRun{}
	for _, j := range list {
		d.Runs = append(d.Runs, ViewExpiryRun(j))
	}
	root, err := s.groupRoot(r)
	if err != nil {
		return d, err
	}
	d.CanRun = Principal(r).CanAt(auth.PlanApprove, root.Path)
	d.LastYear = time.Now().In(s.Loc).Year() - 1
	d.Upcoming = points.ExpiryPeriodOf(d.LastYear+1, d.Years)
	for y := 0; y <= points.MaxExpiryYears; y++ {
		d.YearsList = append(d.YearsList, y)
	}
	return d, nil
}

// AuthorizeGroup checks perm at the group's root: the expiry policy and
// the year-end belong to the group as a whole.
func (s *Server) AuthorizeGroup(r *http.Request, perm auth.Permission) (*org.Node, error) {
	root, err := s.groupRoot(r)
	if err != nil {
		return nil, err
	}
	return root, AuthorizeAt(r, perm, root.Path)
}

func ParseYears(field, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > points.MaxExpiryYears {
		return 0, apperr.Field(field, "有效期须为 0–"+strconv.Itoa(points.MaxExpiryYears)+" 年（0 为永不过期）",
			"validity must be 0–"+strconv.Itoa(points.MaxExpiryYears)+" years (0: never expire)")
	}
	return n, nil
}

// EnqueueExpiry checks a year-end request and queues its job: a real run
// only for a year that has ended, and not while another run is under way.
func (s *Server) EnqueueExpiry(r *http.Request, year int, dryRun bool) (int64, error) {
	root, err := s.AuthorizeGroup(r, auth.PlanApprove)
	if err != nil {
		return 0, err
	}
	now := time.Now().In(s.Loc)
	if year == 0 {
		year = now.Year() - 1
	}
	if year < 2000 || year > now.Year() {
		return 0, apperr.Field("year", "年份须在 2000 年至今年之间", "the year must lie between 2000 and this year")
	}
	if !dryRun && year >= now.Year() {
		return 0, &apperr.Error{Code: apperr.Conflict, Field: "year",
			ZH: strconv.Itoa(year) + " 年尚未结束，只能试运行", EN: strconv.Itoa(year) + " has not ended yet: only a dry run is possible"}
	}
	list, err := s.Jobs.List(r.Context(), points.ExpiryJobKind, []string{root.Path}, 20)
	if err != nil {
		return 0, err
	}
	for _, j := range list {
		if v := ViewExpiryRun(j); v.Running() && !v.DryRun && !dryRun {
			return 0, &apperr.Error{Code: apperr.Conflict, ZH: "结转任务正在运行，请等待其完成", EN: "a year-end run is under way: wait for it to finish"}
		}
	}
	params, _ := json.Marshal(map[string]any{"year": year, "dry_run": dryRun})
	name := strconv.Itoa(year) + " 年积分结转"
	if dryRun {
		name += "（试运行）"
	}
	return s.Jobs.Enqueue(r.Context(), jobs.New{Kind: points.ExpiryJobKind, Params: string(params), NodePath: root.Path,
		CreatedBy: Principal(r).Staff.ID, FileName: name})
}
