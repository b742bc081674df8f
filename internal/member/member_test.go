package member_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/testfix"
)

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 0, Login: "tester"})
}

func TestApplyReviewAndMerge(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		ctx := staffCtx()
		// A caller leaves a number: a default member without benefits.
		m, out, err := s.Enrol(ctx, member.Application{NodeCode: "SH-PD", Channel: member.SalesSite, Mobile: "+86 138-1234-5678"})
		if err != nil || out != member.Created || m.Status != member.Default {
			t.Fatalf("enrol: %v %v %+v", err, out, m)
		}
		if m.Mobile != "138****5678" {
			t.Errorf("mobile shown as %q, want masked", m.Mobile)
		}
		// The same number again (full-width digits) is the same person.
		again, out, err := s.Enrol(ctx, member.Application{NodeCode: "SH-PD", Mobile: "１３８１２３４５６７８", Name: "张三"})
		if err != nil || out != member.Merged || again.ID != m.ID || again.Name != "张三" {
			t.Fatalf("second enrol: %v %v %+v", err, out, again)
		}
		// The application merges into that member and awaits review.
		app := member.Application{NodeCode: "SH-PD", Channel: member.SalesSite, Name: "张三", Mobile: "13812345678",
			IDNumber: "11010519491231002X", Address: "上海市浦东新区滨江大道 100 号", Email: "zs@example.com",
			Tags: []string{"高尔夫，亲子", "理财"}, Consent: member.Consent{SMS: true}}
		am, out, err := s.Apply(ctx, app)
		if err != nil || out != member.Merged || am.ID != m.ID || am.Status != member.Pending {
			t.Fatalf("apply: %v %v %+v", err, out, am)
		}
		if am.Gender != "female" || am.Birthday.String() != "1949-12-31" {
			t.Errorf("ID number gives gender/birthday: %s %s", am.Gender, am.Birthday)
		}
		if strings.Contains(am.IDNumber, "19491231") || strings.Contains(am.Address, "100") {
			t.Errorf("ID %q or address %q not masked", am.IDNumber, am.Address)
		}
		if len(am.Tags) != 3 || am.Consent.At == nil || !am.Consent.SMS {
			t.Errorf("tags %v consent %+v", am.Tags, am.Consent)
		}
		if _, err := s.Review(ctx, m.ID, false, ""); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("return without reason: %v", err)
		}
		ret, err := s.Review(ctx, m.ID, false, "缺少签名")
		if err != nil || ret.Status != member.Returned || ret.ReturnReason != "缺少签名" {
			t.Fatalf("return: %v %+v", err, ret)
		}
		if _, err := s.Review(ctx, m.ID, true, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("approving a returned application: %v", err)
		}
		// Resubmitted, then approved: member number and 普籍.
		e.Apply(t, app)
		ok, err := s.Review(ctx, m.ID, true, "")
		if err != nil || ok.Status != member.Active || ok.MemberNo == "" || ok.Tier != "regular" || ok.JoinedAt == nil {
			t.Fatalf("approve: %v %+v", err, ok)
		}
		hist, err := s.History(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]int{}
		for _, h := range hist {
			fields[h.Field]++
			if strings.Contains(h.Old+h.New, "13812345678") || strings.Contains(h.Old+h.New, "11010519491231002X") {
				t.Errorf("history keeps personal data in clear: %+v", h)
			}
		}
		if fields["created"] != 1 || fields["status"] < 4 || fields["name"] != 1 || fields["id_number"] != 1 {
			t.Errorf("history fields %v", fields)
		}
	})
}

