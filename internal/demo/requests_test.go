package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/privacy"
	"estateclub/internal/request"
)

// TestDemoRequests checks the demo's year of requests: every state of the
// queue, escalations of both levels, reopened, merged and flagged
// requests, real histories, and a monthly report with something in it.
func checkDemoRequests(t *testing.T, x *seededDemo) {
	d, keys, ctx := x.d, x.keys, context.Background()
	t.Logf("the year of requests took %v", x.took["requests"])
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := d.View(ctx, func(tx *db.Tx) (err error) { n, err = tx.Count(ctx, q, args...); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	total := count("SELECT count(*) FROM requests")
	if total < 280 || total > 340 {
		t.Errorf("%d requests, want about 300", total)
	}
	for _, s := range request.Statuses {
		if n := count("SELECT count(*) FROM requests WHERE status = ?", s); n == 0 {
			t.Errorf("no request is %s", s)
		}
	}
	// Every rating came through the survey engine: one answered invite each.
	if rated, answered := count("SELECT count(*) FROM requests WHERE rating IS NOT NULL"),
		count("SELECT count(*) FROM survey_invites WHERE subject = 'request' AND answered_at IS NOT NULL"); rated != answered {
		t.Errorf("%d requests rated, %d request surveys answered", rated, answered)
	}
	for what, q := range map[string]string{
		"escalated once":     "SELECT count(*) FROM requests WHERE escalation = 1",
		"escalated twice":    "SELECT count(*) FROM requests WHERE escalation = 2",
		"reopened":           "SELECT count(*) FROM requests WHERE reopened > 0",
		"merged":             "SELECT count(*) FROM requests WHERE merged_into IS NOT NULL",
		"flagged":            "SELECT count(*) FROM requests WHERE flagged",
		"rated":              "SELECT count(*) FROM requests WHERE rating IS NOT NULL",
		"survey answers":     "SELECT count(*) FROM survey_invites WHERE subject = 'request' AND answered_at IS NOT NULL",
		"surveys unanswered": "SELECT count(*) FROM survey_invites WHERE subject = 'request' AND answered_at IS NULL",
		"transferred":        "SELECT count(*) FROM request_events WHERE action = 'transferred'",
		"waiting, answered":  "SELECT count(*) FROM request_events WHERE action = 'member_replied'",
		"confirmed":          "SELECT count(*) FROM request_events WHERE action = 'confirmed'",
		"closed by the job":  "SELECT count(*) FROM request_events WHERE action = 'auto_closed'",
		"internal notes":     "SELECT count(*) FROM request_messages WHERE internal",
		"overdue now":        "SELECT count(*) FROM requests r WHERE " + request.OverdueSQL,
		"departments":        "SELECT count(*) FROM request_departments",
		"routed to property": "SELECT count(*) FROM requests r JOIN request_departments d ON d.id = r.department_id WHERE d.code = 'property'",
		"a year back":        "SELECT count(*) FROM requests WHERE created_at < ?",
	} {
		var n int
		if what == "a year back" {
			n = count(q, time.Now().AddDate(0, -11, 0))
		} else if what == "overdue now" {
			n = count(q, time.Now(), time.Now())
		} else {
			n = count(q)
		}
		if n == 0 {
			t.Errorf("no requests %s", what)
		}
	}
	// The portal's member has one closed, one waiting for her, one resolved.
	ms := &member.Service{DB: d, Keys: keys}
	m, err := ms.ByMobile(ctx, PortalMobile)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []request.Status{request.Closed, request.Waiting, request.Resolved} {
		if n := count("SELECT count(*) FROM requests WHERE member_id = ? AND status = ? AND kind <> 'privacy'", m.ID, s); n != 1 {
			t.Errorf("the portal's member has %d requests %s", n, s)
		}
	}
	checkDemoPIPL(t, d, keys, m.ID, count)
	// Histories run forward in time and end before now.
	if n := count("SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id WHERE e.at < r.created_at OR e.at > ?", time.Now()); n != 0 {
		t.Errorf("%d history lines outside their request's life", n)
	}
	// Members file requests once they have joined (the portal's member, who
	// joined lately, aside).
	if n := count("SELECT count(*) FROM requests r JOIN members m ON m.id = r.member_id WHERE r.created_at < m.joined_at AND m.id <> ?", m.ID); n > 3 {
		t.Errorf("%d requests from members who had not joined yet", n)
	}
	// Last month's report has figures for every column.
	svc := &request.Service{DB: d, Keys: keys}
	last := time.Now().AddDate(0, -1, 0)
	rep, err := svc.Report(ctx, request.ReportFilter{Month: request.MonthOf(last)})
	if err != nil {
		t.Fatal(err)
	}
	tl := rep.Total
	if tl.Received < 10 || tl.Resolved < 10 || tl.AvgResponseHours == nil || tl.AvgResolveHours == nil || tl.WithinDueRate == nil ||
		tl.AvgRating == nil || len(rep.ByDepartment) < 3 || len(rep.ByProject) < 4 || len(rep.Topics) < 5 {
		t.Errorf("last month's report: %+v, %d departments, %d projects, %d topics", tl, len(rep.ByDepartment), len(rep.ByProject), len(rep.Topics))
	}
}

// checkDemoPIPL checks the demo's PIPL requests: the portal's member's
// data copy ready to download, another copy being prepared, an account
// deletion waiting for a supervisor, and one approved, its member
// anonymised with the points ledger still in balance.
func checkDemoPIPL(t *testing.T, d *db.DB, keys *pii.Keys, portal int64, count func(string, ...any) int) {
	t.Helper()
	ctx := context.Background()
	svc := &request.Service{DB: d, Keys: keys}
	var copyID int64
	if err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM requests WHERE member_id = ? AND subkind = 'data_copy'
			AND status IN ('resolved', 'closed') AND copy_file_id IS NOT NULL`, portal).Scan(&copyID)
	}); err != nil {
		t.Fatalf("the portal's member has no data copy ready: %v", err)
	}
	file, err := svc.CopyFile(ctx, copyID, portal)
	if err != nil {
		t.Fatalf("the portal's member's copy: %v", err)
	}
	if n := count("SELECT count(*) FROM stored_files WHERE id = ?", file); n != 1 {
		t.Errorf("the portal's member's copy file %d is not stored", file)
	}
	if n := count(`SELECT count(*) FROM requests WHERE subkind = 'data_copy' AND member_id <> ?
		AND status NOT IN ('resolved', 'closed') AND copy_file_id IS NULL`, portal); n != 1 {
		t.Errorf("%d data copies being prepared, want 1", n)
	}
	if n := count(`SELECT count(*) FROM requests WHERE subkind = 'account_deletion'
		AND status NOT IN ('resolved', 'closed') AND approved_by IS NULL AND assignee_id IS NOT NULL`); n != 1 {
		t.Errorf("%d account deletions waiting for approval, want 1", n)
	}
	var deleted int64
	var name, status, mobileIdx string
	if err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT m.id, m.name, m.status, m.mobile_idx FROM requests r JOIN members m ON m.id = r.member_id
			JOIN staff s ON s.id = r.approved_by
			WHERE r.subkind = 'account_deletion' AND r.status IN ('resolved', 'closed') AND s.login = 'sh.supervisor'`).Scan(&deleted, &name, &status, &mobileIdx)
	}); err != nil {
		t.Fatalf("no account deletion approved by sh.supervisor: %v", err)
	}
	if name != privacy.ErasedName || status != "closed" || !strings.HasPrefix(mobileIdx, "erased:") {
		t.Errorf("the deleted member is %q, %s, %q: not anonymised", name, status, mobileIdx)
	}
	if n := count("SELECT count(*) FROM requests WHERE member_id = ? AND subkind <> 'account_deletion'", deleted); n != 0 {
		t.Errorf("the deleted member filed %d other requests", n)
	}
	rep, err := (&points.Service{DB: d}).Verify(ctx)
	if err != nil || !rep.OK() {
		t.Errorf("points verify after the demo's deletion: %+v %v", rep, err)
	}
}
