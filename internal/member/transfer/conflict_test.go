package transfer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/member/transfer"
)

// An import row that gives an approved member's mobile another name and
// gender leaves her as she is: the row is a conflict in the counts, in the
// error report (both values masked) and in the conflicts of its job.
func TestImportConflictLeavesTheMember(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		svc := mustService(t, d)
		lin, _, err := svc.Apply(staffCtx(), member.Application{NodeCode: "BJF", Name: "林晓雨", Mobile: "13812340001", IDNumber: "11010519491231002X"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Review(staffCtx(), lin.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		csv := "客户姓名,性别,手机号码,出生日期\n" +
			"张三丰,男,13812340001,\n" + // row 2: 林晓雨's mobile
			"赵新,女,13812340002,\n" + // row 3: new
			"钱七,女,1381234,\n" + // row 4: bad mobile
			"林晓雨,,13812340001,1949-12-31\n" // row 5: agrees
		s := mustOpen(t, "业主.csv", []byte(csv))
		rep, err := transfer.Import(staffCtx(), svc, s, transfer.Options{OrgCode: "HZ", JobID: 9})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || rep.Merged != 1 || rep.Conflicted != 1 || rep.Failed != 1 || len(rep.Conflicts) != 1 {
			t.Fatalf("imported %d, merged %d, conflicts %d, failed %d", rep.Created, rep.Merged, rep.Conflicted, rep.Failed)
		}
		m, err := svc.Get(context.Background(), lin.ID)
		if err != nil || m.Name != "林晓雨" || m.Gender != "female" || m.Status != member.Active {
			t.Fatalf("the member changed: %+v %v", m, err)
		}
		msg := rep.Conflicts[0].Message()
		for _, want := range []string{"冲突", "客户姓名：会员为“林**”，本行为“张**”", "性别：会员为“女”，本行为“男”", "Name: member “林**”, this row “张**”"} {
			if !strings.Contains(msg, want) {
				t.Errorf("conflict message lacks %q: %s", want, msg)
			}
		}

		// The error report lists the failure and the conflict in row order.
		var buf bytes.Buffer
		if err := transfer.WriteErrorReport(&buf, s, rep); err != nil {
			t.Fatal(err)
		}
		rows := mustRows(t, buf.Bytes(), "导入错误")
		if len(rows) != 3 || rows[1][5] != "2" || rows[1][4] != msg || rows[2][5] != "4" || !strings.HasPrefix(rows[2][4], "手机号码：") {
			t.Errorf("error report %q", rows)
		}

		list, total, err := svc.Conflicts(context.Background(), member.ConflictFilter{Within: []string{"/"}, JobID: 9})
		if err != nil || total != 1 || list[0].Row != 2 || list[0].File != "业主.csv" || list[0].MemberID != lin.ID {
			t.Fatalf("conflicts of the job: %+v %d %v", list, total, err)
		}
	})
}
