package testfix

import (
	"context"
	"sync"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Count runs a SELECT count(*) query.
func (e *Env) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	return Count(t, e.DB, query, args...)
}

// Count runs a SELECT count(*) query on d.
func Count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	err := d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Audit returns the audit entries f picks, over every node (at most 500),
// newest first.
func (e *Env) Audit(t testing.TB, f audit.Filter) []audit.Entry {
	t.Helper()
	f.Unscoped = true
	f.Limit = 500
	entries, _, err := audit.List(context.Background(), e.DB, f)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// WantCode fails the test unless err is an error with code that speaks
// both languages; it returns the error.
func WantCode(t testing.TB, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	e := apperr.As(err)
	if e.ZH == "" || e.EN == "" {
		t.Errorf("error %v lacks a Chinese or English message", err)
	}
	return e
}

// WantErr is WantCode for an error that also names field, unless field
// is "".
func WantErr(t testing.TB, err error, code apperr.Code, field string) *apperr.Error {
	t.Helper()
	e := WantCode(t, err, code)
	if field != "" && e.Field != field {
		t.Fatalf("err = %v on field %q, want %s on %q", err, e.Field, code, field)
	}
	return e
}

// Together calls fn(0) … fn(n-1) in n goroutines released at one moment
// and waits for them all.
func Together(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}
