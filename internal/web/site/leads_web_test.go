package site

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/web"
)

// leadEnv is the sales site of SH-PD: consultants wang and li, manager
// chen (at SH), sales admin xing; and a consultant of HZ-XH.
type leadEnv struct {
	*testEnv
	wang, li, chen, xing, hz *auth.Staff
}

// Their logins start with prefix.
func newLeadEnv(t *testing.T, e *testEnv, prefix string) *leadEnv {
	return &leadEnv{testEnv: e,
		wang: e.mustStaff(t, prefix+"wang", auth.SalesConsultant, "SH-PD"), li: e.mustStaff(t, prefix+"li", auth.SalesConsultant, "SH-PD"),
		chen: e.mustStaff(t, prefix+"chen", auth.SalesManager, "SH"), xing: e.mustStaff(t, prefix+"xing", auth.SalesAdmin, "SH-PD"),
		hz: e.mustStaff(t, prefix+"hz", auth.SalesConsultant, "HZ-XH")}
}

// leadID reads the lead a redirect leads to.
func leadID(t *testing.T, loc string) int64 {
	t.Helper()
	p, _, _ := strings.Cut(strings.TrimPrefix(loc, "/leads/"), "?")
	id, err := strconv.ParseInt(p, 10, 64)
	if err != nil {
		t.Fatalf("redirect %q is not to a lead", loc)
	}
	return id
}

func mustLeadCount(t *testing.T, e *testEnv, f lead.Filter, want int) {
	t.Helper()
	_, n, err := e.srv.Leads.List(context.Background(), f)
	if err != nil || n != want {
		t.Fatalf("leads matching %+v: %d (%v), want %d", f, n, err, want)
	}
}

func TestLeadRegistrationAndFollowUp(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		le := newLeadEnv(t, e, "")
		wang, li := e.mustLogin(t, "wang"), e.mustLogin(t, "li")
		mustPage(t, wang, "/leads/new", `id="lead-form"`, `name="mobile"`, "lead-check.js")

		loc := mustRedirect(t, "register", wang.postForm("/leads", url.Values{"project": {"SH-PD"}, "source": {"visit"},
			"mobile": {"138 0000 1111"}, "surname": {"张"}, "gender": {"male"}, "owner": {"me"}}))
		id := leadID(t, loc)
		mustPage(t, wang, loc, "张", "138****1111", "测试 wang")

		// The check as one types: the owner and the end of the protection.
		frag := mustPage(t, li, "/leads/check?mobile=13800001111", `id="check-known"`, "测试 wang", `id="check-until"`)
		if strings.Contains(frag, "<html") {
			t.Errorf("the check answers a whole page, want a fragment")
		}
		mustPage(t, li, "/leads/check?mobile=13900009999", `id="check-new"`, "新客户，可以登记</p>")

		// Without script: a second registration of the number shows the
		// owner and creates nothing.
		res := li.postForm("/leads", url.Values{"project": {"SH-PD"}, "source": {"call"}, "mobile": {"13800001111"}, "surname": {"李"}, "owner": {"me"}})
		page := readBody(res)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `id="check-known"`) || !strings.Contains(page, "测试 wang") ||
			!strings.Contains(page, "/leads/"+strconv.FormatInt(id, 10)) {
			t.Fatalf("duplicate registration: %d\n%s", res.StatusCode, page)
		}
		mustLeadCount(t, e, lead.Filter{}, 1)
		l, err := e.srv.Leads.Get(context.Background(), id)
		if err != nil || l.OwnerID == nil || *l.OwnerID != le.wang.ID || l.Surname != "张" {
			t.Fatalf("the lead after a duplicate: %+v %v", l, err)
		}

		// A status missing a required field is refused, naming the field.
		path := "/leads/" + strconv.FormatInt(id, 10)
		res = wang.postForm(path+"/status", url.Values{"status": {"none"}, "media": {"网络"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "丢失原因") {
			t.Fatalf("no intent without a lost reason: %d\n%s", res.StatusCode, page)
		}
		if l, _ := e.srv.Leads.Get(context.Background(), id); l.Status != lead.C {
			t.Fatalf("a refused change moved the lead to %s", l.Status)
		}
		mustRedirect(t, "status B", wang.postForm(path+"/status", url.Values{"status": {"b"}, "media": {"网络"}, "reason": {"看了样板间"}}))
		mustRedirect(t, "follow-up", wang.postForm(path+"/follow-ups", url.Values{"channel": {"phone"}, "content": {"约周六看房"},
			"next_due": {time.Now().In(web.ChinaTime).AddDate(0, 0, 2).Format("2006-01-02")}}))
		mustPage(t, wang, path, "约周六看房", "B 类", "看了样板间")

		// Another city's consultant does not see the lead.
		hz := e.mustLogin(t, "hz")
		if res := hz.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("HZ consultant opens an SH lead: %d", res.StatusCode)
		}

		// The deal makes the customer a member with the home; it needs the
		// customer's full name first.
		res = wang.postForm(path+"/deals", url.Values{"kind": {"contract"}, "building": {"3"}, "unit": {"1201"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "须填写姓名") {
			t.Fatalf("a deal without the name: %d\n%s", res.StatusCode, page)
		}
		mustRedirect(t, "status A", wang.postForm(path+"/status", url.Values{"status": {"a"}, "name": {"张伟"}}))
		mustRedirect(t, "deal", wang.postForm(path+"/deals", url.Values{"kind": {"contract"}, "project": {"SH-PD"},
			"building": {"3"}, "unit": {"1201"}, "date": {time.Now().In(web.ChinaTime).Format("2006-01-02")}}))
		l, err = e.srv.Leads.Get(context.Background(), id)
		if err != nil || l.Status != lead.Won || l.MemberID == nil {
			t.Fatalf("after the deal: %+v %v", l, err)
		}
		m, err := e.srv.Members.Get(context.Background(), *l.MemberID)
		if err != nil || len(m.Properties) != 1 || m.Properties[0].Unit != "1201" {
			t.Fatalf("member of the deal: %+v %v", m, err)
		}
		mustPage(t, wang, path, `id="deals"`, "1201")
	})
}

