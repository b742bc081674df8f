package sms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/pii"
	"estateclub/internal/sms"
)

func mustKeys(t *testing.T) *pii.Keys {
	t.Helper()
	k, err := pii.NewKeys(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSend(t *testing.T, s *sms.Service, mobile, text string) *sms.Message {
	t.Helper()
	m, err := s.Send(context.Background(), mobile, "notice", text)
	if err != nil {
		t.Fatalf("send to %s: %v", mobile, err)
	}
	return m
}

func mustMessages(t *testing.T, s *sms.Service, f sms.Filter) ([]sms.Message, int) {
	t.Helper()
	ms, n, err := s.Messages(context.Background(), f)
	if err != nil {
		t.Fatalf("messages %+v: %v", f, err)
	}
	return ms, n
}

func TestOutboxStoresAndLists(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &sms.Service{DB: d, Keys: mustKeys(t)} // nil Provider: the outbox
		first := mustSend(t, s, "+86 138-1234-5678", "第一条")
		mustSend(t, s, "13900001111", "别人的")
		last := mustSend(t, s, "１３８１２３４５６７８", "第二条")
		if first.Mobile != "138****5678" || first.Status != sms.StatusSent || first.Provider != "outbox" || first.ID == 0 {
			t.Fatalf("first = %+v", first)
		}
		all, n := mustMessages(t, s, sms.Filter{})
		if n != 3 || len(all) != 3 || all[0].ID != last.ID || all[2].ID != first.ID {
			t.Fatalf("all: %d %+v, want newest first", n, all)
		}
		mine, n := mustMessages(t, s, sms.Filter{Mobile: "138 1234 5678"})
		if n != 2 || len(mine) != 2 || mine[0].Text != "第二条" || mine[1].Text != "第一条" || mine[0].Mobile != "138****5678" {
			t.Fatalf("by mobile: %d %+v", n, mine)
		}
		page, n := mustMessages(t, s, sms.Filter{Offset: 1, Limit: 1})
		if n != 3 || len(page) != 1 || page[0].Text != "别人的" {
			t.Fatalf("page: %d %+v", n, page)
		}
		if _, err := s.Send(context.Background(), "12345", "notice", "x"); !apperr.Is(err, apperr.Invalid) || apperr.As(err).Field != "mobile" {
			t.Fatalf("bad mobile: %v", err)
		}
		if _, _, err := s.Messages(context.Background(), sms.Filter{Mobile: "abc"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("bad mobile filter: %v", err)
		}
	})
}

// gateway is a fake SMS gateway on loopback that answers with status and
// keeps what it received.
type gateway struct {
	mu     sync.Mutex
	status int
	bodies []map[string]string
	auths  []string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	g.mu.Lock()
	g.bodies = append(g.bodies, body)
	g.auths = append(g.auths, r.Header.Get("Authorization"))
	status := g.status
	g.mu.Unlock()
	w.WriteHeader(status)
	if status >= 300 {
		io.WriteString(w, "upstream exploded: "+strings.Repeat("x", 1000))
	}
}

func TestGatewayOverHTTP(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		g := &gateway{status: http.StatusAccepted}
		srv := httptest.NewServer(g)
		defer srv.Close()
		p, err := sms.NewProvider("http", srv.URL+"/send", "secret-key", "客户会")
		if err != nil {
			t.Fatal(err)
		}
		s := &sms.Service{DB: d, Keys: mustKeys(t), Provider: p}
		ctx := context.Background()

		m, err := s.SendSecret(ctx, "+8613812345678", "login_code", "验证码 654321，5 分钟内有效", "654321")
		if err != nil || m.Status != sms.StatusSent || m.Provider != "http" {
			t.Fatalf("send: %v %+v", err, m)
		}
		if len(g.bodies) != 1 || g.bodies[0]["mobile"] != "13812345678" || g.bodies[0]["text"] != "验证码 654321，5 分钟内有效" ||
			g.bodies[0]["sign"] != "客户会" || g.auths[0] != "Bearer secret-key" {
			t.Fatalf("gateway got %+v %v", g.bodies, g.auths)
		}
		// The gateway delivered the code; the stored copy does not keep it.
		if m.Text != "验证码 ******，5 分钟内有效" {
			t.Errorf("stored text %q keeps the code", m.Text)
		}

		g.mu.Lock()
		g.status = http.StatusInternalServerError
		g.mu.Unlock()
		m, err = s.Send(ctx, "13812345678", "notice", "活动通知")
		if err == nil || m == nil || m.Status != sms.StatusFailed {
			t.Fatalf("failing gateway: %v %+v", err, m)
		}
		if !strings.Contains(m.Error, "500") || !strings.Contains(m.Error, "upstream exploded") || len(m.Error) > 400 {
			t.Errorf("error %q: want the status and a truncated body", m.Error)
		}
		if e := apperr.As(err); e.ZH == "" || e.EN == "" {
			t.Errorf("error without bilingual message: %v", err)
		}
		list, _ := mustMessages(t, s, sms.Filter{Mobile: "13812345678"})
		if len(list) != 2 || list[0].Status != sms.StatusFailed || list[0].Error != m.Error || list[1].Status != sms.StatusSent {
			t.Fatalf("recorded: %+v", list)
		}
	})
}

func TestOutboxKeepsTheCode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &sms.Service{DB: d, Keys: mustKeys(t), Provider: sms.Outbox{}}
		m, err := s.SendSecret(context.Background(), "13812345678", "login_code", "验证码 654321", "654321")
		if err != nil || m.Text != "验证码 654321" {
			t.Fatalf("outbox: %v %+v (staff read the code from the outbox)", err, m)
		}
	})
}

func TestNewProvider(t *testing.T) {
	for _, tc := range []struct {
		kind, url, want string
		ok              bool
	}{
		{"", "", "outbox", true},
		{"outbox", "", "outbox", true},
		{"HTTP", "https://sms.example.com/send", "http", true},
		{"http", "", "", false},
		{"http", "ftp://x", "", false},
		{"carrier-pigeon", "", "", false},
	} {
		p, err := sms.NewProvider(tc.kind, tc.url, "k", "s")
		if tc.ok != (err == nil) || (err == nil && p.Name() != tc.want) {
			t.Errorf("NewProvider(%q, %q) = %v, %v", tc.kind, tc.url, p, err)
		}
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			t.Errorf("NewProvider(%q): %v, want invalid", tc.kind, err)
		}
	}
}

func TestNoPlainMobileInTheFile(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(context.Background(), filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := &sms.Service{DB: d, Keys: mustKeys(t)}
	mustSend(t, s, "18912345678", "您好")
	d.Close()
	found := false
	for _, name := range []string{"x.db", "x.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		found = found || bytes.Contains(raw, []byte("您好"))
		if bytes.Contains(raw, []byte("18912345678")) {
			t.Errorf("%s contains the mobile in clear", name)
		}
	}
	if !found {
		t.Fatal("the message is not in the file at all: the check proves nothing")
	}
}
