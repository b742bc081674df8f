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
	"estateclub/internal/event"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/member/transfer"
	"estateclub/internal/points"
	"estateclub/internal/survey"
)

// MaxUpload bounds an import file; the job keeps it in the database,
// encrypted in chunks.
const MaxUpload = 64 << 20

// maxBody bounds any request body: the largest upload and its form.
const maxBody = MaxUpload + 1<<20

// ImportJob is the job kind of a member import.
const ImportJob = "member_import"

// importParams is what an import job needs besides its file.
type importParams struct {
	Org            string `json:"org"`
	DefaultMembers bool   `json:"default_members"`
	Login          string `json:"login"`
	Lang           string `json:"lang"`
}

// ImportSummary is an import job's result.
type ImportSummary struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Merged    int `json:"merged"`
	Conflicts int `json:"conflicts"`
	Failed    int `json:"failed"`
}

// JobHandlers are the background jobs this server knows how to run.
func (s *Server) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{ImportJob: s.runImport, points.ExpiryJobKind: s.Points.ExpiryJob(),
		lead.PoolReturnJobKind: s.Leads.PoolReturnJob(), ReviewJob: s.runReview, event.NoticeJobKind: s.Events.NoticeJob(),
		survey.SendJobKind: s.Surveys.SendJob()}
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
	rep, err := transfer.Import(ctx, s.Members, sheet, transfer.Options{OrgCode: p.Org, DefaultMembers: p.DefaultMembers, JobID: j.ID,
		Progress: func(done, total int) { progress(int64(done), int64(total)) }})
	if err != nil {
		return nil, err
	}
	sum, _ := json.Marshal(ImportSummary{Rows: rep.Rows, Created: rep.Created, Merged: rep.Merged, Conflicts: rep.Conflicted, Failed: rep.Failed})
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

// JobView is a job as the console shows it.
type JobView struct {
	jobs.Job
	Summary ImportSummary
}

func ViewJob(j jobs.Job) JobView {
	v := JobView{Job: j}
	_ = json.Unmarshal([]byte(j.Result), &v.Summary)
	return v
}

// EnqueueImport reads an uploaded import (multipart: file, org, kind).
// The body is bounded before it is read (see bodyLimit) and the file is
// opened as a sheet before it is stored, so a file that is not a member
// sheet, or is too large once unpacked, is refused at once.
func (s *Server) EnqueueImport(r *http.Request) (int64, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil { // the body is bounded by bodyLimit
		return 0, apperr.Field("file", "请选择不超过 64 MB 的 .xlsx 或 .csv 文件", "choose an .xlsx or .csv file of at most 64 MB")
	}
	n, err := s.NodeForWrite(r, "org", r.FormValue("org"), auth.MemberWrite)
	if err != nil {
		return 0, err
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return 0, apperr.Field("file", "请选择要导入的文件", "choose a file to import")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
	if err != nil {
		return 0, err
	}
	if len(data) > MaxUpload {
		return 0, apperr.Field("file", "文件超过 64 MB，请拆分后导入", "the file is over 64 MB; split it")
	}
	// Open it now, so a file that is not a readable sheet is refused at once.
	sheet, err := transfer.Open(hdr.Filename, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	sheet.Close()
	p := Principal(r)
	params, _ := json.Marshal(importParams{Org: n.Code, DefaultMembers: r.FormValue("kind") == "default", Login: p.Staff.Login, Lang: Lang(r)})
	return s.Jobs.Enqueue(r.Context(), jobs.New{Kind: ImportJob, Params: string(params), NodePath: n.Path,
		CreatedBy: p.Staff.ID, FileName: filepath.Base(hdr.Filename), Input: data})
}

// SendFile answers a download.
func SendFile(w http.ResponseWriter, name string, data []byte) {
	setDownload(w, name)
	_, _ = w.Write(data)
}

// setDownload sets the headers of an .xlsx download.
func setDownload(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
}

// ScopedJob loads the job named by {job} where the caller may import.
func (s *Server) ScopedJob(r *http.Request) (*jobs.Job, error) {
	id, err := strconv.ParseInt(r.PathValue("job"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	j, err := s.Jobs.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if j.Kind != ImportJob {
		return nil, NotFoundErr
	}
	return j, AuthorizeAt(r, auth.MemberWrite, j.NodePath)
}

func (s *Server) JobOutput(w http.ResponseWriter, r *http.Request) {
	j, err := s.ScopedJob(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name, rd, err := s.Jobs.Output(r.Context(), j.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	setDownload(w, name)
	w.Header().Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	if _, err := io.Copy(w, rd); err != nil {
		s.Log.Warn("job output download", "job", j.ID, "err", err)
	}
}

// MemberExport downloads the filtered member list as .xlsx: masked, or in
// clear (reveal=1) for roles that may reveal; every export is audited.
func (s *Server) MemberExport(w http.ResponseWriter, r *http.Request) {
	f, err := s.MemberFilter(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := Principal(r)
	reveal := r.URL.Query().Get("reveal") == "1"
	if reveal {
		// Revealing needs the permission everywhere the export reaches.
		f.Within = p.Paths(auth.MemberReveal)
		if len(f.Within) == 0 {
			s.Fail(w, r, apperr.ForbiddenErr())
			return
		}
		if org := r.URL.Query().Get("org"); org != "" {
			n, err := s.Org.ByCode(r.Context(), org)
			if err != nil || !p.CanAt(auth.MemberReveal, n.Path) {
				s.Fail(w, r, apperr.ForbiddenErr())
				return
			}
			f.Within = []string{n.Path}
		}
	}
	f.Within = intersect(f.Within, p.Paths(auth.MemberExport))
	var buf bytes.Buffer
	n, err := transfer.Export(r.Context(), &buf, s.Members, f, transfer.ExportOptions{Reveal: reveal, Why: "控制台导出", Lang: Lang(r)})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := fmt.Sprintf("会员名单-%s.xlsx", time.Now().In(s.Loc).Format("20060102-1504"))
	scope := ""
	if len(f.Within) == 1 {
		scope = f.Within[0]
	}
	if err := transfer.RecordExport(r.Context(), s.DB, transfer.ExportRecord{File: name, Count: n, Reveal: reveal, NodePath: scope, Filter: f}); err != nil {
		s.Fail(w, r, err)
		return
	}
	SendFile(w, name, buf.Bytes())
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
