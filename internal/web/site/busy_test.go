package site

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/web"
)

// While another process holds SQLite's write lock, a write answers 503 with
// the busy code, a message saying to retry and Retry-After (JSON and the
// console's page alike); reads with a token or a session answer; /readyz
// says busy. Once the lock is gone, all is well again.
func TestBusyDatabase(t *testing.T) {
	path := dbtest.DSN(t, db.SQLite)
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d.LockWait = 300 * time.Millisecond
	e := newEnvOn(t, d)
	e.mustStaff(t, "alice", "", "SH")
	api := e.mustToken(t, "alice")
	browser := e.mustLogin(t, "alice")
	d.Clock = func() time.Time { return time.Now().Add(time.Hour) } // the token and the session are an hour old

	release := dbtest.HoldWriteLock(t, path)
	retryAfter := func(res *http.Response) {
		t.Helper()
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n <= 0 {
			t.Errorf("%s: Retry-After %q", res.Request.URL.Path, res.Header.Get("Retry-After"))
		}
	}

	res := api.json(http.MethodPost, "/api/v1/me/tokens", map[string]any{"name": "x"}, nil)
	b := mustJSON[web.ErrorBody](t, res, http.StatusServiceUnavailable)
	retryAfter(res)
	if b.Error.Code != string(apperr.Busy) || !strings.Contains(b.Error.Message, "稍后重试") {
		t.Errorf("busy body = %+v", b)
	}
	api.lang = "en"
	res = api.json(http.MethodPost, "/api/v1/me/tokens", map[string]any{"name": "x"}, nil)
	if b := mustJSON[web.ErrorBody](t, res, http.StatusServiceUnavailable); !strings.Contains(b.Error.Message, "try again") {
		t.Errorf("busy body in English = %+v", b)
	}
	api.lang = ""

	res = browser.postForm("/account/tokens", url.Values{"name": {"x"}})
	body := mustStatus(t, res, http.StatusServiceUnavailable)
	retryAfter(res)
	if !strings.Contains(body, "数据库繁忙") {
		t.Errorf("console busy page lacks the message:\n%s", body)
	}

	me := mustJSON[struct{ Staff struct{ Login string } }](t, api.get("/api/v1/me"), http.StatusOK)
	if me.Staff.Login != "alice" {
		t.Errorf("me under the lock = %v", me)
	}
	mustStatus(t, browser.get("/account"), http.StatusOK)

	res = e.anon(t).get("/readyz")
	if r := mustJSON[map[string]any](t, res, http.StatusServiceUnavailable); r["database"] != "busy" {
		t.Errorf("readyz under the lock = %v, want database busy", r)
	}
	retryAfter(res)

	release()
	if r := mustJSON[map[string]any](t, e.anon(t).get("/readyz"), http.StatusOK); r["database"] != "sqlite" {
		t.Errorf("readyz after the lock = %v", r)
	}
	mustJSON[map[string]any](t, api.json(http.MethodPost, "/api/v1/me/tokens", map[string]any{"name": "x"}, nil), http.StatusCreated)
}
