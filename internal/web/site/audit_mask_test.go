package site

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// lockedBuffer is a log sink the server's goroutines write while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The audit log must not hold what it protects: after every kind of
// search, export and reveal through the console and the API, no audit row
// and no line of the JSON server log holds a plain mobile, ID number or
// member's name, and each export keeps its search term masked with its kind.
func TestAuditAndLogHoldNoPlainPersonalData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		var logs lockedBuffer
		e.srv.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		const (
			name       = "张三丰"
			mobile     = "13955556666"
			leadMobile = "13744448888"
			address    = "上海市浦东新区滨江大道 100 号 2 栋 301"
		)
		e.mustStaff(t, "am-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "am-sup", auth.CitySupervisor, "SH")
		e.mustStaff(t, "am-mgr", auth.SalesManager, "SH")
		e.mustStaff(t, "am-wang", auth.SalesConsultant, "SH-PD")
		specAPI := e.mustToken(t, "am-spec")
		sup, supAPI := e.mustLogin(t, "am-sup"), e.mustToken(t, "am-sup")
		mgr, mgrAPI := e.mustLogin(t, "am-mgr"), e.mustToken(t, "am-mgr")
		wangAPI := e.mustToken(t, "am-wang")
		m := mustApply(t, specAPI, member.Application{NodeCode: "SH-PD", Name: name, Mobile: mobile, IDNumber: validID, Address: address})
		m = mustApproveAPI(t, supAPI, m.ID)
		if res := wangAPI.json("POST", "/api/v1/leads", map[string]any{"project": "SH-PD", "source": "visit", "mobile": leadMobile,
			"surname": "李", "gender": "male", "media": "网络"}, nil); res.StatusCode != http.StatusCreated {
			t.Fatalf("register lead: %d", res.StatusCode)
		}
		terms := map[string]string{name: "name", "三丰": "name", "zhangsanfeng": "pinyin", "zsf": "pinyin", mobile: "mobile",
			"139 5555 6666": "mobile", "6666": "mobile_last4", validID: "id_number", strings.ToLower(validID): "id_number", m.MemberNo: "member_no"}
		get := func(c *client, path string, want int) {
			t.Helper()
			if res := c.get(path); res.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
			} else {
				res.Body.Close()
			}
		}
		for q := range terms {
			qs := "?q=" + url.QueryEscape(q)
			get(sup, "/members"+qs, http.StatusOK)
			get(supAPI, "/api/v1/members"+qs, http.StatusOK)
			get(sup, "/members/export"+qs, http.StatusOK)
			get(supAPI, "/api/v1/members/export"+qs, http.StatusOK)
			get(mgr, "/leads"+qs, http.StatusOK)
			get(mgrAPI, "/api/v1/leads"+qs, http.StatusOK)
			get(mgr, "/leads/export"+qs, http.StatusOK)
			get(mgrAPI, "/api/v1/leads/export"+qs, http.StatusOK)
		}
		for _, q := range []string{leadMobile, "8888"} {
			get(mgrAPI, "/api/v1/leads?q="+q, http.StatusOK)
			get(mgr, "/leads?q="+q, http.StatusOK)
		}
		get(wangAPI, "/api/v1/leads/check?mobile="+leadMobile, http.StatusOK)
		// Reveals: one member, a batch in an export, and reasons that quote the numbers.
		mustStatus(t, sup.postForm(memberPath(m.ID)+"/reveal", url.Values{"reason": {"会员来电 " + mobile + " 核实"}}), http.StatusOK)
		mustStatus(t, supAPI.json(http.MethodPost, memberAPIPath(m.ID)+"/reveal", map[string]any{"reason": "核对证件 " + validID}, nil), http.StatusOK)
		get(sup, "/members/export?reveal=1&q="+mobile, http.StatusOK)
		get(supAPI, "/api/v1/members/export?reveal=1&q="+validID, http.StatusOK)

		rows := mustAuditText(t, e)
		if len(rows) == 0 {
			t.Fatal("no audit rows")
		}
		secrets := []string{mobile, "139 5555 6666", leadMobile, validID, strings.ToLower(validID), name, "三丰", "zhangsanfeng", "滨江大道"}
		kinds := map[string]int{}
		for _, r := range rows {
			for _, s := range secrets {
				if strings.Contains(r, s) {
					t.Errorf("an audit row holds %q: %s", s, r)
				}
			}
			if strings.HasPrefix(r, "member.export\t") {
				for _, k := range []string{"name", "pinyin", "mobile", "mobile_last4", "id_number", "member_no"} {
					if strings.Contains(r, `"q_kind":"`+k+`"`) {
						kinds[k]++
					}
				}
			}
		}
		want := map[string]int{}
		for _, k := range terms {
			want[k] += 2 // the console's export and the API's
		}
		want["mobile"]++    // the console's revealing export
		want["id_number"]++ // the API's
		for k, n := range want {
			if kinds[k] != n {
				t.Errorf("%d member exports searched by %s in the audit log, want %d", kinds[k], k, n)
			}
		}
		reveals := 0
		for _, r := range rows {
			if strings.HasPrefix(r, "member.reveal\t") {
				reveals++
			}
		}
		if reveals < 4 {
			t.Errorf("%d reveal entries, want at least 4 (2 direct, 2 exports)", reveals)
		}
		out := logs.String()
		if !strings.Contains(out, `"msg":"request"`) {
			t.Fatalf("the server logged no requests:\n%s", out)
		}
		for _, s := range append(secrets, url.QueryEscape(name), url.QueryEscape("139 5555 6666")) {
			if strings.Contains(out, s) {
				t.Errorf("the server log holds %q", s)
			}
		}
	})
}

// mustAuditText reads every audit row's text columns, joined by tabs,
// action first.
func mustAuditText(t *testing.T, e *testEnv) []string {
	t.Helper()
	var out []string
	err := e.d.View(t.Context(), func(tx *db.Tx) error {
		rows, err := tx.Query(t.Context(), `SELECT action, actor_login, object_id, summary, before_data, after_data, ip, request_id FROM audit_log`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c [8]string
			if err := rows.Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]); err != nil {
				return err
			}
			out = append(out, strings.Join(c[:], "\t"))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
