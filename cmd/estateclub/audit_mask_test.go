package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// After exports searched by every kind of term, the audit log holds no
// plain mobile or ID number, and keeps each term masked with its kind.
func TestExportCommandAuditsMaskedSearch(t *testing.T) {
	const (
		mobile = "13955556666"
		id     = "11010519491231002X"
	)
	for _, engine := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			dir := t.TempDir()
			dsn := dbtest.DSN(t, engine)
			run := func(args ...string) string {
				return mustCLI(t, "", append(args, "--data-dir", dir, "--db", dsn)...)
			}
			run("org", "add", "--parent", "GROUP", "--kind", "region", "--code", "EAST", "--name", "华东")
			run("org", "add", "--parent", "EAST", "--kind", "city", "--code", "HZ", "--name", "杭州公司")
			run("org", "add", "--parent", "HZ", "--kind", "project", "--code", "BJF", "--name", "滨江府")
			book := filepath.Join(dir, "members.xlsx")
			f := excelize.NewFile()
			for i, r := range [][]any{{"客户姓名", "手机号码", "身份证号", "所属项目"}, {"张三丰", mobile, id, "BJF"}} {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.SaveAs(book); err != nil {
				t.Fatal(err)
			}
			f.Close()
			run("import", "members", book, "--org", "HZ")
			terms := map[string]string{mobile: "mobile", "139 5555 6666": "mobile", "6666": "mobile_last4", id: "id_number",
				strings.ToLower(id): "id_number", "张三丰": "name", "zhangsanfeng": "pinyin", "zsf": "pinyin"}
			for q := range terms {
				if out := run("export", "members", filepath.Join(dir, "out.xlsx"), "--q", q); !strings.Contains(out, "exported 1 members") {
					t.Errorf("export --q %s: %s", q, out)
				}
			}
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			rows := mustAuditRows(t, d)
			kinds := map[string]int{}
			for _, r := range rows {
				for _, plain := range []string{mobile, "139 5555 6666", id, strings.ToLower(id), "张三丰", "zhangsanfeng"} {
					if strings.Contains(r, plain) {
						t.Errorf("an audit row holds %q: %s", plain, r)
					}
				}
				for _, k := range []string{"mobile", "mobile_last4", "id_number", "name", "pinyin"} {
					if strings.Contains(r, `"q_kind":"`+k+`"`) {
						kinds[k]++
					}
				}
			}
			want := map[string]int{}
			for _, k := range terms {
				want[k]++
			}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("%d exports searched by %s, want %d (kinds %v)", kinds[k], k, n, kinds)
				}
			}
		})
	}
}

// mustAuditRows reads every audit row's text columns, joined by tabs.
func mustAuditRows(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT action, actor_login, object_id, summary, before_data, after_data FROM audit_log`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c [6]string
			if err := rows.Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]); err != nil {
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
