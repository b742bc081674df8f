package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/member/transfer"
	"estateclub/internal/org"
	"estateclub/internal/points"
)

// maxUpload bounds an import file; the job keeps it in the database,
// encrypted in chunks.
const maxUpload = 64 << 20

// maxBody bounds any request body: the largest upload and its form.
const maxBody = maxUpload + 1<<20

// importJob is the job kind of a member import.
const importJob = "member_import"

// importParams is what an import job needs besides its file.
type importParams struct {
	Org            string `json:"org"`
	DefaultMembers bool   `json:"default_members"`
	Login          string `json:"login"`
	Lang           string `json:"lang"`
}

// importSummary is an import job's result.
type importSummary struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Merged    int `json:"merged"`
	Conflicts int `json:"conflicts"`
	Failed    int `json:"failed"`
}

// JobHandlers are the background jobs this server knows how to run.
func (s *Server) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{importJob: s.runImport, points.ExpiryJobKind: s.points.ExpiryJob(),
		lead.PoolReturnJobKind: s.leads.PoolReturnJob(), reviewJob: s.runReview}
}

// runImport imports a member file in the background. It is safe to run
// again after a crash: rows already imported merge.
func (s *Server) runImport(ctx context.Context, j *jobs.Job, input []byte, progress func(done, total int64)) (*jobs.Result, error) {
	var p importParams
	if err := json.Unmarshal([]byte(j.Params), &p); err != nil {
		return nil, err
	}
	actor := db.Actor{Kind: "staff", Login: p.Login}
	if j.CreatedBy != nil {
		actor.ID = *j.CreatedBy
	}
	ctx = db.WithActor(ctx, actor)
	sheet, err := transfer.Open(j.FileName, bytes.NewReader(input))
	if err != nil {
		return nil, err
	}
	defer sheet.Close()
	rep, err := transfer.Import(ctx, s.members, sheet, transfer.Options{OrgCode: p.Org, DefaultMembers: p.DefaultMembers, JobID: j.ID,
		Progress: func(done, total int) { progress(int64(done), int64(total)) }})
	if err != nil {
		return nil, err
	}
	sum, _ := json.Marshal(importSummary{Rows: rep.Rows, Created: rep.Created, Merged: rep.Merged, Conflicts: rep.Conflicted, Failed: rep.Failed})
	res := &jobs.Result{Summary: string(sum)}
	if rep.Failed+rep.Conflicted > 0 {
		var buf bytes.Buffer
		if err := transfer.WriteErrorReport(&buf, sheet, rep); err != nil {
			return nil, err
		}
		res.OutputName = strings.TrimSuffix(filepath.Base(j.FileName), filepath.Ext(j.FileName)) + ".errors.xlsx"
		res.Output = buf.Bytes()
	}
	return res, nil
}

type importPageData struct {
	Nodes []org.Node
	Jobs  []jobView
	Pager pager // of the jobs
}

// jobView is a job as the console shows it.
type jobView struct {
	jobs.Job
	Summary importSummary
}

