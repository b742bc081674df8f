package site

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
	"estateclub/internal/web"
)

// mustPending files n applications at org node code in one batch, with
// mobiles 1<prefix><7 digits>, and returns their ids in order.
func mustPending(t testing.TB, e *testEnv, code string, prefix, n int) []int64 {
	t.Helper()
	surnames, givens := []rune("赵钱孙李周吴郑王冯陈"), []rune("伟芳娜敏静丽强磊军洋")
	apps := make([]member.Application, n)
	for i := range apps {
		apps[i] = member.Application{NodeCode: code, Mobile: fmt.Sprintf("1%02d%08d", prefix, i),
			Name: string([]rune{surnames[i%10], givens[i/10%10], givens[i%7]})}
	}
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "tester"})
	res, err := e.srv.Members.ApplyBatch(ctx, apps, member.BatchOptions{Application: true, Source: "staff", NodePath: "/1/", Summary: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i, r := range res {
		if r.Err != nil || r.Outcome != member.Created {
			t.Fatalf("application %d: %v %v", i, r.Outcome, r.Err)
		}
		ids[i] = r.MemberID
	}
	return ids
}

// pendingIn counts the pending applications among ids.
func pendingIn(t testing.TB, e *testEnv, ids []int64) int {
	t.Helper()
	n, _, err := e.srv.Members.Count(context.Background(), member.Filter{IDs: ids, Status: member.Pending})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	hiddenRe   = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
	questionRe = regexp.MustCompile(`<h1 id="confirm-question">([^<]*)</h1>`)
	pagerRe    = regexp.MustCompile(`<a href="\?([^"]*)"[^>]*class="pager-([a-z]+)"`)
)

// mustConfirm posts a batch form and reads the confirmation it answers:
// its question and the form that applies the batch.
func mustConfirm(t *testing.T, c *client, form url.Values) (string, url.Values) {
	t.Helper()
	body := mustStatus(t, c.postForm("/members/review", form), http.StatusOK)
	q := questionRe.FindStringSubmatch(body)
	if q == nil {
		t.Fatalf("no confirmation question:\n%.2000s", body)
	}
	at := strings.Index(body, `id="review-confirm"`)
	out := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(body[at:], -1) {
		out.Add(m[1], html.UnescapeString(m[2]))
	}
	return html.UnescapeString(q[1]), out
}

// mustApplyBatch confirms a batch, runs its job and returns the job page.
func mustApplyBatch(t *testing.T, e *testEnv, c *client, confirm url.Values) string {
	t.Helper()
	loc := mustSeeOther(t, c.postForm("/members/review", confirm), "/members/review/batches/")
	runReviewJobs(t, e)
	return mustStatus(t, c.get(loc), http.StatusOK)
}

func runReviewJobs(t testing.TB, e *testEnv) {
	t.Helper()
	r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: e.srv.Log}
	for {
		ran, err := r.RunOne(context.Background(), []string{web.ReviewJob})
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func jobResult(body string) string {
	m := regexp.MustCompile(`<p id="job-result" class="flash">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// The queue pages, its links keep the filter, and the last page is
// reachable; a batch over every matching row approves exactly those rows
// in the caller's scope, once, whatever the form claims.
func TestReviewQueueSelectAll(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "pd-sup", auth.CitySupervisor, "SH-PD")
		e.mustStaff(t, "sh-sup", auth.CitySupervisor, "SH")
		// The SH and HZ applications come between SH-PD's, so that no
		// bound on ids alone keeps them out of an SH-PD batch.
		pd := mustPending(t, e, "SH-PD", 30, 60)
		sh := mustPending(t, e, "SH", 31, 5)
		hz := mustPending(t, e, "HZ-XH", 32, 3)
		pd = append(pd, mustPending(t, e, "SH-PD", 34, 60)...)
		c := e.mustLogin(t, "pd-sup")

		t.Run("paging keeps the filter", func(t *testing.T) {
			c := c.in(t)
			first := mustStatus(t, c.get("/members/review?per_page=50&channel=sales_site"), http.StatusOK)
			if !strings.Contains(first, `id="review-total">共 120 条<`) || len(reviewQueueIDs(first)) != 50 {
				t.Fatalf("first page: %d rows\n%.3000s", len(reviewQueueIDs(first)), first)
			}
			links := map[string]url.Values{}
			for _, m := range pagerRe.FindAllStringSubmatch(first, -1) {
				links[m[2]], _ = url.ParseQuery(html.UnescapeString(m[1]))
			}
			last, ok := links["last"]
			if !ok || last.Get("page") != "3" || last.Get("per_page") != "50" || last.Get("channel") != "sales_site" || links["next"].Get("page") != "2" {
				t.Fatalf("pager links %v", links)
			}
			var seen []int64
			for p := 1; p <= 3; p++ {
				body := mustStatus(t, c.get(fmt.Sprintf("/members/review?per_page=50&channel=sales_site&page=%d", p)), http.StatusOK)
				seen = append(seen, reviewQueueIDs(body)...)
				if p == 3 && (strings.Contains(body, `class="pager-next"`) || !strings.Contains(body, "第 3 / 3 页")) {
					t.Errorf("the last page offers a next page:\n%.3000s", body)
				}
			}
			slices.Sort(seen)
			want := slices.Clone(pd)
			slices.Sort(want)
			if !slices.Equal(slices.Compact(seen), want) {
				t.Errorf("the three pages hold %d distinct rows, want the 120 SH-PD applications", len(slices.Compact(seen)))
			}
			// A filter that matches none of them.
			if body := mustStatus(t, c.get("/members/review?channel=online"), http.StatusOK); len(reviewQueueIDs(body)) != 0 {
				t.Error("the channel filter is ignored")
			}
			// An org outside the caller's scope is refused, not widened.
			body := mustStatus(t, c.get("/members/review?org=HZ"), http.StatusBadRequest)
			if ids := reviewQueueIDs(body); len(ids) != 0 {
				t.Errorf("HZ's queue shown to SH-PD: %v", ids)
			}
		})

		t.Run("confirmation counts", func(t *testing.T) {
			c := c.in(t)
			q, _ := mustConfirm(t, c, url.Values{"scope": {"all"}, "decision": {"approve"}})
			if q != "通过 120 条申请？" {
				t.Errorf("confirmation %q, want 通过 120 条申请？", q)
			}
			// The form's filter may narrow, never widen: a tampered org is refused.
			body := mustStatus(t, c.postForm("/members/review", url.Values{"scope": {"all"}, "filter": {"org=HZ"}}), http.StatusBadRequest)
			if got := formErrorText(body); !strings.Contains(got, "HZ") {
				t.Errorf("a filter naming HZ: error %q", got)
			}
			// Ticked ids outside the scope count for nothing.
			body = mustStatus(t, c.postForm("/members/review", url.Values{"id": {strconv.FormatInt(hz[0], 10), strconv.FormatInt(sh[0], 10)}}), http.StatusBadRequest)
			if got := formErrorText(body); got != "没有符合条件的待审核申请（可能已被他人处理）" {
				t.Errorf("ticking only rows outside the scope: error %q", got)
			}
			if got := formErrorText(mustStatus(t, c.postForm("/members/review", url.Values{"decision": {"approve"}}), http.StatusBadRequest)); !strings.HasPrefix(got, "请先勾选") {
				t.Errorf("nothing ticked: error %q", got)
			}
		})

		t.Run("select all across pages", func(t *testing.T) {
			c := c.in(t)
			_, confirm := mustConfirm(t, c, url.Values{"scope": {"all"}, "decision": {"approve"}, "filter": {"per_page=50&page=2"}})
			if confirm.Get("count") != "120" || confirm.Get("key") == "" {
				t.Fatalf("confirmation form %v", confirm)
			}
			// After the confirmation: one is decided by hand, one more arrives.
			mustStatus(t, c.postForm(memberPath(pd[7])+"/review", url.Values{"decision": {"approve"}}), http.StatusSeeOther)
			late := mustPending(t, e, "SH-PD", 33, 1)
			first := c.postForm("/members/review", confirm)
			loc := mustSeeOther(t, first, "/members/review/batches/")
			// A retried post (double click, reload) queues nothing more.
			if again := mustSeeOther(t, c.postForm("/members/review", confirm), "/members/review/batches/"); again != loc {
				t.Errorf("a retried post went to %s, the first to %s", again, loc)
			}
			runReviewJobs(t, e)
			page := mustStatus(t, c.get(loc), http.StatusOK)
			if got := jobResult(page); got != "已通过 119 条。" || !strings.Contains(page, `id="job-expected"`) {
				t.Errorf("job result %q:\n%.3000s", got, page)
			}
			if n := pendingIn(t, e, pd); n != 0 {
				t.Errorf("%d SH-PD applications still pending", n)
			}
			if pendingIn(t, e, sh) != 5 || pendingIn(t, e, hz) != 3 || pendingIn(t, e, late) != 1 {
				t.Errorf("the batch touched rows outside its scope or its snapshot: SH %d/5, HZ %d/3, late %d/1 pending",
					pendingIn(t, e, sh), pendingIn(t, e, hz), pendingIn(t, e, late))
			}
			// Another reviewer cannot open the job of a scope that is not theirs.
			e.mustStaff(t, "hz-sup", auth.CitySupervisor, "HZ")
			mustStatus(t, e.mustLogin(t, "hz-sup").get(loc), http.StatusNotFound)
		})

		t.Run("a batch found by mobile keeps no mobile", func(t *testing.T) {
			c := e.mustLogin(t, "sh-sup")
			two := mustPending(t, e, "SH", 35, 2)
			mobile := fmt.Sprintf("1%02d%08d", 35, 1) // two[1]
			q, confirm := mustConfirm(t, c, url.Values{"scope": {"all"}, "decision": {"approve"}, "filter": {"q=" + mobile}})
			if q != "通过 1 条申请？" {
				t.Fatalf("confirmation %q", q)
			}
			mustApplyBatch(t, e, c, confirm)
			if pendingIn(t, e, two[1:]) != 0 || pendingIn(t, e, two[:1]) != 1 || pendingIn(t, e, sh) != 5 {
				t.Errorf("the batch by mobile did not approve just its member")
			}
			var leaked int
			if err := e.d.View(t.Context(), func(tx *db.Tx) (err error) {
				leaked, err = tx.Count(t.Context(), "SELECT count(*) FROM jobs WHERE params LIKE ?", "%"+mobile+"%")
				return err
			}); err != nil || leaked != 0 {
				t.Errorf("%d jobs keep the searched mobile in clear (%v)", leaked, err)
			}
		})

		t.Run("reject in batch with a reason", func(t *testing.T) {
			c := e.mustLogin(t, "sh-sup")
			body := mustStatus(t, c.postForm("/members/review", url.Values{"decision": {"return"}, "scope": {"all"}, "reason": {"  "}}), http.StatusBadRequest)
			if got := formErrorText(body); got != "退回须填写原因" {
				t.Errorf("returning without a reason: %q", got)
			}
			const reason = "申请表缺少本人签名"
			ticked := url.Values{"decision": {"return"}, "reason": {reason}, "id": {strconv.FormatInt(sh[0], 10), strconv.FormatInt(sh[1], 10), strconv.FormatInt(hz[0], 10)}}
			q, confirm := mustConfirm(t, c, ticked)
			if q != "退回 2 条申请？" {
				t.Errorf("confirmation %q", q)
			}
			page := mustApplyBatch(t, e, c, confirm)
			if got := jobResult(page); got != "已退回 2 条。1 条未能处理，原因见下表。" {
				t.Errorf("job result %q", got)
			}
			if !strings.Contains(page, "已不在待审核状态，或不在您的管辖范围") {
				t.Errorf("the out-of-scope row is not listed with its reason:\n%.3000s", page)
			}
			for _, id := range sh[:2] {
				m, err := e.srv.Members.Get(context.Background(), id)
				if err != nil || m.Status != member.Returned || m.ReturnReason != reason {
					t.Errorf("member %d after the batch return: %+v %v", id, m, err)
				}
			}
			if pendingIn(t, e, sh[2:]) != 3 || pendingIn(t, e, hz) != 3 {
				t.Error("the ticked return touched other rows")
			}
		})
	})
}
