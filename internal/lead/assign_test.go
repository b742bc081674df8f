package lead_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
	"estateclub/internal/testfix"
)

func TestRotationAndRules(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		cfg := lead.DefaultConfig()
		cfg.Rotation = []int64{f.staff["wang"], f.staff["li"], f.staff["zhao"]}
		cfg.Rules = []lead.AssignRule{{Source: lead.Call, Media: "老带新", StaffID: f.staff["zhao"]}}
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-PD", cfg); err != nil {
			t.Fatal(err)
		}
		var got []string
		for range 4 {
			l := f.mustRegister(t, "", lead.Registration{Assign: lead.ByRotation})
			got = append(got, l.OwnerName)
		}
		if strings.Join(got, ",") != "王芳,李强,赵敏,王芳" {
			t.Errorf("rotation gave %v", got)
		}
		// The rule matches a referred call; other leads fall back to the rotation.
		l := f.mustRegister(t, "", lead.Registration{Source: lead.Call, Media: "老带新", Assign: lead.ByRules})
		if l.OwnerName != "赵敏" {
			t.Errorf("rule gave %s", l.OwnerName)
		}
		l = f.mustRegister(t, "", lead.Registration{Source: lead.Visit, Media: "网络", Assign: lead.ByRules})
		if l.OwnerName != "李强" {
			t.Errorf("fallback rotation gave %s", l.OwnerName)
		}
		// A consultant of another project cannot be given a lead by hand.
		_, err := f.svc.Assign(f.as("chen"), []int64{l.ID}, f.staff["zhou"], "")
		testfix.WantErr(t, err, apperr.Invalid, "owner_id")
		// Unassigned new leads wait for the manager, who assigns them in bulk.
		a := f.mustRegister(t, "", lead.Registration{})
		b := f.mustRegister(t, "", lead.Registration{})
		if a.OwnerID != nil {
			t.Fatalf("lead owned without assignment: %+v", a)
		}
		list, total, err := f.svc.List(context.Background(), lead.Filter{Within: []string{"/1/"}, Unassigned: true})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("unassigned = %d %v", total, err)
		}
		out, err := f.svc.AssignBy(f.as("chen"), []int64{a.ID, b.ID}, lead.ByRotation, "新客分配")
		if err != nil || len(out) != 2 || out[0].OwnerName != "赵敏" || out[1].OwnerName != "王芳" {
			t.Fatalf("assign by rotation = %+v, %v", out, err)
		}
	})
}

func TestDepartingConsultantHandover(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		cfg := lead.DefaultConfig()
		cfg.Rotation = []int64{f.staff["wang"], f.staff["li"], f.staff["zhao"]}
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-PD", cfg); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 7 {
			l := f.mustRegister(t, "wang", lead.Registration{Surname: "客"})
			if i%2 == 0 {
				if _, err := f.svc.AddFollowUp(f.as("wang"), l.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "回访"}); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, l.ID)
		}
		other := f.mustRegister(t, "li", lead.Registration{})
		histBefore := map[int64]int{}
		for _, id := range ids {
			histBefore[id] = len(f.history(t, id))
		}
		// wang leaves: one action, by rotation, never back to wang.
		out, err := f.svc.Handover(f.as("chen"), lead.Handover{From: f.staff["wang"], Reason: "王芳离职"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(ids) {
			t.Fatalf("handed over %d, want %d", len(out), len(ids))
		}
		perOwner := map[string]int{}
		for _, id := range ids {
			l := f.mustGet(t, id)
			if l.OwnerID == nil || *l.OwnerID == f.staff["wang"] {
				t.Errorf("lead %d owner %v after handover", id, l.OwnerID)
				continue
			}
			perOwner[l.OwnerName]++
			h := f.history(t, id)
			if len(h) != histBefore[id]+1 {
				t.Errorf("lead %d history %d lines, want %d (all kept, one added)", id, len(h), histBefore[id]+1)
			}
			last := h[len(h)-1]
			if last.Action != "owner" || !strings.Contains(last.Old, "王芳") || !strings.Contains(last.Reason, "王芳离职") || last.ActorLogin != "chen" {
				t.Errorf("lead %d last history %+v", id, last)
			}
		}
		if perOwner["李强"] == 0 || perOwner["赵敏"] == 0 || perOwner["李强"]+perOwner["赵敏"] != len(ids) {
			t.Errorf("spread %v", perOwner)
		}
		if n := f.Count(t, "SELECT count(*) FROM leads WHERE owner_id = ?", f.staff["wang"]); n != 0 {
			t.Errorf("wang still owns %d leads", n)
		}
		if l := f.mustGet(t, other.ID); *l.OwnerID != f.staff["li"] {
			t.Error("a colleague's lead moved")
		}
		// To one colleague who cannot take them: nothing moves.
		_, err = f.svc.Handover(f.as("chen"), lead.Handover{From: f.staff["li"], To: f.staff["zhou"], Reason: "调岗"})
		testfix.WantErr(t, err, apperr.Invalid, "to")
		if n := f.Count(t, "SELECT count(*) FROM leads WHERE owner_id = ?", f.staff["li"]); n != perOwner["李强"]+1 {
			t.Errorf("a refused handover moved leads: li has %d", n)
		}
		// An inactive owner shows as an anomaly until reassigned.
		if _, err := d.SQL().Exec("UPDATE staff SET active = FALSE WHERE id = " + strconv.FormatInt(f.staff["zhao"], 10)); err != nil {
			t.Fatal(err)
		}
		as, err := f.svc.Anomalies(context.Background(), []string{"/1/"})
		if err != nil {
			t.Fatal(err)
		}
		if n := countKind(as, lead.InactiveOwner); n != perOwner["赵敏"] {
			t.Errorf("inactive-owner anomalies = %d, want %d", n, perOwner["赵敏"])
		}
		_, err = f.svc.Assign(f.as("chen"), ids[:1], f.staff["zhao"], "")
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("assign to an inactive consultant: %v", err)
		}
	})
}

func countKind(as []lead.Anomaly, k lead.AnomalyKind) int {
	n := 0
	for _, a := range as {
		if a.Kind == k {
			n++
		}
	}
	return n
}
