package site

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
	"estateclub/internal/web"
)

// reqFixture is a club with request handling set up: Shanghai's customer
// relations department (two staff) takes complaints of Shanghai, Hangzhou
// has a department of its own.
type reqFixture struct {
	sh, hz     *request.Department
	care, mate *auth.Staff
	m          *member.Member
}

func mustRequestSetup(t *testing.T, e *testEnv) *reqFixture {
	t.Helper()
	f := &reqFixture{}
	f.care = e.mustStaff(t, "sh-care", auth.CustomerRelations, "SH")
	f.mate = e.mustStaff(t, "sh-mate", auth.CustomerRelations, "SH")
	e.mustStaff(t, "hz-care", auth.CustomerRelations, "HZ")
	e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
	e.mustStaff(t, "group-boss", auth.GroupSupervisor, "GROUP")
	e.mustStaff(t, "pd-property", auth.PropertyStaff, "SH-PD")
	ctx := actorCtx("fixture")
	var err error
	f.sh, err = e.srv.Requests.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.fix.Nodes["SH"].ID, Code: "customer_relations",
		StaffIDs: []int64{f.care.ID, f.mate.ID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.hz, err = e.srv.Requests.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.fix.Nodes["HZ"].ID, Code: "customer_relations"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Requests.SaveRule(ctx, request.RuleInput{NodeID: e.fix.Nodes["SH"].ID, Kind: request.Complaint, DepartmentID: f.sh.ID}, nil); err != nil {
		t.Fatal(err)
	}
	f.m = mustActiveMember(t, e, "SH-PD")
	return f
}

func mustSubmitRequest(t *testing.T, e *testEnv, memberID int64, k request.Kind, sub request.Subkind, text string) *request.Request {
	t.Helper()
	q, err := e.srv.Requests.Submit(actorCtx("fixture"), request.NewRequest{MemberID: memberID, Kind: k, Subkind: sub, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// wantRefused posts a form and checks the step was refused with status
// and the page says msg.
func wantRefused(t *testing.T, c *client, path string, vals url.Values, status int, msg string) {
	t.Helper()
	res := c.postForm(path, cloneForm(vals))
	body := readBody(res)
	if res.StatusCode != status || !strings.Contains(body, msg) {
		t.Fatalf("POST %s %v: %d, want %d with %q:\n%s", path, vals, res.StatusCode, status, msg, body)
	}
}

// cloneForm copies a form, so that one client's CSRF token never goes out
// with another's post.
func cloneForm(vals url.Values) url.Values {
	out := url.Values{}
	for k, v := range vals {
		out[k] = v
	}
	return out
}

// setLocale switches the signed-in staff member's language.
func setLocale(t *testing.T, c *client, lang string) {
	t.Helper()
	wantDone(t, c, "/account/locale", url.Values{"lang": {lang}, "next": {"/account"}})
}

func wantDone(t *testing.T, c *client, path string, vals url.Values) {
	t.Helper()
	res := c.postForm(path, cloneForm(vals))
	body := readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s %v: %d\n%s", path, vals, res.StatusCode, body)
	}
}

func TestRequestHandlingInTheConsole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		f := mustRequestSetup(t, e)
		q := mustSubmitRequest(t, e, f.m.ID, request.Complaint, request.SubService, "前台接待态度很差，等了半小时。")
		if q.Status != request.Assigned || q.DepartmentID == nil || *q.DepartmentID != f.sh.ID {
			t.Fatalf("routed: %+v", q)
		}
		page := fmt.Sprintf("/requests/%d", q.ID)
		care, mate := e.mustLogin(t, "sh-care"), e.mustLogin(t, "sh-mate")

		// The department's staff were told, and see it in "my department"
		// with the working time left; nobody has it yet.
		mustPage(t, care, "/", `id="unread-count"`)
		list := mustPage(t, care, "/requests?dept=1", q.No, "剩余 ", "工作小时", "未接手")
		if strings.Contains(list, "逾期") {
			t.Error("a fresh request shows as late")
		}
		if l := mustPage(t, care, "/requests?mine=1"); strings.Contains(l, q.No) {
			t.Error("mine lists a request nobody took")
		}

		// Two staff take it at once: one wins, the other is told.
		codes := make([]int, 2)
		bodies := make([]string, 2)
		testfix.Together(2, func(i int) {
			c := []*client{care, mate}[i]
			res := c.postForm(page+"/take", nil)
			codes[i], bodies[i] = res.StatusCode, readBody(res)
		})
		won := 0
		for i, code := range codes {
			switch code {
			case http.StatusSeeOther:
				won++
			case http.StatusConflict:
				if !strings.Contains(bodies[i], "已由") && !strings.Contains(bodies[i], "已被他人接手") {
					t.Errorf("the loser is told: %s", bodies[i])
				}
			default:
				t.Errorf("take: %d %s", code, bodies[i])
			}
		}
		if won != 1 {
			t.Fatalf("%d staff took the request at once (%v)", won, codes)
		}
		q, _ = e.srv.Requests.Get(context.Background(), q.ID)
		if q.Status != request.InProgress || q.AssigneeID == nil {
			t.Fatalf("after take: %+v", q)
		}
		handler := care
		if *q.AssigneeID == f.mate.ID {
			handler = mate
		}
		mustPage(t, handler, "/requests?mine=1", q.No)

		// Reply, internal note, bad input.
		wantDone(t, handler, page+"/reply", url.Values{"mode": {"reply"}, "body": {"您好，我们已联系前台主管核实。"}})
		wantDone(t, handler, page+"/reply", url.Values{"mode": {"note"}, "body": {"前台当班：小王"}})
		wantRefused(t, handler, page+"/reply", url.Values{"mode": {"reply"}, "body": {"  "}}, http.StatusBadRequest, "请填写内容")
		wantRefused(t, handler, page+"/reply", url.Values{"mode": {"shout"}, "body": {"x"}}, http.StatusBadRequest, "请选择回复会员")
		show := mustPage(t, handler, page, "您好，我们已联系前台主管核实。", "前台当班：小王", "内部备注", "回复会员")
		if !strings.Contains(show, `class="msg internal"`) {
			t.Error("the internal note is not marked apart")
		}
		if m, _ := e.srv.Requests.GetForMember(context.Background(), q.ID, f.m.ID); len(m.Messages) != 1 {
			t.Errorf("the member sees %d messages, want the reply only", len(m.Messages))
		}

		// Transfer outside the caller's scope: refused, nothing changed.
		wantRefused(t, handler, page+"/transfer", url.Values{"department_id": {fmt.Sprint(f.hz.ID)}, "reason": {"属杭州项目"}},
			http.StatusBadRequest, "不在您的管理范围内")
		setLocale(t, handler, "en")
		wantRefused(t, handler, page+"/transfer", url.Values{"department_id": {fmt.Sprint(f.hz.ID)}, "reason": {"x"}},
			http.StatusBadRequest, "outside your scope")
		setLocale(t, handler, "zh-CN")
		if again, _ := e.srv.Requests.Get(context.Background(), q.ID); *again.DepartmentID != f.sh.ID || again.Version != q.Version+2 {
			t.Errorf("a refused transfer changed the request: %+v", again)
		}

		// Assign to a department member, set the topic, resolve.
		wantDone(t, handler, page+"/assign", url.Values{"staff_id": {fmt.Sprint(f.care.ID)}})
		wantDone(t, care, page+"/topic", url.Values{"topic": {"服务态度"}})
		wantRefused(t, care, page+"/resolve", url.Values{"answer": {""}}, http.StatusBadRequest, "请填写给会员的处理结果")
		wantDone(t, care, page+"/resolve", url.Values{"answer": {"已对前台进行培训，感谢您的反馈。"}, "topic": {"服务态度"}})
		mustPage(t, care, page, "已解决", "服务态度", "办结")

		// Reopen, then merge into another request: it closes, and a reply
		// to a closed request is refused.
		wantDone(t, care, page+"/reopen", url.Values{"reason": {"会员来电表示问题仍在"}})
		other := mustSubmitRequest(t, e, f.m.ID, request.Complaint, request.SubService, "前台服务问题第二次反映。")
		wantRefused(t, care, page+"/merge", url.Values{"into": {"SQ00000000-999999"}}, http.StatusBadRequest, "找不到编号")
		wantDone(t, care, page+"/merge", url.Values{"into": {strings.ToLower(other.No)}})
		mustPage(t, care, page, "已关闭", other.No)
		wantRefused(t, care, page+"/reply", url.Values{"mode": {"reply"}, "body": {"补充说明"}}, http.StatusConflict, "已关闭")
		setLocale(t, care, "en")
		wantRefused(t, care, page+"/reply", url.Values{"mode": {"reply"}, "body": {"more"}}, http.StatusConflict, "is closed")
		setLocale(t, care, "zh-CN")

		// Each step is in the audit log.
		for _, a := range []string{"request.taken", "request.replied", "request.noted", "request.assigned", "request.resolved", "request.merged"} {
			if n := e.fix.Count(t, "SELECT count(*) FROM audit_log WHERE action = ?", a); n < 1 {
				t.Errorf("no audit entry %s", a)
			}
		}

		// Another city's staff do not see it; an auditor-like reader
		// cannot act (no route permission).
		hz := e.mustLogin(t, "hz-care")
		if res := hz.get(page); res.StatusCode != http.StatusNotFound {
			t.Errorf("Hangzhou opens Shanghai's request: %d", res.StatusCode)
		}
		if res := hz.postForm("/requests/"+fmt.Sprint(other.ID)+"/take", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("Hangzhou takes Shanghai's request: %d", res.StatusCode)
		}

		// The notices: read one by one or all, the header count follows.
		mustPage(t, care, "/notices", other.No)
		wantDone(t, care, "/notices/read", nil)
		if page := mustPage(t, care, "/notices"); strings.Contains(page, `id="unread-count"`) {
			t.Error("the unread count stays after marking all read")
		}
	})
}

