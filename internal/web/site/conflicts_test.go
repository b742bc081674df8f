package site

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
	"estateclub/internal/web"
	"estateclub/internal/web/api"
)

// conflictCSV gives 林晓雨's mobile to 张三丰 and brings one new member.
const conflictCSV = "姓名,性别,手机号码\n张三丰,男,13700000001\n赵新,女,13700000002\n"

// mustConflictImport enrols 林晓雨 (approved) in Hangzhou, imports
// conflictCSV there as hz-spec through the console and runs the job.
func mustConflictImport(t *testing.T, e *testEnv) (lin *member.Member, jobID string) {
	t.Helper()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
	lin, _, err := e.srv.Members.Apply(ctx, member.Application{NodeCode: "HZ-XH", Name: "林晓雨", Gender: "女", Mobile: "13700000001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Members.Review(ctx, lin.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	res := e.mustLogin(t, "hz-spec").upload("/members/import", map[string]string{"org": "HZ-XH"}, "业主更新.csv", []byte(conflictCSV))
	m := regexp.MustCompile(`^/jobs/(\d+)`).FindStringSubmatch(res.Header.Get("Location"))
	res.Body.Close()
	if m == nil {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if ran, err := r.RunOne(context.Background(), []string{web.ImportJob}); !ran || err != nil {
		t.Fatalf("run: %v %v", ran, err)
	}
	return lin, m[1]
}

// An import that would have renamed an approved member leaves her as she
// is; Hangzhou's supervisor sees the conflict (masked) from the job and
// applies it; Shanghai's supervisor and the specialist can do neither.
func TestImportConflictsInTheConsole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "hz-spec", auth.CitySpecialist, "HZ")
		e.mustStaff(t, "hz-boss", auth.CitySupervisor, "HZ")
		e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
		lin, job := mustConflictImport(t, e)
		spec := e.mustLogin(t, "hz-spec")

		page := readBody(spec.get("/jobs/" + job))
		if !strings.Contains(page, "新增 1，合并 0，冲突 1，失败 0") || !strings.Contains(page, "1 行与已有会员资料不一致") {
			t.Fatalf("job page:\n%s", page)
		}
		if m, _ := e.srv.Members.Get(context.Background(), lin.ID); m.Name != "林晓雨" || m.Gender != "female" {
			t.Fatalf("the import changed 林晓雨: %s %s", m.Name, m.Gender)
		}
		// The error report lists the conflict, both names masked.
		if text := xlsxText(t, []byte(readBody(spec.get("/jobs/"+job+"/output")))); !strings.Contains(text, "姓名：会员为“林**”，本行为“张**”") {
			t.Fatalf("error report:\n%s", text)
		}
		// The specialist may not decide.
		if res := spec.get("/members/import/conflicts?job=" + job); res.StatusCode != http.StatusForbidden {
			t.Fatalf("specialist sees the conflicts: %d", res.StatusCode)
		}
		if res := spec.postForm("/members/import/conflicts", url.Values{"id": {"1"}, "decision": {"apply"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("specialist decides: %d", res.StatusCode)
		}

		boss := e.mustLogin(t, "hz-boss")
		if res := boss.get("/jobs/" + job); res.StatusCode == http.StatusOK {
			t.Fatalf("the supervisor (no member.write) opened the job page")
		}
		page = readBody(boss.get("/members/import/conflicts?job=" + job))
		id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(page)
		if id == nil || !strings.Contains(page, "林**") || !strings.Contains(page, "张**") || strings.Contains(page, "张三丰") ||
			!strings.Contains(page, "业主更新.csv 第 2 行") {
			t.Fatalf("conflicts page:\n%s", page)
		}

		// Shanghai's supervisor sees nothing and cannot decide it.
		sh := e.mustLogin(t, "sh-boss")
		if page := readBody(sh.get("/members/import/conflicts")); strings.Contains(page, `name="id"`) || !strings.Contains(page, "没有待处理的导入冲突") {
			t.Fatalf("Shanghai sees Hangzhou's conflict:\n%s", page)
		}
		res := sh.postForm("/members/import/conflicts", url.Values{"id": {id[1]}, "decision": {"apply"}})
		if body := readBody(res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "#"+id[1]) {
			t.Fatalf("Shanghai decided: %d\n%s", res.StatusCode, body)
		}
		var list web.List[member.Conflict]
		e.mustToken(t, "sh-boss").json(http.MethodGet, "/api/v1/members/import/conflicts", nil, &list)
		if list.Total != 0 {
			t.Fatalf("Shanghai lists %d conflicts", list.Total)
		}
		var out api.ConflictOutcome
		cid, _ := strconv.ParseInt(id[1], 10, 64)
		e.mustToken(t, "sh-boss").json(http.MethodPost, "/api/v1/members/import/conflicts/decision",
			map[string]any{"ids": []int64{cid}, "decision": "apply"}, &out)
		if len(out.Decided) != 0 || len(out.Failed) != 1 || out.Failed[0].Code != "not_found" {
			t.Fatalf("Shanghai's decision: %+v", out)
		}
		if m, _ := e.srv.Members.Get(context.Background(), lin.ID); m.Name != "林晓雨" {
			t.Fatal("another city's supervisor applied the conflict")
		}

		// Nothing ticked: the page says so.
		if res := boss.postForm("/members/import/conflicts", url.Values{"decision": {"apply"}, "job": {job}}); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("nothing ticked: %d", res.StatusCode)
		}
		// Hangzhou's supervisor applies it.
		res = boss.postForm("/members/import/conflicts", url.Values{"id": {id[1]}, "decision": {"apply"}, "job": {job}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/members/import/conflicts?job="+job) {
			t.Fatalf("apply: %d %s", res.StatusCode, loc)
		}
		res.Body.Close()
		if m, _ := e.srv.Members.Get(context.Background(), lin.ID); m.Name != "张三丰" || m.Gender != "male" {
			t.Fatalf("after applying: %s %s", m.Name, m.Gender)
		}
		h, err := e.srv.Members.History(context.Background(), lin.ID)
		if err != nil || h[0].ActorLogin != "hz-boss" || h[0].Source != "staff" {
			t.Fatalf("history: %+v %v", h, err)
		}
		if page := readBody(boss.get("/members/import/conflicts?job=" + job)); strings.Contains(page, `name="id"`) {
			t.Fatalf("an applied conflict is still listed:\n%s", page)
		}
		e.mustToken(t, "hz-boss").json(http.MethodGet, "/api/v1/members/import/conflicts?status=applied&job="+job, nil, &list)
		if list.Total != 1 || list.Items[0].DecidedBy != "hz-boss" || list.Items[0].Diffs[0] != (member.Diff{Field: "name", Old: "林**", New: "张**"}) {
			t.Fatalf("applied conflicts: %+v", list)
		}
		var n int
		_ = e.d.View(context.Background(), func(tx *db.Tx) (err error) {
			n, err = tx.Count(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'member.conflict.apply' AND actor_login = 'hz-boss' AND object_id = ?",
				fmt.Sprint(lin.ID))
			return err
		})
		if n != 1 {
			t.Fatalf("%d audit entries of the apply, want 1", n)
		}
	})
}
