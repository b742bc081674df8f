package console

import (
	"bytes"
	"net/http"
	"strconv"

	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/member/transfer"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

type importPageData struct {
	Nodes []org.Node
	Jobs  []web.JobView
	Pager web.Pager // of the jobs
}

func (s *handler) importPage(w http.ResponseWriter, r *http.Request, ferr error) {
	p := web.Principal(r)
	nodes, _, err := s.Org.List(r.Context(), org.Filter{Within: p.Paths(auth.MemberWrite)})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := importPageData{}
	for _, n := range nodes {
		if n.Kind == org.City || n.Kind == org.Project {
			d.Nodes = append(d.Nodes, n)
		}
	}
	at, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if !r.URL.Query().Has("per_page") {
		at.PerPage = 20
	}
	list, total, err := s.Jobs.Page(r.Context(), web.ImportJob, p.Paths(auth.MemberWrite), at.Offset(), at.PerPage)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Pager = web.NewPager(r, at, total, len(list), false)
	for _, j := range list {
		d.Jobs = append(d.Jobs, web.ViewJob(j))
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "import.title"), Nav: "members", Data: d}
	if ferr != nil {
		s.FormError(w, r, "import", pg, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "import", pg)
}

func (s *handler) memberImport(w http.ResponseWriter, r *http.Request) { s.importPage(w, r, nil) }

// memberImportUpload stores the file as a job and shows its progress page.
func (s *handler) memberImportUpload(w http.ResponseWriter, r *http.Request) {
	id, err := s.EnqueueImport(r)
	if err != nil {
		s.importPage(w, r, err)
		return
	}
	web.Redirect(w, r, "/jobs/"+strconv.FormatInt(id, 10), "flash.import_queued")
}

func (s *handler) memberImportTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := transfer.Template(&buf); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.SendFile(w, "会员导入模板.xlsx", buf.Bytes())
}

type jobPageData struct {
	Job           web.JobView
	Running       bool
	RetentionDays int // how long the error report is kept
}

func (s *handler) jobPage(w http.ResponseWriter, r *http.Request) {
	j, err := s.ScopedJob(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := jobPageData{Job: web.ViewJob(*j), Running: j.Status == jobs.Queued || j.Status == jobs.Running}
	if d.RetentionDays, err = s.Jobs.RetentionDays(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "import.job") + " " + j.FileName, Nav: "members", Data: d}
	if d.Running {
		pg.Refresh = 2 // no script needed: the page reloads until the job ends
	}
	s.Render(w, r, http.StatusOK, "job", pg)
}
