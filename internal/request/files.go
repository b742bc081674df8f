package request

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// Upload is a file sent with a request or a message: its name as the
// sender's device gave it and its bytes. In JSON the bytes are base64.
type Upload struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// File is a file attached to a request or to one of its messages (附件): a
// photo (JPEG, PNG, WebP) or a PDF, sealed at rest.
type File struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"` // sniffed from the bytes
	Size        int    `json:"size"`
	// MessageID is the reply or note the file came with; nil: the request.
	MessageID *int64 `json:"message_id,omitempty"`
}

// IsImage reports whether the file is a photo (shown inline) rather than a
// PDF (a link).
func (f File) IsImage() bool { return strings.HasPrefix(f.ContentType, "image/") }

// Limits of the files of one submission (a request, a reply, a note).
const (
	MaxFiles     = 5
	MaxFileSize  = 5 << 20
	MaxFilesSize = 20 << 20
)

// FilesField is the name of the form and JSON field files come in; errors
// about files name it.
const FilesField = "files"

// fileTypes are the sniffed content types a file may have, with the
// extension given to a file sent without a name.
var fileTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}

// checkedFile is an Upload after validation.
type checkedFile struct {
	name, contentType string
	data              []byte
}

// ErrTooManyFiles is the refusal of a sixth file.
func ErrTooManyFiles() error {
	return apperr.Field(FilesField, fmt.Sprintf("附件最多 %d 个", MaxFiles), fmt.Sprintf("attach at most %d files", MaxFiles))
}

// ErrFileTooBig is the refusal of a file over MaxFileSize, named as the
// sender's device named it (without folders or control characters).
func ErrFileTooBig(name string) error {
	name = cleanFileName(name, "")
	return apperr.Field(FilesField, "附件“"+name+"”超过 5 MB", "the file “"+name+"” is larger than 5 MB")
}

// ErrFilesTooBig is the refusal of files over MaxFilesSize together.
func ErrFilesTooBig() error {
	return apperr.Field(FilesField, "附件合计不能超过 20 MB", "the files may total at most 20 MB")
}

// checkFiles validates the files of one submission; empty uploads (a form's
// file input left empty) are dropped. The bytes say what a file is: the
// name and the browser's claim are not trusted.
func checkFiles(in []Upload) ([]checkedFile, error) {
	var out []checkedFile
	total := 0
	for _, u := range in {
		if len(u.Data) == 0 {
			continue
		}
		if len(out) == MaxFiles {
			return nil, ErrTooManyFiles()
		}
		name := cleanFileName(u.Name, "")
		if len(u.Data) > MaxFileSize {
			return nil, ErrFileTooBig(name)
		}
		if total += len(u.Data); total > MaxFilesSize {
			return nil, ErrFilesTooBig()
		}
		ct := http.DetectContentType(u.Data)
		ext, ok := fileTypes[ct]
		if !ok {
			return nil, apperr.Field(FilesField, "附件“"+name+"”须为 JPEG、PNG、WebP 图片或 PDF 文件",
				"the file “"+name+"” must be a JPEG, PNG or WebP image or a PDF")
		}
		out = append(out, checkedFile{name: cleanFileName(u.Name, ext), contentType: ct, data: u.Data})
	}
	return out, nil
}

// cleanFileName keeps the base name a device sent, without folders or
// control characters, at most 100 characters; "file"+ext when none is left.
func cleanFileName(name, ext string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "file" + ext
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	return name
}

