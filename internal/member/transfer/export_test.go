package transfer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/member/transfer"
)

func TestExportMaskedAndRevealed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		svc := mustService(t, d)
		if _, err := transfer.Import(staffCtx(), svc, mustOpen(t, "a.xlsx", messyXLSX(t)), transfer.Options{OrgCode: "HZ"}); err != nil {
			t.Fatal(err)
		}
		var masked bytes.Buffer
		n, err := transfer.Export(staffCtx(), &masked, svc, member.Filter{}, transfer.ExportOptions{})
		if err != nil || n != len(wantMembers) {
			t.Fatalf("export: %d rows, %v", n, err)
		}
		// No full mobile anywhere in the file, whatever part it hides in.
		xml := unzipAll(t, masked.Bytes())
		for mobile := range wantMembers {
			if strings.Contains(xml, mobile) {
				t.Errorf("the masked export holds %s", mobile)
			}
		}
		rows := mustRows(t, masked.Bytes(), "会员")
		if len(rows) != 1+len(wantMembers) || rows[0][1] != "姓名" || rows[0][3] != "手机号码" {
			t.Fatalf("export rows: %q", rows)
		}
		var mobiles []string
		for _, r := range rows[1:] {
			mobiles = append(mobiles, r[3])
		}
		if !slices.Contains(mobiles, "138****5678") {
			t.Errorf("masked mobiles %v", mobiles)
		}

		// A filtered list, revealed, in English.
		var full bytes.Buffer
		n, err = transfer.Export(staffCtx(), &full, svc, member.Filter{Q: "张三"}, transfer.ExportOptions{Reveal: true, Lang: "en", Why: "回访"})
		if err != nil || n != 1 {
			t.Fatalf("filtered export: %d rows, %v", n, err)
		}
		rows = mustRows(t, full.Bytes(), "Members")
		if rows[0][3] != "Mobile" || rows[1][3] != "13812345678" || rows[1][2] != "Male" || rows[1][5] != "1985-03-02" {
			t.Errorf("revealed export: %q", rows)
		}
		// The caller records the export once.
		if err := transfer.RecordExport(staffCtx(), d, transfer.ExportRecord{File: "members.xlsx", Count: n, Reveal: true, NodePath: "/1/"}); err != nil {
			t.Fatal(err)
		}
		entries, _, err := audit.List(context.Background(), d, audit.Filter{Action: "member.export", Unscoped: true})
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Summary, "导出会员 1 人") {
			t.Errorf("export audit: %+v %v", entries, err)
		}
	})
}

// More members than one page of the member list.
func TestExportPagesThroughLargeLists(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	svc := mustService(t, d)
	apps := make([]member.Application, 2100)
	for i := range apps {
		apps[i] = member.Application{NodeCode: "BJF", Name: "会员", Mobile: fmt.Sprintf("1390000%04d", i)}
	}
	if _, err := svc.ApplyBatch(staffCtx(), apps, member.BatchOptions{Application: true, Source: "import", NodePath: "/1/"}); err != nil {
		t.Fatal(err)
	}
	n, err := transfer.Export(staffCtx(), io.Discard, svc, member.Filter{}, transfer.ExportOptions{})
	if err != nil || n != len(apps) {
		t.Fatalf("exported %d of %d: %v", n, len(apps), err)
	}
}

func unzipAll(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(rc)
		rc.Close()
		b.Write(part)
	}
	return b.String()
}
