package web

import (
	"bytes"
	"io"
	"net/http"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/lead"
)

// ImportLeads reads an uploaded sheet (multipart: file, project,
// all_or_nothing) and imports it where the caller may assign leads.
func (s *Server) ImportLeads(r *http.Request) (*lead.ImportReport, error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil { // the body is bounded by bodyLimit
		return nil, apperr.Field("file", "请选择不超过 64 MB 的 .xlsx 文件", "choose an .xlsx file of at most 64 MB")
	}
	n, err := s.NodeForWrite(r, "project", r.FormValue("project"), auth.LeadAssign)
	if err != nil {
		return nil, err
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, apperr.Field("file", "请选择要导入的文件", "choose a file to import")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxUpload))
	if err != nil {
		return nil, err
	}
	aon := r.FormValue("all_or_nothing")
	// A sheet that names other projects imports only where the caller may.
	return s.Leads.Import(r.Context(), bytes.NewReader(data), lead.ImportOptions{ProjectCode: n.Code,
		AllOrNothing: aon == "on" || aon == "1" || aon == "true", Within: Principal(r).Paths(auth.LeadAssign)})
}

// LeadExport downloads the leads of the list's filters as .xlsx (mobiles
// masked; the export is audited).
func (s *Server) LeadExport(w http.ResponseWriter, r *http.Request) {
	f, err := LeadFilter(r, Principal(r).Paths(auth.LeadAssign))
	var buf bytes.Buffer
	if err == nil {
		_, err = s.Leads.Export(r.Context(), &buf, f, lead.ExportOptions{Lang: Lang(r)})
	}
	if err != nil {
		if r.URL.Path == "/leads/export" {
			s.Fail(w, r, err)
		} else {
			s.APIError(w, r, err)
		}
		return
	}
	SendFile(w, s.Cat.T(Lang(r), "lead.export_file")+".xlsx", buf.Bytes())
}