// addFiles stores files of a request (messageID nil) or of one of its
// messages, bytes and name each sealed with its own row's AAD: a name can
// be personal data ("张三身份证.pdf"), so the clear name column stays empty.
func (s *Service) addFiles(ctx context.Context, tx *db.Tx, requestID int64, messageID *int64, files []checkedFile) error {
	for _, f := range files {
		id, err := tx.InsertID(ctx, `INSERT INTO request_files (request_id, message_id, name, content_type, size, data, sealed, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, requestID, messageID, "", f.contentType, len(f.data), []byte{0}, true, tx.Now)
		if err != nil {
			return err
		}
		enc, err := s.Keys.Seal(string(f.data), fileAAD(id))
		if err != nil {
			return err
		}
		name, err := s.Keys.Seal(f.name, fileNameAAD(id))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE request_files SET data = ?, name_enc = ? WHERE id = ?", enc, name, id); err != nil {
			return err
		}
	}
	return nil
}

// fileAAD binds a file's seal to its row. The table was request_photos when
// the first files were sealed; the label stays so that they still open.
func fileAAD(id int64) string { return pii.AAD("request_photos.data", id) }

// fileNameAAD binds a file name's seal to its row.
func fileNameAAD(id int64) string { return pii.AAD("request_files.name", id) }

// openName is a file's name from its columns: the sealed one, or the clear
// one of a row written before names were sealed.
func (s *Service) openName(id int64, clear string, enc []byte) (string, error) {
	if enc == nil {
		return clear, nil
	}
	name, err := s.Keys.Open(enc, fileNameAAD(id))
	if err != nil {
		return "", fmt.Errorf("open file name %d: %w", id, err)
	}
	return name, nil
}

// files reads the list of a request's files (no bytes): those of the
// request itself, and those of its messages, internal notes' only if
// internal.
func (s *Service) files(ctx context.Context, tx *db.Tx, requestID int64, internal bool) ([]File, error) {
	q := `SELECT f.id, f.name, f.name_enc, f.content_type, f.size, f.message_id FROM request_files f
		LEFT JOIN request_messages m ON m.id = f.message_id WHERE f.request_id = ?`
	if !internal {
		q += " AND (f.message_id IS NULL OR NOT m.internal)"
	}
	rows, err := tx.Query(ctx, q+" ORDER BY f.id", requestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []File{}
	for rows.Next() {
		var f File
		var name []byte
		if err := rows.Scan(&f.ID, &f.Name, &name, &f.ContentType, &f.Size, &f.MessageID); err != nil {
			return nil, err
		}
		if f.Name, err = s.openName(f.ID, f.Name, name); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Download is a file with its bytes, opened.
type Download struct {
	File
	Data []byte
}

// openFile reads file fileID of request requestID, opened; a note's file
// only if internal.
func (s *Service) openFile(ctx context.Context, tx *db.Tx, requestID, fileID int64, internal bool) (*Download, error) {
	var d Download
	var data, name []byte
	var sealed, note bool
	err := tx.QueryRow(ctx, `SELECT f.id, f.name, f.name_enc, f.content_type, f.size, f.message_id, f.data, f.sealed, COALESCE(m.internal, FALSE)
		FROM request_files f LEFT JOIN request_messages m ON m.id = f.message_id WHERE f.id = ? AND f.request_id = ?`, fileID, requestID).
		Scan(&d.ID, &d.Name, &name, &d.ContentType, &d.Size, &d.MessageID, &data, &sealed, &note)
	if isNoRows(err) || (err == nil && note && !internal) {
		return nil, apperr.NotFoundf("附件", "file")
	}
	if err != nil {
		return nil, err
	}
	if d.Name, err = s.openName(fileID, d.Name, name); err != nil {
		return nil, err
	}
	d.Data = data
	if sealed {
		plain, err := s.Keys.Open(data, fileAAD(fileID))
		if err != nil {
			return nil, fmt.Errorf("open file %d: %w", fileID, err)
		}
		d.Data = []byte(plain)
	}
	return &d, nil
}

// MemberFile is a file of the member's own request, for them: another
// member's request, or a file of an internal note, is not found.
func (s *Service) MemberFile(ctx context.Context, requestID, fileID, memberID int64) (*Download, error) {
	var d *Download
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var owner int64
		err := tx.QueryRow(ctx, "SELECT member_id FROM requests WHERE id = ?", requestID).Scan(&owner)
		if isNoRows(err) || (err == nil && owner != memberID) {
			return apperr.NotFoundf("诉求", "request")
		}
		if err != nil {
			return err
		}
		d, err = s.openFile(ctx, tx, requestID, fileID, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("request file: %w", err)
	}
	return d, nil
}

// StaffFile is a file of request r (internal notes' included) for staff who
// may see r (the caller checks); each download is audited, without the
// file's name or bytes.
func (s *Service) StaffFile(ctx context.Context, r *Request, fileID int64) (*Download, error) {
	var d *Download
	err := s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		if d, err = s.openFile(ctx, tx, r.ID, fileID, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.file_download", ObjectType: "request", ObjectID: r.ID,
			NodePath: r.NodePath, Summary: fmt.Sprintf("下载诉求 %s 的附件 #%d", r.No, fileID),
			After: map[string]any{"no": r.No, "file": fileID}})
	})
	if err != nil {
		return nil, fmt.Errorf("request file: %w", err)
	}
	return d, nil
}