func TestLeadManagerHandoverPoolAndReconciliation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		le := newLeadEnv(t, e, "")
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: le.wang.ID, Login: "wang"})
		var ids []int64
		for i := range 5 {
			res, err := e.srv.Leads.Register(ctx, lead.Registration{ProjectCode: "SH-PD", Source: lead.Visit,
				Mobile: "1370000000" + strconv.Itoa(i), OwnerID: &le.wang.ID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Lead.ID)
		}
		chen := e.mustLogin(t, "chen")
		mustPage(t, chen, "/leads/manage", `id="workload"`, "测试 wang", `id="handover-form"`)
		// A consultant may not reach the manager's pages.
		if res := e.mustLogin(t, "li").get("/leads/manage"); res.StatusCode != http.StatusForbidden {
			t.Errorf("consultant on the manager's page: %d", res.StatusCode)
		}

		// Handover: every lead of wang moves to li, none is lost.
		res := chen.postForm("/leads/handover", url.Values{"from": {strconv.FormatInt(le.wang.ID, 10)}, "to": {strconv.FormatInt(le.li.ID, 10)}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "交接原因") {
			t.Fatalf("handover without a reason: %d\n%s", res.StatusCode, page)
		}
		mustRedirect(t, "handover", chen.postForm("/leads/handover", url.Values{"from": {strconv.FormatInt(le.wang.ID, 10)},
			"to": {strconv.FormatInt(le.li.ID, 10)}, "reason": {"离职"}}))
		mustLeadCount(t, e, lead.Filter{OwnerID: &le.wang.ID}, 0)
		mustLeadCount(t, e, lead.Filter{OwnerID: &le.li.ID}, 5)
		mustLeadCount(t, e, lead.Filter{}, 5)

		// Bulk reassignment back to wang from the list.
		mustRedirect(t, "assign", chen.postForm("/leads/assign", url.Values{"lead": {strconv.FormatInt(ids[0], 10), strconv.FormatInt(ids[1], 10)},
			"to": {strconv.FormatInt(le.wang.ID, 10)}, "reason": {"跟进不力"}, "back": {"/leads"}}))
		mustLeadCount(t, e, lead.Filter{OwnerID: &le.wang.ID}, 2)

		// A neglected lead goes back to the pool (the background job), and
		// wang claims it from there.
		if err := e.d.Update(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), "UPDATE leads SET touched_at = ?, protected_until = NULL WHERE id = ?", time.Now().AddDate(0, 0, -40).UTC(), ids[4])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n, _ := e.srv.Org.ByCode(context.Background(), "SH-PD")
		if _, err := e.srv.Jobs.Enqueue(context.Background(), jobs.New{Kind: lead.PoolReturnJobKind, NodePath: n.Path, FileName: "pool"}); err != nil {
			t.Fatal(err)
		}
		runner := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if ran, err := runner.RunOne(context.Background(), []string{lead.PoolReturnJobKind}); !ran || err != nil {
			t.Fatalf("pool return: %v %v", ran, err)
		}
		wang := e.mustLogin(t, "wang")
		mustPage(t, wang, "/leads?pool=1", "137****0004", "/leads/"+strconv.FormatInt(ids[4], 10)+"/pool-claim")
		mustRedirect(t, "pool claim", wang.postForm("/leads/"+strconv.FormatInt(ids[4], 10)+"/pool-claim", nil))
		if l, _ := e.srv.Leads.Get(context.Background(), ids[4]); l.InPool || l.OwnerID == nil || *l.OwnerID != le.wang.ID {
			t.Fatalf("after the claim: %+v", l)
		}

		// Reconciliation: yesterday's paper says wang had 2 visits; the
		// system has none, so signing off needs a note.
		xing := e.mustLogin(t, "xing")
		yday := web.ChinaDay(-1).String()
		recon := "/leads/projects/SH-PD/reconcile"
		mustPage(t, xing, recon+"?day="+yday, `id="sheet-form"`, "测试 wang")
		mustRedirect(t, "sheet", xing.postForm(recon, url.Values{"day": {yday}, "visits_" + strconv.FormatInt(le.wang.ID, 10): {"2"},
			"calls_" + strconv.FormatInt(le.wang.ID, 10): {"0"}}))
		mustPage(t, xing, recon+"?day="+yday, "差异 1 处")
		res = xing.postForm(recon+"/sign-off", url.Values{"day": {yday}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "请填写说明") {
			t.Fatalf("sign-off of a differing day without a note: %d\n%s", res.StatusCode, page)
		}
		mustRedirect(t, "sign-off", xing.postForm(recon+"/sign-off", url.Values{"day": {yday}, "note": {"两位客户未登记，已补录提醒"}}))
		mustOperatorRef(t, mustPage(t, xing, recon+"?day="+yday, `id="recon-signed"`, "两位客户未登记"), "xing")
		res = xing.postForm(recon, url.Values{"day": {yday}, "visits_" + strconv.FormatInt(le.wang.ID, 10): {"3"}})
		if res.StatusCode < 400 {
			t.Errorf("a signed day took new counts: %d", res.StatusCode)
		}
		res.Body.Close()
		// Another city's project is not theirs.
		if res := xing.get("/leads/projects/HZ-XH/reconcile"); res.StatusCode != http.StatusNotFound {
			t.Errorf("SH admin reconciles HZ-XH: %d", res.StatusCode)
		}

		// Reports and their export.
		mustPage(t, chen, "/leads/reports", `id="report-charts"`, "<svg", "每日来人来电")
		res = chen.get("/leads/reports/export")
		if body := readBody(res); res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
			t.Errorf("report export: %d", res.StatusCode)
		}
		res = chen.get("/leads/export")
		if body := readBody(res); res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
			t.Errorf("lead export: %d", res.StatusCode)
		}
	})
}
