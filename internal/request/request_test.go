package request_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

// now is 04:30 on 23 November in China, still the 22nd in UTC: request
// numbers must carry the China date.
var now = time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)

type fixture struct {
	d   *db.DB
	svc *request.Service
	sh  *member.Member // a member in Shanghai
	hz  *member.Member // a member in Hangzhou
}

func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	e := testfix.New(t, d, testfix.WithClock(now))
	enrol := func(node, mobile string) *member.Member {
		m, _, err := e.Members.Enrol(context.Background(), member.Application{NodeCode: node, Mobile: mobile, Name: "王五"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	return &fixture{d: d, svc: &request.Service{DB: d, Keys: e.Keys}, sh: enrol("SH", "13812345678"), hz: enrol("HZ", "13900001111")}
}

// memberCtx acts as a member in the portal.
func memberCtx(m *member.Member) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "member", ID: m.ID, Login: "138****5678"})
}

func mustSubmit(t *testing.T, f *fixture, in request.NewRequest) *request.Request {
	t.Helper()
	ctx := context.Background()
	if in.MemberID == f.sh.ID {
		ctx = memberCtx(f.sh)
	}
	r, err := f.svc.Submit(ctx, in)
	if err != nil {
		t.Fatalf("submit %+v: %v", in, err)
	}
	return r
}

// pdfBytes is the start of a PDF: what the type is sniffed from.
func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSubmitWithFiles(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		photo, pdf := pngBytes(t), pdfBytes()
		r := mustSubmit(t, f, request.NewRequest{MemberID: f.sh.ID, Kind: request.Complaint, Subkind: request.SubProperty,
			Text: "  地库漏水，已经一周没人处理。\r\n请尽快修复。  ", Files: []request.Upload{
				{Name: `C:\Users\me\..\漏水.png`, Data: photo}, {Name: "", Data: nil}, {Name: "维修\x07单.pdf", Data: pdf}}})
		if r.No != fmt.Sprintf("SQ20261123-%06d", r.ID) {
			t.Errorf("no = %q", r.No)
		}
		if r.MemberID != f.sh.ID || r.NodePath != f.sh.NodePath || r.Status != request.Open || r.Channel != request.Portal ||
			r.Text != "地库漏水，已经一周没人处理。\n请尽快修复。" || !r.CreatedAt.Equal(now) || r.ClosedAt != nil ||
			// No calendar: every hour counts, 4 to respond and 40 to resolve a complaint.
			r.RespondDueAt == nil || !r.RespondDueAt.Equal(now.Add(4*time.Hour)) || r.DueAt == nil || !r.DueAt.Equal(now.Add(40*time.Hour)) {
			t.Fatalf("request = %+v", r)
		}
		// The empty upload (a file input left empty) is dropped; names lose
		// their folders and control characters.
		if len(r.Files) != 2 || r.Files[0].Name != "漏水.png" || r.Files[0].ContentType != "image/png" || r.Files[0].Size != len(photo) ||
			!r.Files[0].IsImage() || r.Files[1].Name != "维修单.pdf" || r.Files[1].ContentType != "application/pdf" || r.Files[1].IsImage() {
			t.Fatalf("files = %+v", r.Files)
		}
		if len(r.Events) != 1 || r.Events[0].Action != "submitted" || r.Events[0].Actor != "138****5678" || !r.Events[0].At.Equal(now) {
			t.Fatalf("events = %+v", r.Events)
		}
		got, err := f.svc.Get(context.Background(), r.ID)
		if err != nil || got.No != r.No || len(got.Files) != 2 || len(got.Events) != 1 {
			t.Fatalf("get: %v %+v", err, got)
		}
		dl, err := f.svc.MemberFile(context.Background(), r.ID, r.Files[1].ID, f.sh.ID)
		if err != nil || dl.Name != "维修单.pdf" || dl.ContentType != "application/pdf" || !bytes.Equal(dl.Data, pdf) {
			t.Fatalf("member's file: %v %+v", err, dl)
		}
		// Another member does not find it; a file is only found through its
		// own request.
		if _, err := f.svc.MemberFile(context.Background(), r.ID, r.Files[0].ID, f.hz.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another member's file: %v", err)
		}
		other := mustSubmit(t, f, request.NewRequest{MemberID: f.sh.ID, Kind: request.Suggestion, Subkind: request.SubEvents, Text: "希望多办亲子活动"})
		if _, err := f.svc.MemberFile(context.Background(), other.ID, r.Files[0].ID, f.sh.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("file through another request: %v", err)
		}
		if _, err := f.svc.StaffFile(context.Background(), other, r.Files[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("staff: file through another request: %v", err)
		}
		// Staff downloads are audited, without the file's name.
		dl, err = f.svc.StaffFile(context.Background(), got, r.Files[0].ID)
		if err != nil || !bytes.Equal(dl.Data, photo) {
			t.Fatalf("staff's file: %v", err)
		}
		var downloads int
		var after string
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT count(*), MAX(after_data || summary) FROM audit_log WHERE action = 'request.file_download' AND object_id = ?",
				fmt.Sprint(r.ID)).Scan(&downloads, &after)
		})
		if downloads != 1 || strings.Contains(after, "漏水") || !strings.Contains(after, fmt.Sprint(r.Files[0].ID)) {
			t.Errorf("downloads audited %d times: %s", downloads, after)
		}
		if _, err := f.svc.Get(context.Background(), 9999); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("missing request: %v", err)
		}
		var audited int
		_ = d.View(context.Background(), func(tx *db.Tx) (err error) {
			audited, err = tx.Count(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'request.submit' AND object_id = ? AND node_path = ? AND actor_kind = 'member'",
				fmt.Sprint(r.ID), f.sh.NodePath)
			return err
		})
		if audited != 1 {
			t.Errorf("submission audited %d times", audited)
		}
	})
}