func TestRequestScopeOfPropertyStaff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		f := mustRequestSetup(t, e)
		prop := mustSubmitRequest(t, e, f.m.ID, request.Complaint, request.SubProperty, "地库积水严重，车辆无法进出。")
		service := mustSubmitRequest(t, e, f.m.ID, request.Complaint, request.SubService, "会籍顾问电话无人接听。")
		hzMember := mustActiveMember(t, e, "HZ-XH")
		hzProp := mustSubmitRequest(t, e, hzMember.ID, request.Complaint, request.SubProperty, "电梯经常停运，影响出行。")
		c := e.mustLogin(t, "pd-property")
		list := mustPage(t, c, "/requests", prop.No)
		for _, q := range []*request.Request{service, hzProp} {
			if strings.Contains(list, q.No) {
				t.Errorf("property staff list %s (%s/%s)", q.No, q.Kind, q.Subkind)
			}
			if res := c.get(fmt.Sprintf("/requests/%d", q.ID)); res.StatusCode != http.StatusNotFound {
				t.Errorf("property staff open %s: %d", q.No, res.StatusCode)
			}
		}
		mustPage(t, c, fmt.Sprintf("/requests/%d", prop.ID), prop.No, `id="request-take"`)
		wantDone(t, c, fmt.Sprintf("/requests/%d/take", prop.ID), nil)
		// Their home counts the requests of their scope only.
		home := mustPage(t, c, "/")
		if got := todoCountOf(home, "requests.open"); got != "0" && got != "" {
			t.Errorf("property staff: %q open requests", got)
		}
	})
}

