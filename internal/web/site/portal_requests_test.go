package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// mustPortalMember is an approved member at SH-PD who consented to texts,
// signed in to the portal.
func mustPortalMember(t *testing.T, e *testEnv, mobile string) (*member.Member, *client) {
	t.Helper()
	ctx := actorCtx("fixture")
	m, _, err := e.srv.Members.Apply(ctx, member.Application{NodeCode: "SH-PD", Name: "陈晓", Mobile: mobile, Consent: member.Consent{SMS: true}})
	if err != nil {
		t.Fatal(err)
	}
	if m, err = e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	c, _ := mustPortalSignIn(t, e, mobile)
	return m, c
}

// staffCtx acts as st.
func staffCtx(st *auth.Staff) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: st.ID, Login: st.Login})
}

// TestPortalRequestFlow: the member reads the replies (never the internal
// notes), answers a question, confirms a solution, reopens another within
// the close-after days (not after), and downloads their data copy; another
// member reaches none of it.
func TestPortalRequestFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		cr := e.mustStaff(t, "portal-cr", auth.CustomerRelations, "SH")
		sc := staffCtx(cr)
		m, me := mustPortalMember(t, e, "13911112222")
		_, other := mustPortalMember(t, e, "13933334444")
		q := mustMemberRequest(t, e, m.ID, request.Complaint, request.SubService, "会所预约电话总是打不通")
		qp := fmt.Sprintf("/m/requests/%d", q.ID)

		if _, err := e.srv.Requests.Reply(sc, q.ID, cr.ID, request.Reply{Body: "内部：会所前台人手不足", Internal: true,
			Files: []request.Upload{{Name: "前台排班.pdf", Data: pdfFile()}}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.srv.Requests.Reply(sc, q.ID, cr.ID, request.Reply{Body: "请问您是在什么时段拨打的？", Wait: true,
			Files: []request.Upload{{Name: "来电记录.png", Data: pngPhoto(t)}}}, nil); err != nil {
			t.Fatal(err)
		}
		page := mustSmallPage(t, me, qp, "请问您是在什么时段拨打的？", "待会员回复", `id="reply-form"`)
		if strings.Contains(page, "人手不足") || strings.Contains(page, "内部备注") || strings.Contains(page, "前台排班") {
			t.Fatalf("the member's page shows the internal note:\n%s", page)
		}
		// The reply's photo is the member's; the note's file, and another
		// member's request's, are not found.
		full, err := e.srv.Requests.Get(context.Background(), q.ID)
		if err != nil || len(full.Messages) != 2 || len(full.Messages[0].Files) != 1 || len(full.Messages[1].Files) != 1 {
			t.Fatalf("request: %+v, %v", full, err)
		}
		noteFile := fmt.Sprintf("%s/files/%d", qp, full.Messages[0].Files[0].ID)
		replyFile := fmt.Sprintf("%s/files/%d", qp, full.Messages[1].Files[0].ID)
		if !strings.Contains(page, `src="`+replyFile+`"`) {
			t.Errorf("the member's page does not show the reply's photo")
		}
		if res := me.get(replyFile); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("the reply's photo: %d %v", res.StatusCode, res.Header)
		}
		for c, path := range map[*client]string{me: noteFile, other: replyFile} {
			if res := c.get(path); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s answered %d, want 404", path, res.StatusCode)
			}
		}
		if strings.Contains(page, `id="confirm-form"`) || strings.Contains(page, `id="reopen-form"`) {
			t.Errorf("a waiting request offers confirm or reopen")
		}
		list := mustSmallPage(t, me, "/m/requests", "待会员回复", "最新回复")
		if !strings.Contains(list, q.No) {
			t.Errorf("the list does not show %s", q.No)
		}

		// An empty reply is refused on the page; a real one goes on.
		res := me.postForm(qp+"/replies", url.Values{"text": {"  "}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="form-error"`) {
			t.Fatalf("empty reply: %d\n%s", res.StatusCode, body)
		}
		// Files with the reply: a sixth is refused, field named, nothing
		// stored; five go.
		six := make([]formFile, 6)
		for i := range six {
			six[i] = formFile{fmt.Sprintf("p%d.png", i), pngPhoto(t)}
		}
		files := e.fix.Count(t, "SELECT count(*) FROM request_files")
		res = me.postMultipart(qp+"/replies", url.Values{"text": {"工作日晚上七点左右"}}, six...)
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "附件最多 5 个") {
			t.Fatalf("six files: %d\n%s", res.StatusCode, body)
		}
		// A body over the route's bound is cut off as it is read; the
		// answer names the files, in the member's language.
		res = me.postMultipart(qp+"/replies", url.Values{"text": {"工作日晚上七点左右"}}, formFile{"huge.pdf", make([]byte, web.UploadLimit)})
		if body := readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "附件太大：最多 5 个，每个不超过 5 MB，合计不超过 20 MB") {
			t.Errorf("a reply over the upload limit: %d\n%s", res.StatusCode, body)
		}
		mustRedirect(t, "English", me.postForm("/lang", url.Values{"lang": {"en"}, "next": {"/m/"}}))
		res = me.postMultipart("/m/requests", url.Values{"topic": {"complaint/property"}, "text": {"楼道灯坏了一周。"}}, formFile{"huge.pdf", make([]byte, web.UploadLimit)})
		if body := readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "files: too large; at most 5 files, each at most 5 MB, 20 MB together") {
			t.Errorf("a request over the upload limit, in English: %d\n%s", res.StatusCode, body)
		}
		mustRedirect(t, "Chinese", me.postForm("/lang", url.Values{"lang": {"zh-CN"}, "next": {"/m/"}}))
		if n := e.fix.Count(t, "SELECT count(*) FROM request_files"); n != files {
			t.Errorf("refused replies stored files: %d → %d", files, n)
		}
		loc := mustRedirect(t, "reply", me.postMultipart(qp+"/replies", url.Values{"text": {"工作日晚上七点左右"}},
			append(six[:4], formFile{"通话截图.pdf", pdfFile()})...))
		mustSmallPage(t, me, loc, "工作日晚上七点左右", "处理中", "已发送", "通话截图.pdf")
		if got, _ := e.srv.Requests.Get(context.Background(), q.ID); got.Status != request.InProgress {
			t.Fatalf("after the member's reply: %s", got.Status)
		}
		res = other.postForm(qp+"/replies", url.Values{"text": {"别人的诉求"}})
		if res.Body.Close(); res.StatusCode != http.StatusNotFound {
			t.Errorf("another member's reply: %d, want 404", res.StatusCode)
		}

		// Resolved: the member confirms, and it closes.
		if _, err := e.srv.Requests.Resolve(sc, q.ID, cr.ID, "已增加晚间值班人员", "会所预约", nil); err != nil {
			t.Fatal(err)
		}
		mustSmallPage(t, me, qp, "已增加晚间值班人员", `id="confirm-form"`, `id="reopen-form"`)
		loc = mustRedirect(t, "confirm", me.postForm(qp+"/confirm", nil))
		page = mustSmallPage(t, me, loc, "已关闭", "感谢确认")
		if strings.Contains(page, `id="reply-form"`) || strings.Contains(page, `id="confirm-form"`) {
			t.Errorf("a closed request offers a reply or a confirmation")
		}

		// Another, resolved: reopened with a reason within the days, not after.
		q2 := mustMemberRequest(t, e, m.ID, request.Complaint, request.SubService, "小区门禁卡无法使用")
		q2p := fmt.Sprintf("/m/requests/%d", q2.ID)
		if _, err := e.srv.Requests.Resolve(sc, q2.ID, cr.ID, "已为您重新写卡", "", nil); err != nil {
			t.Fatal(err)
		}
		res = me.postForm(q2p+"/reopen", url.Values{"reason": {""}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "重新打开的原因") {
			t.Fatalf("reopen without a reason: %d\n%s", res.StatusCode, body)
		}
		mustRedirect(t, "reopen", me.postForm(q2p+"/reopen", url.Values{"reason": {"重新写卡后还是刷不开"}}))
		mustSmallPage(t, me, q2p, "处理中", "重新写卡后还是刷不开")
		if _, err := e.srv.Requests.Resolve(sc, q2.ID, cr.ID, "已更换新卡", "", nil); err != nil {
			t.Fatal(err)
		}
		clock.Add(8 * 24 * time.Hour)                 // past the default 7 days
		me, _ = mustPortalSignIn(t, e, "13911112222") // the sessions ended meanwhile
		other, _ = mustPortalSignIn(t, e, "13933334444")
		if page := mustSmallPage(t, me, q2p, "已解决"); strings.Contains(page, `id="reopen-form"`) {
			t.Errorf("the reopen form is offered past the close-after days")
		}
		res = me.postForm(q2p+"/reopen", url.Values{"reason": {"又坏了"}})
		if body := readBody(res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "超过 7 天") {
			t.Fatalf("reopen past the days: %d\n%s", res.StatusCode, body)
		}

		// The data copy: the member's own download, audited, never cached.
		cp := mustMemberRequest(t, e, m.ID, request.Privacy, request.SubDataCopy, "请提供我的个人信息副本")
		cpp := fmt.Sprintf("/m/requests/%d", cp.ID)
		if page := mustSmallPage(t, me, cpp); strings.Contains(page, `id="copy-download"`) {
			t.Errorf("a download link before the copy is made")
		}
		res = me.get(cpp + "/copy")
		if res.Body.Close(); res.StatusCode != http.StatusNotFound {
			t.Errorf("the copy before it is made: %d, want 404", res.StatusCode)
		}
		if _, err := e.srv.Requests.MakeCopy(sc, cp.ID, cr.ID, nil); err != nil {
			t.Fatal(err)
		}
		mustSmallPage(t, me, cpp, `id="copy-download"`, "个人信息副本已生成")
		res = me.get(cpp + "/copy")
		body := readBody(res)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
			t.Fatalf("download: %d %.40q", res.StatusCode, body)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".xlsx") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q", cc)
		}
		if n := e.fix.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'privacy.copy_download' AND object_id = ?", fmt.Sprint(cp.ID)); n != 1 {
			t.Errorf("%d audit entries of the download, want 1", n)
		}
		for _, path := range []string{cpp + "/copy", cpp, qp} {
			res = other.get(path)
			if res.Body.Close(); res.StatusCode != http.StatusNotFound {
				t.Errorf("another member: GET %s answered %d, want 404", path, res.StatusCode)
			}
		}
		for _, path := range []string{q2p + "/confirm", q2p + "/reopen"} {
			res = other.postForm(path, url.Values{"reason": {"不是我的"}})
			if res.Body.Close(); res.StatusCode != http.StatusNotFound {
				t.Errorf("another member: POST %s answered %d, want 404", path, res.StatusCode)
			}
		}
	})
}