func one(name string, data []byte) []request.Upload {
	return []request.Upload{{Name: name, Data: data}}
}

func many(n int, data []byte) []request.Upload {
	out := make([]request.Upload, n)
	for i := range out {
		out[i] = request.Upload{Name: fmt.Sprintf("p%d.jpg", i), Data: data}
	}
	return out
}

// exeBytes is the start of a Windows program.
func exeBytes() []byte {
	return append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 64)...)
}

// countRows counts the rows of each table.
func countRows(t *testing.T, d *db.DB, tables ...string) []int {
	t.Helper()
	out := make([]int, len(tables))
	err := d.View(context.Background(), func(tx *db.Tx) (err error) {
		for i, tb := range tables {
			if out[i], err = tx.Count(context.Background(), "SELECT count(*) FROM "+tb); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSubmitValidation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ok := request.NewRequest{MemberID: f.sh.ID, Kind: request.Complaint, Subkind: request.SubService, Text: "前台服务态度差"}
		jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 64)...)
		webp := append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), make([]byte, 64)...)
		for _, tc := range []struct {
			name  string
			edit  func(*request.NewRequest)
			code  apperr.Code
			field string
		}{
			{"jpeg accepted", func(r *request.NewRequest) { r.Files = one("a.jpg", jpeg) }, "", ""},
			{"webp accepted", func(r *request.NewRequest) { r.Files = one("", webp) }, "", ""},
			{"pdf accepted", func(r *request.NewRequest) { r.Files = one("a.pdf", pdfBytes()) }, "", ""},
			{"five files", func(r *request.NewRequest) { r.Files = many(5, jpeg) }, "", ""},
			{"five characters", func(r *request.NewRequest) { r.Text = "服务太差了" }, "", ""},
			{"four characters", func(r *request.NewRequest) { r.Text = " 服务太差 " }, apperr.Invalid, "text"},
			{"2000 characters", func(r *request.NewRequest) { r.Text = strings.Repeat("漏", 2000) }, "", ""},
			{"2001 characters", func(r *request.NewRequest) { r.Text = strings.Repeat("漏", 2001) }, apperr.Invalid, "text"},
			{"control character", func(r *request.NewRequest) { r.Text = "服务太差了\x00" }, apperr.Invalid, "text"},
			{"unknown kind", func(r *request.NewRequest) { r.Kind = "praise" }, apperr.Invalid, "kind"},
			{"subkind of another kind", func(r *request.NewRequest) { r.Subkind = request.SubPoints }, apperr.Invalid, "subkind"},
			{"no subkind", func(r *request.NewRequest) { r.Subkind = "" }, apperr.Invalid, "subkind"},
			{"unknown channel", func(r *request.NewRequest) { r.Channel = "fax" }, apperr.Invalid, "channel"},
			{"phone channel", func(r *request.NewRequest) { r.Channel = request.Phone }, "", ""},
			{"no member", func(r *request.NewRequest) { r.MemberID = 0 }, apperr.Invalid, "member"},
			{"unknown member", func(r *request.NewRequest) { r.MemberID = 9999 }, apperr.NotFound, ""},
			{"text named .jpg", func(r *request.NewRequest) { r.Files = one("a.jpg", []byte("not really a picture at all")) }, apperr.Invalid, "files"},
			{"html named .png", func(r *request.NewRequest) { r.Files = one("a.png", []byte("<html><script>alert(1)</script>")) }, apperr.Invalid, "files"},
			{"exe named .pdf", func(r *request.NewRequest) {
				r.Files = append(one("ok.pdf", pdfBytes()), one("invoice.pdf", exeBytes())...)
			}, apperr.Invalid, "files"},
			{"gif", func(r *request.NewRequest) { r.Files = one("a.gif", []byte("GIF89a......")) }, apperr.Invalid, "files"},
			{"six files", func(r *request.NewRequest) { r.Files = many(6, jpeg) }, apperr.Invalid, "files"},
			{"6 MB", func(r *request.NewRequest) { r.Files = one("big.jpg", append(jpeg, make([]byte, 6<<20)...)) }, apperr.Invalid, "files"},
			{"over 20 MB together", func(r *request.NewRequest) { r.Files = many(5, append(jpeg, make([]byte, 4<<20+500<<10)...)) }, apperr.Invalid, "files"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := ok
				tc.edit(&in)
				before := countRows(t, d, "requests", "request_files")
				r, err := f.svc.Submit(context.Background(), in)
				if tc.code == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					if len(r.Files) != len(in.Files) || (len(r.Files) > 0 && r.Files[0].Name == "") {
						t.Fatalf("files %+v", r.Files)
					}
					return
				}
				if after := countRows(t, d, "requests", "request_files"); !slices.Equal(after, before) {
					t.Errorf("a refused request stored rows: %v then %v", before, after)
				}
				if !apperr.Is(err, tc.code) || apperr.As(err).Field != tc.field {
					t.Fatalf("err = %v, want %s on %q", err, tc.code, tc.field)
				}
				if e := apperr.As(err); e.ZH == "" || e.EN == "" || e.ZH == e.EN {
					t.Errorf("messages %q / %q", e.ZH, e.EN)
				}
			})
		}
	})
}

