package privacy_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/privacy"
	"estateclub/internal/testfix"
)

// sheets reads a workbook as sheet name → rows of cells.
func sheets(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	must(t, err)
	defer x.Close()
	out := map[string][][]string{}
	for _, name := range x.GetSheetList() {
		rows, err := x.GetRows(name)
		must(t, err)
		out[name] = rows
	}
	return out
}

// value is column B of the row whose column A is label.
func value(rows [][]string, label string) string {
	for _, r := range rows {
		if len(r) > 1 && r[0] == label {
			return r[1]
		}
	}
	return ""
}

func TestCopyHoldsTheMemberOnly(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := mustFixture(t, e)
		x := f.mustPerson(t, ouyang, false)
		f.mustPerson(t, sima, false)
		ctx := testfix.Ctx()

		id, err := f.privacy.Copy(ctx, x.id)
		must(t, err)
		data, err := f.files.ReadAll(ctx, id)
		must(t, err)
		book := sheets(t, data)

		profile := book["个人资料"]
		for label, want := range map[string]string{"姓名": x.name, "手机号": x.mobile, "身份证号": x.idNo, "地址": x.address,
			"电子邮箱": x.email, "微信": x.wechat, "性别": "男", "会员状态": "正式会员", "标签": "高尔夫"} {
			if got := value(profile, label); got != want {
				t.Errorf("profile %s = %q, want %q", label, got, want)
			}
		}
		if fam := book["家庭成员"]; len(fam) != 2 || fam[1][1] != x.spouse {
			t.Errorf("family = %q", fam)
		}
		if homes := book["房产"]; len(homes) != 2 || homes[1][2] != x.unit {
			t.Errorf("homes = %q", homes)
		}
		if cards := book["会员卡"]; len(cards) != 2 || cards[1][5] != "SF"+x.mobile[3:] {
			t.Errorf("cards = %q", cards)
		}
		ledger := book["积分明细-奖励积分"]
		if len(ledger) != 3 || ledger[1][2] != "500" || ledger[2][2] != "-100" || ledger[2][3] != "400" {
			t.Errorf("reward ledger = %q", ledger)
		}
		if orders := book["积分兑换"]; len(orders) != 2 || !strings.Contains(orders[1][5], x.address) {
			t.Errorf("orders = %q", orders)
		}
		if leads := book["来访来电"]; len(leads) != 2 || leads[1][2] != x.name {
			t.Errorf("leads = %q", leads)
		}
		if fu := book["跟进记录"]; len(fu) != 2 || !strings.Contains(fu[1][2], x.note) {
			t.Errorf("follow-ups = %q", fu)
		}
		if reqs := book["诉求"]; len(reqs) != 2 || reqs[1][4] != x.text {
			t.Errorf("requests = %q", reqs)
		}
		if len(book["资料变更记录"]) < 2 {
			t.Errorf("no profile history in %q", book["资料变更记录"])
		}

		// Nothing of the other member, anywhere in the workbook.
		var all strings.Builder
		for _, rows := range book {
			for _, r := range rows {
				all.WriteString(strings.Join(r, "\t") + "\n")
			}
		}
		for _, n := range sima.needles(e.Keys)[:10] {
			if strings.Contains(all.String(), n) {
				t.Errorf("the copy holds the other member's %q", n)
			}
		}

		// Kept sealed, linked to the member, audited without personal data.
		if n := e.Count(t, "SELECT count(*) FROM privacy_copies WHERE file_id = ? AND member_id = ?", id, x.id); n != 1 {
			t.Errorf("privacy_copies rows = %d", n)
		}
		if st, err := f.files.Stat(ctx, id); err != nil || st.Pending || st.Role != privacy.CopyRole {
			t.Errorf("file = %+v, %v; want kept (not pending) with role %s", st, err, privacy.CopyRole)
		}
		es := e.Audit(t, audit.Filter{Action: "privacy.copy"})
		if len(es) != 1 || es[0].ObjectID != itoa(x.id) {
			t.Fatalf("audit = %+v", es)
		}

		// English sheet names on request; an unknown member is not found.
		en, err := f.privacy.CopyIn(ctx, x.id, "en")
		must(t, err)
		data, err = f.files.ReadAll(ctx, en)
		must(t, err)
		if got := value(sheets(t, data)["Profile"], "Mobile"); got != x.mobile {
			t.Errorf("English profile mobile = %q", got)
		}
		_, err = f.privacy.Copy(ctx, 99999)
		testfix.WantCode(t, err, apperr.NotFound)
	})
}