func viewJob(j jobs.Job) jobView {
	v := jobView{Job: j}
	_ = json.Unmarshal([]byte(j.Result), &v.Summary)
	return v
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, ferr error) {
	p := principal(r)
	nodes, _, err := s.org.List(r.Context(), org.Filter{Within: p.Paths(auth.MemberWrite)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := importPageData{}
	for _, n := range nodes {
		if n.Kind == org.City || n.Kind == org.Project {
			d.Nodes = append(d.Nodes, n)
		}
	}
	at, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !r.URL.Query().Has("per_page") {
		at.PerPage = 20
	}
	list, total, err := s.jobs.Page(r.Context(), importJob, p.Paths(auth.MemberWrite), at.offset(), at.PerPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Pager = newPager(r, at, total, len(list), false)
	for _, j := range list {
		d.Jobs = append(d.Jobs, viewJob(j))
	}
	pg := page{Title: s.cat.T(lang(r), "import.title"), Nav: "members", Data: d}
	if ferr != nil {
		s.formError(w, r, "import", pg, ferr)
		return
	}
	s.render(w, r, http.StatusOK, "import", pg)
}

func (s *Server) memberImport(w http.ResponseWriter, r *http.Request) { s.importPage(w, r, nil) }

// memberImportUpload stores the file as a job and shows its progress page.
func (s *Server) memberImportUpload(w http.ResponseWriter, r *http.Request) {
	id, err := s.enqueueImport(r)
	if err != nil {
		s.importPage(w, r, err)
		return
	}
	redirect(w, r, "/jobs/"+strconv.FormatInt(id, 10), "flash.import_queued")
}

// enqueueImport reads an uploaded import (multipart: file, org, kind).
// The body is bounded before it is read (see bodyLimit) and the file is
// opened as a sheet before it is stored, so a file that is not a member
// sheet, or is too large once unpacked, is refused at once.
func (s *Server) enqueueImport(r *http.Request) (int64, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil { // the body is bounded by bodyLimit
		return 0, apperr.Field("file", "请选择不超过 64 MB 的 .xlsx 或 .csv 文件", "choose an .xlsx or .csv file of at most 64 MB")
	}
	n, err := s.nodeForWrite(r, "org", r.FormValue("org"), auth.MemberWrite)
	if err != nil {
		return 0, err
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return 0, apperr.Field("file", "请选择要导入的文件", "choose a file to import")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil {
		return 0, err
	}
	if len(data) > maxUpload {
		return 0, apperr.Field("file", "文件超过 64 MB，请拆分后导入", "the file is over 64 MB; split it")
	}
	// Open it now, so a file that is not a readable sheet is refused at once.
	sheet, err := transfer.Open(hdr.Filename, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	sheet.Close()
	p := principal(r)
	params, _ := json.Marshal(importParams{Org: n.Code, DefaultMembers: r.FormValue("kind") == "default", Login: p.Staff.Login, Lang: lang(r)})
	return s.jobs.Enqueue(r.Context(), jobs.New{Kind: importJob, Params: string(params), NodePath: n.Path,
		CreatedBy: p.Staff.ID, FileName: filepath.Base(hdr.Filename), Input: data})
}

func (s *Server) memberImportTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := transfer.Template(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "会员导入模板.xlsx", buf.Bytes())
}

// sendFile answers a download.
func sendFile(w http.ResponseWriter, name string, data []byte) {
	setDownload(w, name)
	_, _ = w.Write(data)
}

// setDownload sets the headers of an .xlsx download.
func setDownload(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
}

// scopedJob loads the job named by {job} where the caller may import.
func (s *Server) scopedJob(r *http.Request) (*jobs.Job, error) {
	id, err := strconv.ParseInt(r.PathValue("job"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	j, err := s.jobs.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if j.Kind != importJob {
		return nil, notFoundErr
	}
	return j, authorizeAt(r, auth.MemberWrite, j.NodePath)
}

type jobPageData struct {
	Job           jobView
	Running       bool
	RetentionDays int // how long the error report is kept
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) {
	j, err := s.scopedJob(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := jobPageData{Job: viewJob(*j), Running: j.Status == jobs.Queued || j.Status == jobs.Running}
	if d.RetentionDays, err = s.jobs.RetentionDays(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	pg := page{Title: s.cat.T(lang(r), "import.job") + " " + j.FileName, Nav: "members", Data: d}
	if d.Running {
		pg.Refresh = 2 // no script needed: the page reloads until the job ends
	}
	s.render(w, r, http.StatusOK, "job", pg)
}

func (s *Server) jobOutput(w http.ResponseWriter, r *http.Request) {
	j, err := s.scopedJob(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, rd, err := s.jobs.Output(r.Context(), j.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	setDownload(w, name)
	w.Header().Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	if _, err := io.Copy(w, rd); err != nil {
		s.log.Warn("job output download", "job", j.ID, "err", err)
	}
}

// memberExport downloads the filtered member list as .xlsx: masked, or in
// clear (reveal=1) for roles that may reveal; every export is audited.
func (s *Server) memberExport(w http.ResponseWriter, r *http.Request) {
	f, err := s.memberFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := principal(r)
	reveal := r.URL.Query().Get("reveal") == "1"
	if reveal {
		// Revealing needs the permission everywhere the export reaches.
		f.Within = p.Paths(auth.MemberReveal)
		if len(f.Within) == 0 {
			s.fail(w, r, apperr.ForbiddenErr())
			return
		}
		if org := r.URL.Query().Get("org"); org != "" {
			n, err := s.org.ByCode(r.Context(), org)
			if err != nil || !p.CanAt(auth.MemberReveal, n.Path) {
				s.fail(w, r, apperr.ForbiddenErr())
				return
			}
			f.Within = []string{n.Path}
		}
	}
	f.Within = intersect(f.Within, p.Paths(auth.MemberExport))
	var buf bytes.Buffer
	n, err := transfer.Export(r.Context(), &buf, s.members, f, transfer.ExportOptions{Reveal: reveal, Why: "控制台导出", Lang: lang(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := fmt.Sprintf("会员名单-%s.xlsx", time.Now().In(s.loc).Format("20060102-1504"))
	scope := ""
	if len(f.Within) == 1 {
		scope = f.Within[0]
	}
	if err := transfer.RecordExport(r.Context(), s.db, transfer.ExportRecord{File: name, Count: n, Reveal: reveal, NodePath: scope, Filter: f}); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, name, buf.Bytes())
}

// intersect keeps the paths of a that lie within some path of b.
func intersect(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		for _, y := range b {
			switch {
			case strings.HasPrefix(x, y):
				out = append(out, x)
			case strings.HasPrefix(y, x):
				out = append(out, y)
			default:
				continue
			}
			break
		}
	}
	return out
}

// apiJob is a background job as the API shows it.
type apiJob struct {
	ID         int64          `json:"id"`
	Kind       string         `json:"kind"`
	Status     jobs.Status    `json:"status"`
	FileName   string         `json:"file_name"`
	Done       int64          `json:"done"`
	Total      int64          `json:"total"`
	Percent    int            `json:"percent"`
	Result     *importSummary `json:"result,omitempty"`
	Error      string         `json:"error,omitempty"`
	HasOutput  bool           `json:"has_output"`
	CreatedAt  time.Time      `json:"created_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
}

func toAPIJob(j *jobs.Job) apiJob {
	out := apiJob{ID: j.ID, Kind: j.Kind, Status: j.Status, FileName: j.FileName, Done: j.Done, Total: j.Total,
		Percent: j.Percent(), Error: j.Error, HasOutput: j.HasOutput(), CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	if j.Status == jobs.Done {
		v := viewJob(*j)
		out.Result = &v.Summary
	}
	return out
}

// apiMemberImport takes an upload (multipart: file, org, kind) and answers
// 202 with the job to follow.
func (s *Server) apiMemberImport(w http.ResponseWriter, r *http.Request) {
	id, err := s.enqueueImport(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j, err := s.jobs.Get(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/jobs/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusAccepted, toAPIJob(j))
}

func (s *Server) apiJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.scopedJob(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIJob(j))
}