func TestRequestSettingsAndExport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		f := mustRequestSetup(t, e)
		city, group := e.mustLogin(t, "sh-boss"), e.mustLogin(t, "group-boss")
		mustPage(t, city, "/requests/settings", "客户会", "测试 sh-care")
		sla := url.Values{"complaint.respond": {"0"}, "complaint.resolve": {"40"}, "complaint.escalate": {"8"}}
		// A city supervisor cannot change the group's due times.
		wantRefused(t, city, "/requests/settings/sla", sla, http.StatusConflict, "集团主管")
		// Zero is refused with a clear message, nothing changed.
		before, _ := e.srv.Requests.SLAs(context.Background())
		wantRefused(t, group, "/requests/settings/sla", sla, http.StatusBadRequest, "首次响应时限须为 1–2000 个工作小时")
		setLocale(t, group, "en")
		wantRefused(t, group, "/requests/settings/sla", sla, http.StatusBadRequest, "must be 1–2000 working hours")
		setLocale(t, group, "zh-CN")
		if after, _ := e.srv.Requests.SLAs(context.Background()); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused setting changed the due times: %v → %v", before, after)
		}
		sla.Set("complaint.respond", "4")
		wantDone(t, group, "/requests/settings/sla", sla)
		if got, _ := e.srv.Requests.SLAs(context.Background()); got[0].RespondHours != 4 || got[0].ResolveHours != 40 {
			t.Errorf("due times saved: %+v", got[0])
		}
		wantRefused(t, group, "/requests/settings/close-after", url.Values{"days": {"0"}}, http.StatusBadRequest, "自动关闭天数须为")
		wantDone(t, group, "/requests/settings/close-after", url.Values{"days": {"10"}})

		// A department of the supervisor's city, a rule for it, and one
		// outside the city refused.
		wantDone(t, city, "/requests/settings/departments", url.Values{"org": {"SH-PD"}, "code": {"property"},
			"staff_ids": {fmt.Sprint(f.mate.ID)}})
		wantRefused(t, city, "/requests/settings/departments", url.Values{"org": {"HZ-XH"}, "code": {"property"}},
			http.StatusBadRequest, "不在您的管理范围内")
		depts, _ := e.srv.Requests.Departments(context.Background(), []string{e.fix.Path("SH-PD")})
		if len(depts) != 1 || depts[0].Name != "物业公司" || len(depts[0].Staff) != 1 {
			t.Fatalf("departments of SH-PD: %+v", depts)
		}
		wantDone(t, city, "/requests/settings/rules", url.Values{"org": {"SH-PD"}, "topic": {"complaint/property"},
			"department_id": {fmt.Sprint(depts[0].ID)}})
		q := mustSubmitRequest(t, e, f.m.ID, request.Complaint, request.SubProperty, "小区路灯不亮已经三天。")
		if q.DepartmentID == nil || *q.DepartmentID != depts[0].ID {
			t.Errorf("the new rule did not route: %+v", q.DepartmentID)
		}
		// Deactivate: the form posts active unticked.
		wantDone(t, city, fmt.Sprintf("/requests/settings/departments/%d", depts[0].ID), url.Values{"org": {"SH-PD"}, "code": {"property"},
			"name": {"物业公司"}, "active_set": {"1"}})
		if d, _ := e.srv.Requests.Department(context.Background(), depts[0].ID); d.Active || len(d.Staff) != 0 {
			t.Errorf("after deactivating: %+v", d)
		}
		// Customer relations may not open the settings.
		if res := e.mustLogin(t, "sh-care").get("/requests/settings"); res.StatusCode != http.StatusForbidden {
			t.Errorf("customer relations open the settings: %d", res.StatusCode)
		}

		// The export: the filtered queue, masked names only, audited.
		care := e.mustLogin(t, "sh-care")
		res := care.get("/requests/export?kind=complaint&subkind=property")
		data := []byte(readBody(res))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(x.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[1][0] != q.No || rows[1][2] != "投诉" || rows[1][3] != "物业" {
			t.Fatalf("exported rows: %v", rows)
		}
		all := fmt.Sprint(rows)
		if !strings.Contains(all, pii.MaskName(f.m.Name)) || strings.Contains(all, f.m.Name) || strings.Contains(all, "路灯") {
			t.Errorf("the export holds more than the masked name: %v", rows)
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'request.export' AND actor_login = 'sh-care'"); n != 1 {
			t.Errorf("%d audit entries for the export", n)
		}
	})
}