func setStatus(t *testing.T, d *db.DB, id int64, s request.Status) {
	t.Helper()
	err := d.Update(context.Background(), func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), "UPDATE requests SET status = ? WHERE id = ?", s, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOneOpenPIPLRequestEach(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		in := func(k request.Subkind) request.NewRequest {
			return request.NewRequest{MemberID: f.sh.ID, Kind: request.Privacy, Subkind: k, Text: "请按个人信息保护法处理"}
		}
		copyReq := mustSubmit(t, f, in(request.SubDataCopy))
		_, err := f.svc.Submit(context.Background(), in(request.SubDataCopy))
		if !apperr.Is(err, apperr.Conflict) || apperr.As(err).Field != "subkind" {
			t.Fatalf("second data copy: %v", err)
		}
		mustSubmit(t, f, in(request.SubAccountDeletion))
		if _, err := f.svc.Submit(context.Background(), in(request.SubAccountDeletion)); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second deletion: %v", err)
		}
		// Other privacy matters, and other members, are not limited.
		mustSubmit(t, f, in(request.SubDataStorage))
		mustSubmit(t, f, in(request.SubDataStorage))
		other := in(request.SubDataCopy)
		other.MemberID = f.hz.ID
		mustSubmit(t, f, other)
		// Once the first is handled, a new one may be asked for.
		setStatus(t, d, copyReq.ID, request.InProgress)
		if _, err := f.svc.Submit(context.Background(), in(request.SubDataCopy)); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("data copy while one is in progress: %v", err)
		}
		setStatus(t, d, copyReq.ID, request.Resolved)
		mustSubmit(t, f, in(request.SubDataCopy))
	})
}

