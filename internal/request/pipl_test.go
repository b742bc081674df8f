package request_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/filestore"
	"estateclub/internal/member"
	"estateclub/internal/privacy"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

func withPrivacy(f *flow) *privacy.Service {
	p := &privacy.Service{DB: f.e.DB, Keys: f.e.Keys, Files: &filestore.Store{DB: f.e.DB, Keys: f.e.Keys},
		Areas: []privacy.Area{request.Messages{S: f.svc}, request.Files{S: f.svc}}}
	f.svc.Privacy = p
	return p
}

func TestDataCopyRequest(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		p := withPrivacy(f)
		ctx := context.Background()
		a := e.Application("SH-PD")
		a.Name, a.Mobile = "欧阳娜娜", "13811112222"
		id := e.Approve(t, a)
		other := e.Member(t, "SH-PD")
		r, err := f.svc.Submit(ctx, request.NewRequest{MemberID: id, Kind: request.Privacy, Subkind: request.SubDataCopy, Text: "请提供我的个人信息副本。"})
		if err != nil {
			t.Fatal(err)
		}
		// Before it is made there is nothing to download.
		if _, err := f.svc.CopyFile(ctx, r.ID, id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("copy before making: %v", err)
		}
		if _, err := f.svc.Reply(staffCtx(f.handler), r.ID, f.handler.ID, request.Reply{Body: "您好，副本将在 15 个工作日内提供。",
			Files: one("副本说明.pdf", pdfBytes())}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(staffCtx(f.handler), r.ID, f.handler.ID, request.Reply{Body: "核对身份后再做", Internal: true,
			Files: one("身份核对记录.pdf", pdfBytes())}, nil); err != nil {
			t.Fatal(err)
		}
		r, err = f.svc.MakeCopy(staffCtx(f.handler), r.ID, f.handler.ID, nil)
		if err != nil || r.Status != request.Resolved || r.CopyFileID == nil {
			t.Fatalf("make copy: %+v, %v", r, err)
		}
		// A retry makes nothing new.
		if _, err := f.svc.MakeCopy(staffCtx(f.handler), r.ID, f.handler.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(t, "SELECT count(*) FROM privacy_copies"); n != 1 {
			t.Fatalf("copies = %d", n)
		}
		// Another member cannot have it.
		if _, err := f.svc.CopyFile(ctx, r.ID, other); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another member's download: %v", err)
		}
		file, err := f.svc.CopyFile(ctx, r.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		data, err := p.Files.ReadAll(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, sh := range x.GetSheetList() {
			rows, _ := x.GetRows(sh)
			for _, row := range rows {
				all.WriteString(strings.Join(row, "|") + "\n")
			}
		}
		if !strings.Contains(all.String(), "欧阳娜娜") || !strings.Contains(all.String(), "13811112222") {
			t.Fatal("the copy lacks the member's own name or mobile")
		}
		if !strings.Contains(all.String(), "副本将在 15 个工作日内提供") {
			t.Fatal("the copy lacks the request's messages")
		}
		// The files of the replies are listed; an internal note's are not
		// the member's data.
		if !strings.Contains(all.String(), "副本说明.pdf") || strings.Contains(all.String(), "身份核对记录") || strings.Contains(all.String(), "核对身份") {
			t.Fatalf("the copy's files:\n%s", all.String())
		}
	})
}

func TestAccountDeletionRequest(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		withPrivacy(f)
		ctx := context.Background()
		a := e.Application("SH-PD")
		a.Name, a.Mobile, a.Email = "司马相如", "13922223333", "sima@example.com"
		id := e.Approve(t, a)
		e.Earn(t, id, 500, e.Path("EAST"))
		complaint, err := f.svc.Submit(ctx, request.NewRequest{MemberID: id, Kind: request.Complaint, Subkind: request.SubProperty,
			Text: "我住 3 栋 1201，楼上漏水。", Files: []request.Upload{{Name: "1201 漏水.png", Data: pngBytes(t)}, {Name: "物业单.pdf", Data: pdfBytes()}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(staffCtx(f.handler), complaint.ID, f.handler.ID, request.Reply{Body: "司马先生您好，3 栋 1201 已安排上门。",
			Files: one("1201 上门单.pdf", pdfBytes())}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(staffCtx(f.handler), complaint.ID, f.handler.ID, request.Reply{Body: "1201 业主来电", Internal: true,
			Files: one("1201 通话记录.pdf", pdfBytes())}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MemberReply(ctx, complaint.ID, id, "补充照片", request.Upload{Name: "1201 天花板.png", Data: pngBytes(t)}); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(t, "SELECT count(*) FROM request_files WHERE request_id = ?", complaint.ID); n != 5 {
			t.Fatalf("files before deletion = %d", n)
		}
		r, err := f.svc.Submit(ctx, request.NewRequest{MemberID: id, Kind: request.Privacy, Subkind: request.SubAccountDeletion, Text: "请注销我的账户。"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Take(staffCtx(f.cityBoss), r.ID, f.cityBoss.ID, nil); err != nil {
			t.Fatal(err)
		}
		// The handler cannot approve their own; resolving it by hand is refused too.
		_, err = f.svc.ApproveDeletion(staffCtx(f.cityBoss), r.ID, f.cityBoss.ID, nil)
		testfix.WantCode(t, err, apperr.Conflict)
		_, err = f.svc.Resolve(staffCtx(f.cityBoss), r.ID, f.cityBoss.ID, "已注销", "", nil)
		testfix.WantCode(t, err, apperr.Conflict)
		r, err = f.svc.ApproveDeletion(staffCtx(f.topBoss), r.ID, f.topBoss.ID, nil)
		if err != nil || r.Status != request.Resolved || r.ApprovedBy == "" {
			t.Fatalf("approve: %+v, %v", r, err)
		}
		// A retry is safe.
		if _, err := f.svc.ApproveDeletion(staffCtx(f.topBoss), r.ID, f.topBoss.ID, nil); err != nil {
			t.Fatal(err)
		}
		testfix.ScanForPII(t, e.DB, "司马相如", "13922223333", "sima@example.com", "1201")
		if rep := e.Verify(t); !rep.OK() {
			t.Fatalf("points verify after deletion: %+v", rep)
		}
		if _, err := e.Members.ByMobile(ctx, "13922223333"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("found by mobile after deletion: %v", err)
		}
		if n := e.Count(t, "SELECT count(*) FROM requests WHERE member_id = ?", id); n != 2 {
			t.Fatalf("requests kept = %d, want 2", n)
		}
		// No file of the member's requests is left: theirs, the replies' or
		// the notes'.
		if n := e.Count(t, "SELECT count(*) FROM request_files WHERE request_id IN (SELECT id FROM requests WHERE member_id = ?)", id); n != 0 {
			t.Fatalf("files left after deletion = %d", n)
		}
		m, err := e.Members.Get(ctx, id)
		if err != nil || m.Status != member.Closed {
			t.Fatalf("member after deletion: %+v, %v", m, err)
		}
	})
}
