// Package filestore keeps files that hold personal data (文件存储) — an
// uploaded import, the error report of its failed rows — in the database,
// encrypted: each file is split into chunks of at most ChunkSize bytes,
// each chunk sealed with the member-data key and bound to its file, role
// and position. No single value holds a whole upload, and every server
// sharing the database reads the same files.
//
// A file is pending from Put until an owner (a job) takes it with Attach
// inside its own transaction; PurgePending deletes pending files a crash
// left behind.
package filestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// ChunkSize is the largest plain chunk stored in one row.
const ChunkSize = 256 << 10

// chunksPerTx bounds how long Put holds SQLite's writer at a time.
const chunksPerTx = 8

// Store reads and writes encrypted files.
type Store struct {
	DB   *db.DB
	Keys *pii.Keys
}

// File describes a stored file.
type File struct {
	ID        int64
	Role      string // what the file is, e.g. "job.input"; part of each chunk's AAD
	Size      int64
	Chunks    int
	Pending   bool
	CreatedAt time.Time
}

// aad binds a chunk to its file, role and position, so chunks cannot be
// swapped, reordered or moved between files.
func aad(id int64, role string, n int) string {
	return pii.AAD("file."+role+"."+strconv.Itoa(n), id)
}

// Put stores what r yields as a pending file of the role, in several short
// transactions. The caller attaches it to its owner (Attach) or deletes it.
// Reading more than limit bytes (if limit > 0) fails with an invalid error
// and stores nothing.
func (s *Store) Put(ctx context.Context, role string, r io.Reader, limit int64) (id int64, err error) {
	if role == "" {
		return 0, errors.New("filestore: put: empty role")
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		id, err = tx.InsertID(ctx, "INSERT INTO stored_files (role, created_at) VALUES (?, ?)", role, tx.Now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store file: %w", err)
	}
	fileID := id // a failed Put returns 0, and deletes what it stored
	defer func() {
		if err != nil {
			dctx := context.WithoutCancel(ctx)
			_ = s.DB.Update(dctx, func(tx *db.Tx) error { return Delete(dctx, tx, fileID) })
		}
	}()
	buf := make([]byte, ChunkSize)
	var size int64
	n := 0
	for eof := false; !eof; {
		var sealed [][]byte
		for len(sealed) < chunksPerTx && !eof {
			k, err := io.ReadFull(r, buf)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				eof = true
			} else if err != nil {
				return 0, fmt.Errorf("store file: read: %w", err)
			}
			if k == 0 {
				break
			}
			if size += int64(k); limit > 0 && size > limit {
				return 0, tooLarge(limit)
			}
			ct, err := s.Keys.Seal(string(buf[:k]), aad(id, role, n+len(sealed)))
			if err != nil {
				return 0, err
			}
			sealed = append(sealed, ct)
		}
		if len(sealed) == 0 {
			break
		}
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			for i, ct := range sealed {
				if _, err := tx.Exec(ctx, "INSERT INTO stored_file_chunks (file_id, n, data) VALUES (?, ?, ?)", id, n+i, ct); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, "UPDATE stored_files SET size = ?, chunks = ? WHERE id = ?", size, n+len(sealed), id)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("store file: %w", err)
		}
		n += len(sealed)
	}
	return id, nil
}

// PutBytes stores data as a pending file of the role.
func (s *Store) PutBytes(ctx context.Context, role string, data []byte) (int64, error) {
	return s.Put(ctx, role, bytes.NewReader(data), 0)
}

func tooLarge(limit int64) error {
	return apperr.Field("file", fmt.Sprintf("文件超过 %d MB", limit>>20), fmt.Sprintf("the file is over %d MB", limit>>20))
}

// Attach takes a pending file for its owner inside the owner's transaction:
// PurgePending leaves it alone from then on.
func Attach(ctx context.Context, tx *db.Tx, id int64) error {
	res, err := tx.Exec(ctx, "UPDATE stored_files SET pending = FALSE WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("attach file %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("attach file %d: %w", id, errNotFound)
	}
	return nil
}

// Delete removes a file and its chunks inside tx; a missing file is no error.
func Delete(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM stored_file_chunks WHERE file_id = ?", id); err != nil {
		return fmt.Errorf("delete file %d: %w", id, err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM stored_files WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete file %d: %w", id, err)
	}
	return nil
}

// PurgePending deletes files still pending that were stored before cutoff
// (an upload whose job was never created). It returns how many went.
func (s *Store) PurgePending(ctx context.Context, cutoff time.Time) (int, error) {
	n := 0
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		ids, err := tx.IDs(ctx, "SELECT id FROM stored_files WHERE pending = TRUE AND created_at < ?", cutoff)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := Delete(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

var errNotFound = apperr.NotFoundf("文件", "file")

// Stat describes a file.
func (s *Store) Stat(ctx context.Context, id int64) (*File, error) {
	var f File
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT id, role, size, chunks, pending, created_at FROM stored_files WHERE id = ?", id).
			Scan(&f.ID, &f.Role, &f.Size, &f.Chunks, &f.Pending, &f.CreatedAt)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("file %d: %w", id, err)
	}
	return &f, nil
}

// Open returns a reader of the file's plain bytes. It reads one chunk at a
// time, each in its own short transaction, and fails (wrapping
// pii.ErrCorrupt) if a chunk was altered, moved or is missing.
func (s *Store) Open(ctx context.Context, id int64) (*Reader, error) {
	f, err := s.Stat(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Reader{ctx: ctx, s: s, f: *f}, nil
}

// ReadAll returns the whole file.
func (s *Store) ReadAll(ctx context.Context, id int64) ([]byte, error) {
	r, err := s.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(make([]byte, 0, r.f.Size))
	if _, err := out.ReadFrom(r); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Reader reads a stored file in order.
type Reader struct {
	ctx  context.Context
	s    *Store
	f    File
	next int    // the next chunk to load
	buf  []byte // the unread rest of the current chunk
	read int64
}

// Size is the file's length in bytes.
func (r *Reader) Size() int64 { return r.f.Size }

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.next >= r.f.Chunks {
			if r.read != r.f.Size {
				return 0, fmt.Errorf("file %d: read %d of %d bytes: %w", r.f.ID, r.read, r.f.Size, pii.ErrCorrupt)
			}
			return 0, io.EOF
		}
		if err := r.load(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	r.read += int64(n)
	return n, nil
}

func (r *Reader) load() error {
	var ct []byte
	err := r.s.DB.View(r.ctx, func(tx *db.Tx) error {
		return tx.QueryRow(r.ctx, "SELECT data FROM stored_file_chunks WHERE file_id = ? AND n = ?", r.f.ID, r.next).Scan(&ct)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("file %d: chunk %d is missing: %w", r.f.ID, r.next, pii.ErrCorrupt)
	}
	if err != nil {
		return fmt.Errorf("file %d: %w", r.f.ID, err)
	}
	plain, err := r.s.Keys.Open(ct, aad(r.f.ID, r.f.Role, r.next))
	if err != nil {
		return fmt.Errorf("file %d chunk %d: %w", r.f.ID, r.next, err)
	}
	r.buf = []byte(plain)
	r.next++
	return nil
}

// Close implements io.Closer.
func (r *Reader) Close() error { return nil }
