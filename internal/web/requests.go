package web

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
)

// UploadLimit bounds the body of a form with a submission's files (a
// request, a reply): five files of 5 MB and the rest of the form. Nothing
// beyond it is read.
const UploadLimit = request.MaxFiles*request.MaxFileSize + 1<<20

// UploadJSONLimit bounds a JSON body with the files in base64 (4 bytes for
// every 3).
const UploadJSONLimit = UploadLimit/3*4 + 1<<20

// filesTooLarge is the refusal of a body over the bound of a route that
// takes files (UploadLimit, UploadJSONLimit), which only files can exceed:
// it names the files field and its limits. err is the reader's.
func filesTooLarge(err error) error {
	return &apperr.Error{Code: apperr.TooLarge, Field: request.FilesField,
		ZH:  fmt.Sprintf("附件太大：最多 %d 个，每个不超过 %d MB，合计不超过 %d MB", request.MaxFiles, request.MaxFileSize>>20, request.MaxFilesSize>>20),
		EN:  fmt.Sprintf("files: too large; at most %d files, each at most %d MB, %d MB together", request.MaxFiles, request.MaxFileSize>>20, request.MaxFilesSize>>20),
		Err: err}
}

// FileID is the file {file} of the path.
func FileID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		return 0, NotFoundErr
	}
	return id, nil
}

// WriteRequestFile answers with a request's file, never cached by a shared
// cache and never sniffed: a photo shown in the page, a PDF downloaded.
func WriteRequestFile(w http.ResponseWriter, d *request.Download) {
	disp := "inline"
	if !d.IsImage() {
		disp = "attachment"
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": d.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(d.Data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(d.Data)
}

// FormUploads reads the files of a form's field request.FilesField (the
// form already parsed within its route's UploadLimit): too many, or one
// declared too big, is refused before its bytes are read.
func FormUploads(r *http.Request) ([]request.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []request.Upload
	for _, h := range r.MultipartForm.File[request.FilesField] {
		if h.Size == 0 {
			continue // an empty file input
		}
		if len(out) == request.MaxFiles {
			return nil, request.ErrTooManyFiles()
		}
		if h.Size > request.MaxFileSize {
			return nil, request.ErrFileTooBig(h.Filename)
		}
		f, err := h.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, request.MaxFileSize+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, request.Upload{Name: h.Filename, Data: data})
	}
	return out, nil
}

// RequestScope is where the caller may see (auth.RequestRead) or handle
// (auth.RequestHandle) requests: every kind below the nodes of their other
// roles, only property complaints below the nodes where they are property
// staff (物业: their projects' property complaints only).
func RequestScope(r *http.Request, perm auth.Permission) *request.Scope {
	return RequestScopeOf(Principal(r), perm)
}

// RequestScopeOf is RequestScope for a principal (none reaches nothing).
func RequestScopeOf(p *auth.Principal, perm auth.Permission) *request.Scope {
	if p == nil {
		return request.ScopeOf(perm, nil)
	}
	return request.ScopeOf(perm, p.Grants)
}

// textMember texts a member about their own business if they consented;
// a failure is logged, never the caller's error (the message is in the
// outbox with its status).
func (s *Server) textMember(ctx context.Context, memberID int64, text string) {
	var mobile string
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		mobile, err = s.Members.TextContact(ctx, tx, memberID)
		return err
	})
	if err == nil && mobile != "" {
		_, err = s.SMS.Send(ctx, mobile, "request", text)
	}
	if err != nil {
		s.Log.Warn("text member", "member", memberID, "err", err)
	}
}

// workCalendar is the working-day calendar request due times count on.
func (s *Server) workCalendar(ctx context.Context) (request.Calendar, error) {
	c, err := s.Calendar.Load(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}