func TestConcurrentPIPLRequests(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, conflicts := 0, 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Submit(context.Background(), request.NewRequest{MemberID: f.sh.ID, Kind: request.Privacy,
					Subkind: request.SubAccountDeletion, Text: "请注销我的会员账户"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.Is(err, apperr.Conflict):
					conflicts++
				default:
					t.Errorf("submit: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || conflicts != 9 {
			t.Fatalf("%d accepted, %d conflicts", ok, conflicts)
		}
	})
}

func TestListing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		var mine []int64
		for i, k := range []request.Kind{request.Complaint, request.Suggestion, request.Complaint} {
			r := mustSubmit(t, f, request.NewRequest{MemberID: f.sh.ID, Kind: k, Subkind: request.SubOther, Text: fmt.Sprintf("第 %d 条诉求内容", i+1)})
			mine = append(mine, r.ID)
		}
		theirs := mustSubmit(t, f, request.NewRequest{MemberID: f.hz.ID, Kind: request.Correction, Subkind: request.SubPoints, Text: "积分少算了一次"})
		setStatus(t, d, mine[0], request.Closed)

		list, total, err := f.svc.ForMember(context.Background(), f.sh.ID, 0, 2)
		if err != nil || total != 3 || len(list) != 2 || list[0].ID != mine[2] || list[1].ID != mine[1] {
			t.Fatalf("for member: %v %d %+v", err, total, list)
		}
		if list[0].Files != nil || list[0].Events != nil || list[0].No == "" {
			t.Errorf("list rows: %+v", list[0])
		}
		list, _, _ = f.svc.ForMember(context.Background(), f.sh.ID, 2, 2)
		if len(list) != 1 || list[0].ID != mine[0] || list[0].Status != request.Closed {
			t.Fatalf("second page: %+v", list)
		}

		ids := func(f request.Filter, svc *request.Service) []int64 {
			t.Helper()
			rs, total, err := svc.List(context.Background(), f)
			if err != nil || total != len(rs) {
				t.Fatalf("list %+v: %v (total %d)", f, err, total)
			}
			var out []int64
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    request.Filter
			want []int64
		}{
			{"everything", request.Filter{}, []int64{theirs.ID, mine[2], mine[1], mine[0]}},
			{"Shanghai only", request.Filter{Scope: &request.Scope{All: []string{f.sh.NodePath}}}, []int64{mine[2], mine[1], mine[0]}},
			{"no scope", request.Filter{Scope: &request.Scope{}}, nil},
			{"open complaints", request.Filter{Status: request.Open, Kind: request.Complaint}, []int64{mine[2]}},
			{"closed", request.Filter{Status: request.Closed}, []int64{mine[0]}},
			{"corrections in Hangzhou", request.Filter{Scope: &request.Scope{All: []string{f.hz.NodePath}}, Kind: request.Correction}, []int64{theirs.ID}},
		} {
			if got := ids(tc.f, f.svc); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

func TestLabels(t *testing.T) {
	if request.Complaint.Label("") != "投诉" || request.Complaint.Label("en") != "Complaint" ||
		request.Open.Label("zh-CN") != "待受理" || request.InProgress.Label("en") != "In progress" ||
		request.SubDataCopy.Label("en") != "A copy of my data" || request.SubService.Label("") != "服务质量" {
		t.Fatal("labels")
	}
	for _, s := range request.Statuses {
		if s.Label("") == "" || s.Label("en") == "" {
			t.Errorf("status %s", s)
		}
	}
}