func TestValidationSavesNothing(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		for _, tc := range []struct {
			name  string
			a     member.Application
			field string
		}{
			{"bad mobile", member.Application{NodeCode: "SH", Name: "李四", Mobile: "12345"}, "mobile"},
			{"impossible prefix", member.Application{NodeCode: "SH", Name: "李四", Mobile: "12012345678"}, "mobile"},
			{"bad id check digit", member.Application{NodeCode: "SH", Name: "李四", Mobile: "13912345678", IDNumber: "110105194912310021"}, "id_number"},
			{"no name on application", member.Application{NodeCode: "SH", Mobile: "13912345678"}, "name"},
			{"bad email", member.Application{NodeCode: "SH", Name: "李四", Mobile: "13912345678", Email: "nope@"}, "email"},
			{"bad date", member.Application{NodeCode: "SH", Name: "李四", Mobile: "13912345678", Birthday: "1985-02-30"}, "birthday"},
			{"unknown org", member.Application{NodeCode: "MARS", Name: "李四", Mobile: "13912345678"}, "org"},
			{"region is not a join node", member.Application{NodeCode: "EAST", Name: "李四", Mobile: "13912345678"}, "org"},
			{"gender contradicts id", member.Application{NodeCode: "SH", Name: "李四", Mobile: "13912345678", IDNumber: "11010519491231002X", Gender: "男"}, "gender"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := s.Apply(staffCtx(), tc.a)
				var e *apperr.Error
				if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != tc.field || e.ZH == "" || e.EN == "" {
					t.Fatalf("err = %v, want invalid %s with both messages", err, tc.field)
				}
			})
		}
		_, total, err := s.List(context.Background(), member.Filter{})
		if err != nil || total != 0 {
			t.Fatalf("members after failed applications: %d %v", total, err)
		}
	})
}

// Concurrent applications for one mobile number leave exactly one member.
func TestConcurrentApplicationsMakeOneMember(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, d := e.Members, e.DB
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		ids := make(chan int64, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, _, err := s.Apply(staffCtx(), member.Application{NodeCode: "SH-PD", Name: "王五", Mobile: "13700001111",
					Occupation: fmt.Sprintf("职业%d", i)})
				errs <- err
				if m != nil {
					ids <- m.ID
				}
			}()
		}
		wg.Wait()
		close(errs)
		close(ids)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		first := int64(0)
		for id := range ids {
			if first == 0 {
				first = id
			}
			if id != first {
				t.Errorf("two members for one mobile: %d and %d", first, id)
			}
		}
		_, total, _ := s.List(context.Background(), member.Filter{})
		if total != 1 {
			t.Fatalf("%d members, want 1", total)
		}
		var apps int
		_ = d.View(context.Background(), func(tx *db.Tx) (err error) {
			apps, err = tx.Count(context.Background(), "SELECT count(*) FROM member_applications")
			return err
		})
		if apps != 16 {
			t.Errorf("%d applications recorded, want all 16 in the member's history", apps)
		}
	})
}

func TestSearchAndScope(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, d := e.Members, e.DB
		zs := e.Apply(t, member.Application{NodeCode: "SH-PD", Name: "张三", Mobile: "13812345678", IDNumber: "11010519491231002X", Tags: []string{"高尔夫"}})
		ls := e.Apply(t, member.Application{NodeCode: "HZ-XH", Name: "李四", Mobile: "13998765678", Channel: member.Online})
		zx := e.Apply(t, member.Application{NodeCode: "SH", Name: "曾小贤", Mobile: "15011112222"})
		sh, _ := (&org.Service{DB: d}).ByCode(context.Background(), "SH")
		for _, tc := range []struct {
			name string
			f    member.Filter
			want []int64
		}{
			{"pinyin initials", member.Filter{Q: "zs"}, []int64{zs.ID}},
			{"full pinyin", member.Filter{Q: "zhangsan"}, []int64{zs.ID}},
			{"pinyin prefix of given name", member.Filter{Q: "xiaoxian"}, []int64{zx.ID}},
			{"polyphonic surname", member.Filter{Q: "zengxiaoxian"}, []int64{zx.ID}},
			{"name substring", member.Filter{Q: "三"}, []int64{zs.ID}},
			{"full mobile any spelling", member.Filter{Q: "+86 139 9876 5678"}, []int64{ls.ID}},
			{"last four digits", member.Filter{Q: "5678"}, []int64{ls.ID, zs.ID}},
			{"id number lower-case x", member.Filter{Q: "11010519491231002x"}, []int64{zs.ID}},
			{"member tag", member.Filter{Tag: "高尔夫"}, []int64{zs.ID}},
			{"channel", member.Filter{Channel: member.Online}, []int64{ls.ID}},
			{"status", member.Filter{Status: member.Pending}, []int64{zx.ID, ls.ID, zs.ID}},
			// A city's staff never see another city's members.
			{"scope", member.Filter{Within: []string{sh.Path}, Q: "5678"}, []int64{zs.ID}},
			{"scope all", member.Filter{Within: []string{sh.Path}}, []int64{zx.ID, zs.ID}},
			{"nothing", member.Filter{Within: []string{}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.List(context.Background(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, m := range got {
					ids = append(ids, m.ID)
					if strings.Contains(m.Mobile, "1234") || !strings.Contains(m.Mobile, "****") {
						t.Errorf("list shows mobile %q", m.Mobile)
					}
				}
				if total != len(tc.want) || len(ids) != len(tc.want) {
					t.Fatalf("got %v (total %d), want %v", ids, total, tc.want)
				}
				for i := range ids {
					if ids[i] != tc.want[i] {
						t.Fatalf("got %v, want %v", ids, tc.want)
					}
				}
			})
		}
		if _, _, err := s.List(context.Background(), member.Filter{Q: "1381234"}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("a partial mobile number: %v", err)
		}
	})
}

