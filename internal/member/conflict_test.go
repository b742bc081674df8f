package member_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/testfix"
)

// An import row whose mobile belongs to a member but whose name, gender, ID
// number or birthday says otherwise changes nothing; it waits, masked, for a
// supervisor of the member's city, who may apply it (history and audit) or
// dismiss it. Blank fields are filled in.
func TestImportConflictsKeepTheMember(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, d := e.Members, e.DB
		// 林晓雨, approved, with her gender and birthday but no ID number.
		lin := e.Apply(t, member.Application{NodeCode: "HZ-XH", Name: "林晓雨", Gender: "女", Birthday: "1949-12-31", Mobile: "13700000001"})
		if _, err := s.Review(staffCtx(), lin.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		// 王芳 left only her name and mobile.
		wang := e.Apply(t, member.Application{NodeCode: "HZ-XH", Name: "王芳", Mobile: "13700000002"})
		linBefore, linHistory := mustGet(t, s, lin.ID), mustHistory(t, s, lin.ID)

		rows := []member.Application{
			{NodeCode: "HZ-XH", Name: "张三丰", Gender: "男", Mobile: "137 0000 0001"},                  // another name and gender
			{NodeCode: "HZ-XH", Name: "林晓雨", Mobile: "13700000001", IDNumber: "110105199001011232"}, // another ID (and so birthday, gender)
			{NodeCode: "HZ-XH", Name: "王芳", Mobile: "13700000002", IDNumber: "310115198503021233"},  // fills her blanks
			{NodeCode: "HZ-XH", Name: "林晓雨", Mobile: "13700000001", Birthday: "1949-12-31"},         // agrees
			{NodeCode: "HZ-XH", Name: "赵新", Mobile: "13700000003"},                                  // new
		}
		opts := member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "owners.xlsx", Job: 42, File: "owners.xlsx", Rows: []int{2, 3, 4, 5, 6}}
		res, err := s.ApplyBatch(staffCtx(), rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := []member.Outcome{member.Conflicted, member.Conflicted, member.Merged, member.Merged, member.Created}
		for i, w := range want {
			if res[i].Err != nil || res[i].Outcome != w {
				t.Errorf("row %d: %s %v, want %s", i+1, res[i].Outcome, res[i].Err, w)
			}
		}
		wantDiffs := [][]member.Diff{
			{{Field: "name", Old: "林**", New: "张**"}, {Field: "gender", Old: "female", New: "male"}},
			{{Field: "id_number", Old: "", New: "110***********1232"}, {Field: "gender", Old: "female", New: "male"},
				{Field: "birthday", Old: "1949-12-31", New: "1990-01-01"}},
		}
		for i, w := range wantDiffs {
			if !slices.Equal(res[i].Conflict, w) {
				t.Errorf("row %d differs by %+v, want %+v", i+1, res[i].Conflict, w)
			}
		}
		after := mustGet(t, s, lin.ID)
		if after.Name != "林晓雨" || after.Gender != "female" || after.Birthday.String() != linBefore.Birthday.String() || after.IDNumber != linBefore.IDNumber ||
			len(mustHistory(t, s, lin.ID)) != len(linHistory) {
			t.Fatalf("an import changed 林晓雨: %s %s %s %s", after.Name, after.Gender, after.Birthday, after.IDNumber)
		}
		if w := mustGet(t, s, wang.ID); w.Gender != "male" || w.Birthday.String() != "1985-03-02" || w.IDNumber != "310***********1233" {
			t.Errorf("王芳's blanks were not filled: %s %s %s", w.Gender, w.Birthday, w.IDNumber)
		}

		// The conflicts wait for Hangzhou's supervisors, masked; Shanghai's see none.
		hz, sh := []string{mustPath(t, s, "HZ")}, []string{mustPath(t, s, "SH")}
		list := mustConflicts(t, s, member.ConflictFilter{Within: hz, JobID: 42}, 2)
		if c := list[0]; c.MemberID != lin.ID || c.Row != 2 || c.File != "owners.xlsx" || c.MemberName != "林**" || !slices.Equal(c.Diffs, wantDiffs[0]) {
			t.Errorf("conflict %+v", c)
		}
		mustConflicts(t, s, member.ConflictFilter{Within: sh}, 0)
		mustConflicts(t, s, member.ConflictFilter{Within: hz, JobID: 7}, 0)
		// Nothing in the table reads in clear.
		assertNoPlain(t, d, "SELECT file || fields || diffs || digest || CAST(incoming_enc AS TEXT) FROM member_import_conflicts",
			"张三丰", "110105199001011232", "01011232")

		// The same rows again add no conflict.
		if res, err = s.ApplyBatch(staffCtx(), rows, opts); err != nil || res[0].Outcome != member.Conflicted {
			t.Fatalf("again: %+v %v", res, err)
		}
		mustConflicts(t, s, member.ConflictFilter{Within: hz}, 2)

		// Shanghai's supervisor can decide none of them.
		ids := []int64{list[0].ID, list[1].ID}
		failed, err := s.DecideConflicts(supervisorCtx(), member.ConflictDecision{IDs: ids, Apply: true, Within: sh})
		if err != nil || len(failed) != 2 || !apperr.Is(failed[ids[0]], apperr.NotFound) {
			t.Fatalf("another city decided: %v %v", failed, err)
		}
		if mustGet(t, s, lin.ID).Name != "林晓雨" {
			t.Fatal("another city's supervisor applied a conflict")
		}

		// Hangzhou's applies the first and dismisses the second.
		if failed, err := s.DecideConflicts(supervisorCtx(), member.ConflictDecision{IDs: ids[:1], Apply: true, Within: hz}); err != nil || len(failed) > 0 {
			t.Fatalf("apply: %v %v", failed, err)
		}
		if failed, err := s.DecideConflicts(supervisorCtx(), member.ConflictDecision{IDs: ids[1:], Within: hz}); err != nil || len(failed) > 0 {
			t.Fatalf("dismiss: %v %v", failed, err)
		}
		after = mustGet(t, s, lin.ID)
		if after.Name != "张三丰" || after.Gender != "male" || after.IDNumber != linBefore.IDNumber || after.Birthday.String() != linBefore.Birthday.String() {
			t.Errorf("after applying: %s %s %s %s", after.Name, after.Gender, after.IDNumber, after.Birthday)
		}
		changes := map[string]member.Change{}
		for _, c := range mustHistory(t, s, lin.ID)[:len(mustHistory(t, s, lin.ID))-len(linHistory)] {
			changes[c.Field] = c
		}
		if c := changes["name"]; len(changes) != 2 || c.Old != "林晓雨" || c.New != "张三丰" || c.ActorLogin != "sup" || changes["gender"].New != "male" {
			t.Errorf("history of the applied conflict: %+v", changes)
		}
		entries, _, err := audit.List(context.Background(), d, audit.Filter{Action: "member.conflict.", ScopePaths: hz})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		if e := entries[1]; e.Action != "member.conflict.apply" || !strings.Contains(e.Summary, "姓名：林** → 张**；性别：女 → 男") || strings.Contains(e.Summary+e.Before+e.After, "张三丰") {
			t.Errorf("audit of the apply: %+v", e)
		}
		if e := entries[0]; e.Action != "member.conflict.dismiss" || !strings.Contains(e.Summary, "保留原有身份证号、性别、生日") {
			t.Errorf("audit of the dismissal: %+v", e)
		}
		mustConflicts(t, s, member.ConflictFilter{Within: hz}, 0)
		applied := mustConflicts(t, s, member.ConflictFilter{Within: hz, Status: member.ConflictApplied}, 1)
		if applied[0].DecidedBy != "sup" || applied[0].DecidedAt == nil || applied[0].MemberName != "张**" {
			t.Errorf("applied conflict %+v", applied[0])
		}
		mustConflicts(t, s, member.ConflictFilter{Within: hz, Status: member.ConflictDismissed}, 1)
		// A decided conflict stays decided.
		failed, err = s.DecideConflicts(supervisorCtx(), member.ConflictDecision{IDs: ids[1:], Apply: true, Within: hz})
		if err != nil || !apperr.Is(failed[ids[1]], apperr.Conflict) || mustGet(t, s, lin.ID).IDNumber != linBefore.IDNumber {
			t.Errorf("a dismissed conflict was applied: %v %v", failed, err)
		}
	})
}

