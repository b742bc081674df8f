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

// expiryRun is one year-end job with its report.
type expiryRun struct {
	jobs.Job
	Year   int                  `json:"year"`
	DryRun bool                 `json:"dry_run"`
	Report *points.ExpiryReport `json:"report,omitempty"`
}

func viewExpiryRun(j jobs.Job) expiryRun {
	v := expiryRun{Job: j}
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
func (v expiryRun) Running() bool { return v.Status == jobs.Queued || v.Status == jobs.Running }

type expiryData struct {
	Pager     pager // of the runs
	Years     int
	Runs      []expiryRun
	LastYear  int
	CanRun    bool
	Upcoming  points.ExpiryPeriod
	YearsList []int
}

func (s *Server) groupRoot(r *http.Request) (*org.Node, error) {
	return s.org.ByID(r.Context(), org.RootID)
}

func (s *Server) expiryData(r *http.Request) (expiryData, error) {
	var d expiryData
	var err error
	if d.Years, err = s.points.ExpiryYears(r.Context()); err != nil {
		return d, err
	}
	pg, err := readPaging(r)
	if err != nil {
		return d, err
	}
	if !r.URL.Query().Has("per_page") {
		pg.PerPage = 20
	}
	list, total, err := s.jobs.Page(r.Context(), points.ExpiryJobKind, principal(r).Paths(auth.PointsRead), pg.offset(), pg.PerPage)
	if err != nil {
		return d, err
	}
	d.Pager = newPager(r, pg, total, len(list), false)
	d.Runs = []expiryRun{}
	for _, j := range list {
		d.Runs = append(d.Runs, viewExpiryRun(j))
	}
	root, err := s.groupRoot(r)
	if err != nil {
		return d, err
	}
	d.CanRun = principal(r).CanAt(auth.PlanApprove, root.Path)
	d.LastYear = time.Now().In(s.loc).Year() - 1
	d.Upcoming = points.ExpiryPeriodOf(d.LastYear+1, d.Years)
	for y := 0; y <= points.MaxExpiryYears; y++ {
		d.YearsList = append(d.YearsList, y)
	}
	return d, nil
}

func (s *Server) expiryPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	d, err := s.expiryData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := page{Title: s.cat.T(lang(r), "expiry.title"), Nav: "plans", Data: d}
	for _, run := range d.Runs {
		if run.Running() {
			pg.Refresh = 2
		}
	}
	if ferr != nil {
		s.formError(w, r, "expiry", pg, ferr)
		return
	}
	s.render(w, r, status, "expiry", pg)
}

func (s *Server) pointExpiry(w http.ResponseWriter, r *http.Request) {
	s.expiryPage(w, r, http.StatusOK, nil)
}

// authorizeGroup checks perm at the group's root: the expiry policy and
// the year-end belong to the group as a whole.
func (s *Server) authorizeGroup(r *http.Request, perm auth.Permission) (*org.Node, error) {
	root, err := s.groupRoot(r)
	if err != nil {
		return nil, err
	}
	return root, authorizeAt(r, perm, root.Path)
}

func parseYears(field, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > points.MaxExpiryYears {
		return 0, apperr.Field(field, "有效期须为 0–"+strconv.Itoa(points.MaxExpiryYears)+" 年（0 为永不过期）",
			"validity must be 0–"+strconv.Itoa(points.MaxExpiryYears)+" years (0: never expire)")
	}
	return n, nil
}

func (s *Server) expirySettings(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorizeGroup(r, auth.PlanApprove); err != nil {
		s.fail(w, r, err)
		return
	}
	years, err := parseYears("years", r.PostFormValue("years"))
	if err == nil {
		err = s.points.SetExpiryYears(r.Context(), years)
	}
	if err != nil {
		s.expiryPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	redirect(w, r, "/points/expiry", "flash.saved")
}

// enqueueExpiry checks a year-end request and queues its job: a real run
// only for a year that has ended, and not while another run is under way.
func (s *Server) enqueueExpiry(r *http.Request, year int, dryRun bool) (int64, error) {
	root, err := s.authorizeGroup(r, auth.PlanApprove)
	if err != nil {
		return 0, err
	}
	now := time.Now().In(s.loc)
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
	list, err := s.jobs.List(r.Context(), points.ExpiryJobKind, []string{root.Path}, 20)
	if err != nil {
		return 0, err
	}
	for _, j := range list {
		if v := viewExpiryRun(j); v.Running() && !v.DryRun && !dryRun {
			return 0, &apperr.Error{Code: apperr.Conflict, ZH: "结转任务正在运行，请等待其完成", EN: "a year-end run is under way: wait for it to finish"}
		}
	}
	params, _ := json.Marshal(map[string]any{"year": year, "dry_run": dryRun})
	name := strconv.Itoa(year) + " 年积分结转"
	if dryRun {
		name += "（试运行）"
	}
	return s.jobs.Enqueue(r.Context(), jobs.New{Kind: points.ExpiryJobKind, Params: string(params), NodePath: root.Path,
		CreatedBy: principal(r).Staff.ID, FileName: name})
}

func (s *Server) expiryRunStart(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorizeGroup(r, auth.PlanApprove); err != nil {
		s.fail(w, r, err)
		return
	}
	year, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	if err != nil {
		err = apperr.Field("year", "请填写年份", "enter the year")
	} else {
		_, err = s.enqueueExpiry(r, year, r.PostFormValue("dry_run") != "")
	}
	if err != nil {
		if e := apperr.As(err); e.Code == apperr.Forbidden || e.Code == apperr.NotFound {
			s.fail(w, r, err)
			return
		}
		s.expiryPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	redirect(w, r, "/points/expiry", "flash.expiry_queued")
}

// --- API ---

type expiryPolicy struct {
	Years int         `json:"years"`
	Runs  []expiryRun `json:"runs"`
}

func (s *Server) apiExpiry(w http.ResponseWriter, r *http.Request) {
	d, err := s.expiryData(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, expiryPolicy{Years: d.Years, Runs: d.Runs})
}

func (s *Server) apiExpiryPut(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorizeGroup(r, auth.PlanApprove); err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Years *int `json:"years"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if b.Years == nil {
		s.apiError(w, r, apperr.Field("years", "请填写有效期（年）", "years is required"))
		return
	}
	years, err := parseYears("years", strconv.Itoa(*b.Years))
	if err == nil {
		err = s.points.SetExpiryYears(r.Context(), years)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiExpiry(w, r)
}

func (s *Server) apiExpiryRun(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Year   int  `json:"year"`
		DryRun bool `json:"dry_run"`
	}
	if _, err := s.authorizeGroup(r, auth.PlanApprove); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := s.enqueueExpiry(r, b.Year, b.DryRun)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j, err := s.jobs.Get(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, viewExpiryRun(*j))
}

func (s *Server) apiExpiryRunGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil {
		s.apiError(w, r, notFoundErr)
		return
	}
	j, err := s.jobs.Get(r.Context(), id)
	if err == nil && j.Kind != points.ExpiryJobKind {
		err = notFoundErr
	}
	if err == nil {
		err = authorizeAt(r, auth.PointsRead, j.NodePath)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewExpiryRun(*j))
}
