package filestore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/filestore"
	"estateclub/internal/pii"
)

func mustKeys(t *testing.T) *pii.Keys {
	t.Helper()
	k, err := pii.NewKeys(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rawChunks returns every stored chunk's bytes as the database holds them.
func rawChunks(t *testing.T, d *db.DB) [][]byte {
	t.Helper()
	var out [][]byte
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT data FROM stored_file_chunks ORDER BY file_id, n")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPutOpenDelete(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &filestore.Store{DB: d, Keys: mustKeys(t)}
		for _, size := range []int{0, 1, filestore.ChunkSize, 9*filestore.ChunkSize + 17} {
			data := make([]byte, size)
			_, _ = rand.Read(data)
			copy(data, "13800138000,310101199001011234,") // a marker to look for in the stored bytes
			id, err := s.PutBytes(ctx, "job.input", data)
			if err != nil {
				t.Fatalf("put %d bytes: %v", size, err)
			}
			got, err := s.ReadAll(ctx, id)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("size %d: read back %d bytes, err %v", size, len(got), err)
			}
			f, err := s.Stat(ctx, id)
			if err != nil || f.Size != int64(size) || !f.Pending || f.Chunks != (size+filestore.ChunkSize-1)/filestore.ChunkSize {
				t.Fatalf("stat %+v %v", f, err)
			}
		}
		for _, ct := range rawChunks(t, d) {
			if len(ct) > filestore.ChunkSize+64 {
				t.Fatalf("a stored chunk holds %d bytes", len(ct))
			}
			if bytes.Contains(ct, []byte("13800138000")) || bytes.Contains(ct, []byte("310101199001011234")) {
				t.Fatal("a stored chunk holds plain text")
			}
		}
		id, _ := s.PutBytes(ctx, "job.output", []byte("报告"))
		if err := d.Update(ctx, func(tx *db.Tx) error { return filestore.Delete(ctx, tx, id) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, id); apperr.As(err).Code != apperr.NotFound {
			t.Fatalf("deleted file opens: %v", err)
		}
	})
}

// A chunk moved to another file or position, or altered, fails to open.
func TestTamperedChunksFail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &filestore.Store{DB: d, Keys: mustKeys(t)}
		data := bytes.Repeat([]byte("x"), 2*filestore.ChunkSize)
		a, _ := s.PutBytes(ctx, "job.input", data)
		b, _ := s.PutBytes(ctx, "job.input", data)
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.Update(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		// b's first chunk replaced by a's (same plain text, other file).
		exec("UPDATE stored_file_chunks SET data = (SELECT data FROM stored_file_chunks WHERE file_id = ? AND n = 0) WHERE file_id = ? AND n = 0", a, b)
		if _, err := s.ReadAll(ctx, b); !errors.Is(err, pii.ErrCorrupt) {
			t.Fatalf("moved chunk: %v", err)
		}
		// a's chunks swapped.
		exec("UPDATE stored_file_chunks SET n = 5 WHERE file_id = ? AND n = 0", a)
		exec("UPDATE stored_file_chunks SET n = 0 WHERE file_id = ? AND n = 1", a)
		exec("UPDATE stored_file_chunks SET n = 1 WHERE file_id = ? AND n = 5", a)
		if _, err := s.ReadAll(ctx, a); !errors.Is(err, pii.ErrCorrupt) {
			t.Fatalf("swapped chunks: %v", err)
		}
		// a missing chunk.
		c, _ := s.PutBytes(ctx, "job.input", data)
		exec("DELETE FROM stored_file_chunks WHERE file_id = ? AND n = 1", c)
		if _, err := s.ReadAll(ctx, c); !errors.Is(err, pii.ErrCorrupt) {
			t.Fatalf("missing chunk: %v", err)
		}
	})
}

func TestPutLimitAndPurgePending(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		d.Clock = func() time.Time { return now }
		s := &filestore.Store{DB: d, Keys: mustKeys(t)}
		if _, err := s.Put(ctx, "job.input", io.LimitReader(zeros{}, 3*filestore.ChunkSize), 2*filestore.ChunkSize); apperr.As(err).Code != apperr.Invalid {
			t.Fatalf("over the limit: %v", err)
		}
		if n := len(rawChunks(t, d)); n != 0 {
			t.Fatalf("a refused file left %d chunks", n)
		}
		if n, err := s.PurgePending(ctx, now.Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("a refused file was left pending: %d %v", n, err)
		}
		kept, _ := s.PutBytes(ctx, "job.input", []byte("kept"))
		left, _ := s.PutBytes(ctx, "job.input", []byte("left behind"))
		if err := d.Update(ctx, func(tx *db.Tx) error { return filestore.Attach(ctx, tx, kept) }); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgePending(ctx, now.Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("purged fresh files: %d %v", n, err)
		}
		now = now.Add(2 * time.Hour)
		if n, err := s.PurgePending(ctx, now.Add(-time.Hour)); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if _, err := s.Stat(ctx, left); err == nil {
			t.Fatal("a pending file survived the purge")
		}
		if got, err := s.ReadAll(ctx, kept); err != nil || string(got) != "kept" {
			t.Fatalf("attached file: %q %v", got, err)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