func TestAnonymiseErasesEverywhere(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := mustFixture(t, e)
		y := f.mustPerson(t, sima, true)
		before := testfix.Blobs(t, e.DB)
		x := f.mustPerson(t, ouyang, true)
		var sealed []string
		for sum := range testfix.Blobs(t, e.DB) {
			if _, ok := before[sum]; !ok {
				sealed = append(sealed, sum)
			}
		}
		if len(sealed) < 8 {
			t.Fatalf("only %d sealed values of the member found: the fixture is too thin", len(sealed))
		}
		// The scanner sees the data while it is there.
		if found := testfix.FindPII(t, e.DB, x.needles(e.Keys)...); len(found) < 10 {
			t.Fatalf("the scan finds the member's data in %d places only: %q", len(found), found)
		}
		ctx := testfix.Ctx()
		reward := e.Balance(t, x.id, points.Reward)
		postings := e.Count(t, "SELECT count(*) FROM point_postings p JOIN point_accounts a ON a.id = p.account_id WHERE a.member_id = ?", x.id)

		must(t, f.privacy.Anonymise(ctx, x.id, "会员"+x.name+"申请注销（诉求）"))

		testfix.ScanForPII(t, e.DB, x.needles(e.Keys)...)
		after := testfix.Blobs(t, e.DB)
		for _, sum := range sealed {
			if at, ok := after[sum]; ok {
				t.Errorf("a sealed value of the member is left in %s", at)
			}
		}

		// The shell stays: closed, nameless, with its ledger whole.
		m, err := e.Members.Get(ctx, x.id)
		must(t, err)
		if m.Status != member.Closed || m.Name != privacy.ErasedName || m.Mobile != "" || m.IDNumber != "" || m.Address != "" ||
			m.Email != "" || len(m.Family) != 0 || len(m.Tags) != 0 || m.Consent.SMS {
			t.Errorf("member after erasure = %+v", m)
		}
		if len(m.Properties) != 1 || m.Properties[0].Unit != "" || m.Properties[0].ProjectCode != "SH-PD" {
			t.Errorf("homes after erasure = %+v", m.Properties)
		}
		if got := e.Balance(t, x.id, points.Reward); got != reward {
			t.Errorf("reward balance %d, was %d", got, reward)
		}
		if n := e.Count(t, "SELECT count(*) FROM point_postings p JOIN point_accounts a ON a.id = p.account_id WHERE a.member_id = ?", x.id); n != postings {
			t.Errorf("postings %d, were %d", n, postings)
		}
		var sum int64
		must(t, e.DB.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COALESCE(sum(p.amount), 0) FROM point_postings p JOIN point_accounts a ON a.id = p.account_id
				WHERE a.member_id = ? AND a.kind = 'reward'`, x.id).Scan(&sum)
		}))
		if sum != reward {
			t.Errorf("the member's reward postings add up to %d, balance %d", sum, reward)
		}
		e.Verify(t)
		for q, want := range map[string]int{
			"SELECT count(*) FROM redeem_orders WHERE member_id = ?":                                                                  1,
			"SELECT count(*) FROM cards WHERE member_id = ? AND status = 'blocked'":                                                   1,
			"SELECT count(*) FROM requests WHERE member_id = ? AND text = ''":                                                         1,
			"SELECT count(*) FROM member_sessions WHERE member_id = ?":                                                                0,
			"SELECT count(*) FROM privacy_copies WHERE member_id = ?":                                                                 0,
			"SELECT count(*) FROM request_files WHERE request_id IN (SELECT id FROM requests WHERE member_id = ?)":                    0,
			"SELECT count(*) FROM members WHERE id = ? AND (length(mobile_enc) > 0 OR id_enc IS NOT NULL OR address_enc IS NOT NULL)": 0,
		} {
			if n := e.Count(t, q, x.id); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}

		// Not found by mobile, name, pinyin, initials or ID number.
		_, err = e.Members.ByMobile(ctx, x.mobile)
		testfix.WantCode(t, err, apperr.NotFound)
		for _, q := range []string{x.mobile, x.name, x.pinyin, "oymx", x.idNo, x.mobile[7:]} {
			ms, _, err := e.Members.List(ctx, member.Filter{Q: q})
			must(t, err)
			if len(ms) != 0 {
				t.Errorf("search %q finds %d members", q, len(ms))
			}
		}

		// The mobile is free for a new member.
		again, out, err := e.Members.Apply(ctx, member.Application{NodeCode: "SH-PD", Name: "欧阳新", Mobile: x.mobile, IDNumber: x.idNo})
		must(t, err)
		if out != member.Created || again.ID == x.id {
			t.Errorf("a new application with the mobile: %s member %d", out, again.ID)
		}

		// Audited once, without personal data (the scan above covers it).
		es := e.Audit(t, audit.Filter{Action: "privacy.anonymise"})
		if len(es) != 1 || es[0].ObjectID != itoa(x.id) || strings.Contains(es[0].Summary, x.name) {
			t.Errorf("audit = %+v", es)
		}

		// The other member keeps everything.
		om, err := e.Members.Get(ctx, y.id)
		must(t, err)
		if om.Name != y.name || om.Status != member.Active || len(om.Properties) != 1 || om.Properties[0].Unit != y.unit {
			t.Errorf("other member = %+v", om)
		}
		if p := reveal(t, f, y.id); p.Mobile != y.mobile || p.IDNumber != y.idNo || p.Address != y.address {
			t.Errorf("other member's data = %+v", p)
		}
		for _, n := range []string{y.name, y.mobile[:3], y.note} {
			if len(testfix.FindPII(t, e.DB, n)) == 0 {
				t.Errorf("the other member's %q is gone", n)
			}
		}
		// Request texts are sealed: the other member's still opens.
		if rs, _, err := f.requests.ForMember(ctx, y.id, 0, 10); err != nil || len(rs) != 1 || rs[0].Text != y.text {
			t.Errorf("the other member's requests = %+v, %v", rs, err)
		}
		if l, err := f.leads.Get(ctx, y.leadID); err != nil || l.Name != y.name {
			t.Errorf("other member's lead = %+v, %v", l, err)
		}
		if ms, _, err := e.Members.List(ctx, member.Filter{Q: y.pinyin}); err != nil || len(ms) != 1 {
			t.Errorf("search for the other member: %d, %v", len(ms), err)
		}
		if _, err := f.privacy.Copy(ctx, y.id); err != nil {
			t.Errorf("copy of the other member: %v", err)
		}
	})
}

func TestAnonymiseTwiceChangesNothing(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := mustFixture(t, e)
		x := f.mustPerson(t, ouyang, false)
		ctx := testfix.Ctx()
		must(t, f.privacy.Anonymise(ctx, x.id, "会员申请注销"))
		snapshot := func() string {
			var b strings.Builder
			for _, q := range []string{
				"SELECT count(*) FROM audit_log", "SELECT count(*) FROM member_changes", "SELECT count(*) FROM cards WHERE status = 'blocked'",
				"SELECT count(*) FROM member_applications WHERE status = 'returned'", "SELECT count(*) FROM tier_changes",
			} {
				b.WriteString(q + "=" + itoa(int64(e.Count(t, q))) + ";")
			}
			return b.String()
		}
		first := snapshot()
		e.Clock.Advance(3600e9)
		m1, err := e.Members.Get(ctx, x.id)
		must(t, err)
		must(t, f.privacy.Anonymise(ctx, x.id, "再次申请"))
		m2, err := e.Members.Get(ctx, x.id)
		must(t, err)
		if got := snapshot(); got != first || !m2.UpdatedAt.Equal(m1.UpdatedAt) {
			t.Errorf("the second erasure changed something:\n%s\n%s", first, got)
		}
		e.Verify(t)
	}, testfix.WithClock(testfix.Start))
}

func TestAnonymiseRefusals(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := mustFixture(t, e)
		id := e.Member(t, "SH-PD")
		ctx := testfix.Ctx()
		testfix.WantErr(t, f.privacy.Anonymise(ctx, id, "  "), apperr.Invalid, "reason")
		testfix.WantErr(t, f.privacy.Anonymise(ctx, id, strings.Repeat("长", privacy.MaxReason+1)), apperr.Invalid, "reason")
		testfix.WantCode(t, f.privacy.Anonymise(ctx, 99999, "会员申请注销"), apperr.NotFound)
		if m, err := e.Members.Get(ctx, id); err != nil || m.Status != member.Active {
			t.Errorf("refused erasures changed the member: %+v, %v", m, err)
		}
		// The audit log still refuses any other change.
		for _, q := range []string{"UPDATE audit_log SET before_data = 'forged' WHERE id = 1", "UPDATE audit_log SET summary = '' WHERE id = 1",
			"DELETE FROM audit_log WHERE id = 1"} {
			err := e.DB.Update(context.Background(), func(tx *db.Tx) error { _, err := tx.Exec(context.Background(), q); return err })
			if err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