func TestUpdateKeepsHistoryAndRevealIsAudited(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, d := e.Members, e.DB
		ctx := staffCtx()
		m := e.Apply(t, member.Application{NodeCode: "SH", Name: "赵六", Mobile: "13600001234"})
		other := e.Apply(t, member.Application{NodeCode: "SH", Name: "钱七", Mobile: "13600005678"})
		newMobile, addr := "136 0000 9999", "上海市黄浦区南京东路 1 号"
		up, err := s.Update(ctx, m.ID, member.Update{Mobile: &newMobile, Address: &addr})
		if err != nil || up.Mobile != "136****9999" {
			t.Fatalf("update: %v %+v", err, up)
		}
		taken := "13600005678"
		if _, err := s.Update(ctx, m.ID, member.Update{Mobile: &taken}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("taking another member's mobile: %v", err)
		}
		// The old number is free again, and the new one finds the member.
		if got, err := s.ByMobile(ctx, "13600009999"); err != nil || got.ID != m.ID {
			t.Fatalf("by new mobile: %v", err)
		}
		if _, err := s.ByMobile(ctx, "13600001234"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("old mobile still finds someone: %v", err)
		}
		p, err := s.Reveal(ctx, m.ID, "回访")
		if err != nil || p.Mobile != "13600009999" || p.Address != addr {
			t.Fatalf("reveal: %v %+v", err, p)
		}
		var reveals int
		_ = d.View(ctx, func(tx *db.Tx) (err error) {
			reveals, err = tx.Count(ctx, "SELECT count(*) FROM audit_log WHERE action = 'member.reveal' AND object_id = ?", fmt.Sprint(m.ID))
			return err
		})
		if reveals != 1 {
			t.Errorf("reveals audited: %d", reveals)
		}
		_ = other
	})
}

// The plain mobile number of a member appears nowhere in the database file.
func TestNoPlainPersonalDataInTheFile(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(context.Background(), filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := testfix.New(t, d)
	s := e.Members
	m := e.Apply(t, member.Application{NodeCode: "SH", Name: "孙八", Mobile: "18912345678", IDNumber: "11010519491231002X", Address: "北京市朝阳区建国路 88 号"})
	phone := "13377778888"
	if _, err := s.Update(staffCtx(), m.ID, member.Update{Mobile: &phone}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	for _, name := range []string{"x.db", "x.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		for _, secret := range []string{"18912345678", "13377778888", "11010519491231002X", "建国路"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s contains %q in clear", name, secret)
			}
		}
	}
}

// A PostgreSQL dump of the members' schema shows no plain personal data.
func TestNoPlainPersonalDataInAPostgresDump(t *testing.T) {
	d := dbtest.Open(t, db.Postgres)
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		if dbtest.InCI() {
			t.Fatal("pg_dump is required in CI")
		}
		t.Skip("SKIPPED: pg_dump not installed")
	}
	e := testfix.New(t, d)
	s := e.Members
	m := e.Apply(t, member.Application{NodeCode: "SH", Name: "孙八", Mobile: "18912345678", IDNumber: "11010519491231002X", Address: "北京市朝阳区建国路 88 号"})
	if _, err := s.Reveal(staffCtx(), m.ID, "检查"); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := d.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT current_schema()").Scan(&schema)
	}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbtest.PGURL())
	out, err := exec.Command(pgDump, "--no-owner", "-n", schema, u.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("孙八")) {
		t.Fatal("the dump does not hold the member at all: the check would prove nothing")
	}
	for _, secret := range []string{"18912345678", "11010519491231002X", "建国路"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the dump contains %q in clear", secret)
		}
	}
}