// A default-member import (visits, calls) fills a missing name but never
// replaces one; the row that would have is a conflict.
func TestDefaultMemberImportConflicts(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		e.Apply(t, member.Application{NodeCode: "SH", Name: "陈静", Mobile: "13700000011"})
		if _, _, err := s.Enrol(staffCtx(), member.Application{NodeCode: "SH", Mobile: "13700000012"}); err != nil {
			t.Fatal(err)
		}
		res, err := s.ApplyBatch(staffCtx(), []member.Application{
			{NodeCode: "SH", Name: "陈小静", Mobile: "13700000011"},
			{NodeCode: "SH", Name: "周洋", Mobile: "13700000012"},
		}, member.BatchOptions{Source: "import", NodePath: "/1/", File: "calls.csv", Rows: []int{2, 3}})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != member.Conflicted || res[1].Outcome != member.Merged {
			t.Fatalf("outcomes %s %s", res[0].Outcome, res[1].Outcome)
		}
		if m, _ := s.ByMobile(context.Background(), "13700000011"); m.Name != "陈静" {
			t.Errorf("name replaced: %s", m.Name)
		}
		if m, _ := s.ByMobile(context.Background(), "13700000012"); m.Name != "周洋" {
			t.Errorf("blank name not filled: %q", m.Name)
		}
		if c := mustConflicts(t, s, member.ConflictFilter{Within: []string{"/"}}, 1)[0]; c.JobID != nil || c.Row != 2 || c.File != "calls.csv" {
			t.Errorf("conflict %+v", c)
		}
	})
}

func supervisorCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "sup"})
}

func mustGet(t *testing.T, s *member.Service, id int64) *member.Member {
	t.Helper()
	m, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustHistory(t *testing.T, s *member.Service, id int64) []member.Change {
	t.Helper()
	h, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustConflicts(t *testing.T, s *member.Service, f member.ConflictFilter, want int) []member.Conflict {
	t.Helper()
	list, total, err := s.Conflicts(context.Background(), f)
	if err != nil || total != want || len(list) != want {
		t.Fatalf("conflicts %+v: %d listed, total %d, %v; want %d", f, len(list), total, err, want)
	}
	return list
}

// assertNoPlain fails if any value the query returns contains one of plain.
func assertNoPlain(t *testing.T, d *db.DB, q string, plain ...string) {
	t.Helper()
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			for _, p := range plain {
				if strings.Contains(v, p) {
					t.Errorf("%q stored in clear: %s", p, v)
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