// formFile is a file a test posts in a form's "files" field.
type formFile struct {
	name string
	data []byte
}

// pdfFile is a small PDF: what its type is sniffed from.
func pdfFile() []byte { return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n") }

// postMultipart posts a multipart form with files in "files".
func (c *client) postMultipart(path string, fields url.Values, files ...formFile) *http.Response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.WriteField("csrf", c.csrf)
	for _, f := range files {
		fw, _ := mw.CreateFormFile("files", f.name)
		_, _ = fw.Write(f.data)
	}
	mw.Close()
	return c.do(http.MethodPost, path, &body, mw.FormDataContentType())
}

func TestRequestIntakeByStaff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		f := mustRequestSetup(t, e)
		care := e.mustLogin(t, "sh-care")
		// The member search of the members list.
		name := []rune(f.m.Name)
		found := mustPage(t, care, "/requests/new?q="+url.QueryEscape(string(name)), pii.MaskName(f.m.Name), `name="member_id"`)
		if strings.Contains(strings.ReplaceAll(found, `value="`+f.m.Name+`"`, ""), f.m.Name) {
			t.Error("the intake search shows the full name")
		}
		res := care.postMultipart("/requests", url.Values{"member_id": {fmt.Sprint(f.m.ID)}, "channel": {"phone"},
			"topic": {"complaint/service"}, "text": {"会员来电：活动报名后未收到确认短信。"}, "q": {string(name)}}, formFile{"note.png", pngPhoto(t)}, formFile{`D:\录音\通话记录.pdf`, pdfFile()})
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/requests/") {
			t.Fatalf("intake for a member: %d %s", res.StatusCode, readBody(res))
		}
		page := mustPage(t, care, loc, "电话", "活动报名后未收到确认短信", "通话记录.pdf")
		links := regexp.MustCompile(`href="(/requests/\d+/files/\d+)"`).FindAllStringSubmatch(page, -1)
		if len(links) != 2 || !strings.Contains(page, `<img src="`+links[0][1]+`"`) {
			t.Fatalf("the request's files on its page: %v", links)
		}
		// The PDF downloads as an attachment, never sniffed, audited.
		res = care.get(links[1][1])
		if data := readBody(res); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			data != string(pdfFile()) {
			t.Fatalf("the PDF: %d %v", res.StatusCode, res.Header)
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'request.file_download' AND actor_login = 'sh-care'"); n != 1 {
			t.Errorf("downloads audited: %d", n)
		}
		// A reply and an internal note carry files too; staff of another
		// city find neither the request nor its files.
		loc, _, _ = strings.Cut(loc, "?")
		res = care.postMultipart(loc+"/reply", url.Values{"mode": {"note"}, "body": {"回电记录见附件"}}, formFile{"回电.pdf", pdfFile()})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a note with a file: %d %s", res.StatusCode, readBody(res))
		}
		res = care.postMultipart(loc+"/reply", url.Values{"mode": {"reply"}, "body": {"已为您补发确认短信，截图见附件"}},
			formFile{"a.png", pngPhoto(t)}, formFile{"b.png", pngPhoto(t)})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a reply with files: %d %s", res.StatusCode, readBody(res))
		}
		res = care.postMultipart(loc+"/reply", url.Values{"mode": {"reply"}, "body": {"附件太大的回复"}}, formFile{"huge.pdf", make([]byte, web.UploadLimit)})
		if body := readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "附件太大：最多 5 个") {
			t.Errorf("a reply over the upload limit: %d\n%s", res.StatusCode, body)
		}
		page = mustPage(t, care, loc, "回电.pdf", "回电记录见附件")
		if links = regexp.MustCompile(`href="(/requests/\d+/files/\d+)"`).FindAllStringSubmatch(page, -1); len(links) != 5 {
			t.Fatalf("files after the replies: %v", links)
		}
		hz := e.mustLogin(t, "hz-care")
		for _, l := range links {
			if res := hz.get(l[1]); res.StatusCode != http.StatusNotFound {
				t.Errorf("staff out of scope reached %s: %d", l[1], res.StatusCode)
			}
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'request.file_download'"); n != 1 {
			t.Errorf("refused downloads audited: %d", n)
		}

		// The portal's channel is the member's own; a non-member without a
		// mobile is refused.
		res = care.postMultipart("/requests", url.Values{"member_id": {fmt.Sprint(f.m.ID)}, "channel": {"portal"},
			"topic": {"complaint/service"}, "text": {"会员来电反映问题。"}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请选择诉求来源") {
			t.Errorf("portal channel by staff: %d", res.StatusCode)
		}
		res = care.postMultipart("/requests", url.Values{"channel": {"email"}, "topic": {"suggestion/events"}, "text": {"建议多办亲子活动。"}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请选择会员，或填写非会员的手机号") {
			t.Errorf("no member, no mobile: %d", res.StatusCode)
		}
		// Too many files, one too big or one of the wrong type: refused
		// with the reason, nothing stored.
		stored := e.fix.Count(t, "SELECT count(*) FROM requests") + e.fix.Count(t, "SELECT count(*) FROM request_files")
		six := make([]formFile, 6)
		for i := range six {
			six[i] = formFile{fmt.Sprintf("p%d.png", i), pngPhoto(t)}
		}
		for what, tc := range map[string]struct {
			files []formFile
			msg   string
		}{
			"six files":      {six, "附件最多 5 个"},
			"6 MB":           {[]formFile{{"big.png", append(pngPhoto(t), make([]byte, 6<<20)...)}}, "附件“big.png”超过 5 MB"},
			"exe named .pdf": {[]formFile{{"invoice.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...)}}, "附件“invoice.pdf”须为"},
		} {
			res = care.postMultipart("/requests", url.Values{"member_id": {fmt.Sprint(f.m.ID)}, "channel": {"site"},
				"topic": {"complaint/service"}, "text": {"现场反映问题。"}}, tc.files...)
			if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.msg) {
				t.Errorf("%s: %d", what, res.StatusCode)
			}
		}
		// A body beyond five files of 5 MB is cut off as it is read, and
		// the answer names the files and their limits.
		res = care.postMultipart("/requests", url.Values{"member_id": {fmt.Sprint(f.m.ID)}, "channel": {"site"},
			"topic": {"complaint/service"}, "text": {"现场反映问题。"}}, formFile{"huge.pdf", make([]byte, web.UploadLimit)})
		if body := readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "附件太大：最多 5 个，每个不超过 5 MB，合计不超过 20 MB") {
			t.Errorf("a body over the upload limit: %d\n%s", res.StatusCode, body)
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM requests") + e.fix.Count(t, "SELECT count(*) FROM request_files"); n != stored {
			t.Errorf("refused intakes stored rows: %d → %d", stored, n)
		}

		// A caller who is no member: a default member by mobile.
		before := e.fix.Count(t, "SELECT count(*) FROM members")
		res = care.postMultipart("/requests", url.Values{"mobile": {"13912345678"}, "name": {"赵先生"}, "org": {"SH-PD"}, "channel": {"forum"},
			"topic": {"suggestion/website"}, "text": {"网站在手机上打不开活动页面。"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("intake for a caller: %d %s", res.StatusCode, readBody(res))
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM members"); n != before+1 {
			t.Errorf("members %d → %d", before, n)
		}
		list, _, _ := e.srv.Requests.List(context.Background(), request.Filter{Channel: request.Forum})
		if len(list) != 1 || list[0].Subkind != request.SubWebsite {
			t.Fatalf("the caller's request: %+v", list)
		}
		// The same mobile again finds that member; no second one.
		res = care.postMultipart("/requests", url.Values{"mobile": {"13912345678"}, "org": {"SH-PD"}, "channel": {"phone"},
			"topic": {"suggestion/events"}, "text": {"希望周末多安排活动。"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("second intake: %d %s", res.StatusCode, readBody(res))
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM members"); n != before+1 {
			t.Errorf("a second member for one mobile: %d", n)
		}
	})
}
