package site

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
)

// The admin page of the periodic jobs lists each in words with its
// schedule; run now queues a run once however often it is clicked, a
// server runs it, and the page then shows its outcome; the request is in
// the audit log under the job's name in words.
func TestSchedulePage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "root", auth.Admin, "GROUP")
		c := e.mustLogin(t, "root")
		body := mustStatus(t, c.get("/schedule"), http.StatusOK)
		for _, p := range e.srv.Schedule.Jobs {
			if !strings.Contains(body, html.EscapeString(p.ZH)) {
				t.Errorf("the page does not name %s as %q", p.Name, p.ZH)
			}
			if zh, _ := p.When.Describe(); !strings.Contains(body, zh) {
				t.Errorf("the page does not say when %s runs (%q)", p.Name, zh)
			}
		}
		if !strings.Contains(body, "尚未运行") || !strings.Contains(body, "立即运行") {
			t.Errorf("a job never run or the run-now button is missing:\n%s", body)
		}

		const task = "points.report_rollup"
		for i, want := range []string{"schedule.queued", "schedule.already_queued"} {
			res := c.postForm("/schedule/"+task+"/run", nil)
			res.Body.Close()
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/schedule?flash="+want {
				t.Fatalf("run now #%d: %d → %q, want a redirect with %s", i+1, res.StatusCode, loc, want)
			}
		}
		mustStatus(t, c.postForm("/schedule/no.such_job/run", nil), http.StatusNotFound)
		if body := mustStatus(t, c.get("/schedule"), http.StatusOK); !strings.Contains(body, "已排队，等待执行") {
			t.Errorf("the queued run does not show as waiting")
		}

		// A server runs the queued run.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		jc, err := jobs.Start(ctx, jobs.Config{Queue: e.srv.Jobs, Handlers: e.srv.JobHandlers(), Schedule: e.srv.Schedule,
			Worker: jobs.LocalWorker(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer jc.Stop(context.Background())
		var last *jobs.Run
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			list, err := e.srv.Schedule.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range list {
				if st.Name == task && st.Last != nil && st.Last.Manual && st.Last.Status == jobs.RunOK {
					last = st.Last
				}
			}
			if last != nil {
				break
			}
		}
		if last == nil {
			t.Fatalf("the run asked for by hand did not run within a minute")
		}
		body = mustStatus(t, c.get("/schedule"), http.StatusOK)
		row := body[strings.Index(body, `id="task-`+task+`"`):]
		row = row[:strings.Index(row, "</tr>")]
		for _, want := range []string{"成功", "手动", "处理 0 条"} {
			if !strings.Contains(row, want) {
				t.Errorf("the row of %s does not say %q after its run:\n%s", task, want, row)
			}
		}

		entries, _, err := audit.List(ctx, e.d, audit.Filter{Unscoped: true, Action: "periodic.run_now", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].ObjectID != task {
			t.Errorf("run now is audited %d times (%+v), want once: a second click queues nothing", len(entries), entries)
		}

		// In English.
		mustStatus(t, c.postForm("/account/locale", url.Values{"lang": {"en"}}), http.StatusSeeOther)
		body = mustStatus(t, c.get("/schedule"), http.StatusOK)
		for _, p := range e.srv.Schedule.Jobs {
			if !strings.Contains(body, html.EscapeString(p.EN)) {
				t.Errorf("the English page does not name %s as %q", p.Name, p.EN)
			}
		}
		if !strings.Contains(body, "Run now") || !strings.Contains(body, "By hand") {
			t.Errorf("the English page lacks its words")
		}
	})
}
