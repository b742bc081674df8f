package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// start is in UTC+8, as the club's staff see it; List must compare instants.
var start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// entry is one change to record, by whom and how long after start.
type entry struct {
	key    string // names the entry in expectations
	after  time.Duration
	actor  db.Actor
	change audit.Change
}

var (
	alice  = db.Actor{Kind: "staff", ID: 11, Login: "alice", IP: "10.0.0.1", RequestID: "r-a"}
	bob    = db.Actor{Kind: "staff", ID: 12, Login: "bob", IP: "10.0.0.2"}
	system = db.Actor{Kind: "system", Login: "system"}
)

// fixture is recorded oldest first; paths /1/2/ and /1/23/ share a text
// prefix but not a subtree.
var fixture = []entry{
	{"create", 0, alice, audit.Change{Action: "staff.create", ObjectType: "staff", ObjectID: 1, NodePath: "/1/2/",
		Summary: "新建员工 carol", After: map[string]string{"login": "carol"}}},
	{"grant", time.Hour, bob, audit.Change{Action: "staff.role.grant", ObjectType: "staff", ObjectID: 1, NodePath: "/1/2/4/",
		Before: []string{}, After: []string{"city_specialist"}}},
	{"org", 2 * time.Hour, alice, audit.Change{Action: "org.create", ObjectType: "org_node", ObjectID: "SH", NodePath: "/1/2/4/"}},
	{"failed", 3 * time.Hour, system, audit.Change{Action: "auth.login_failed", ObjectType: "staff", ObjectID: "ghost"}},
	{"staffing", 4 * time.Hour, bob, audit.Change{Action: "staffing.plan", ObjectType: "plan", ObjectID: 9, NodePath: "/1/3/"}},
	{"reveal", 5 * time.Hour, alice, audit.Change{Action: "member.reveal", ObjectType: "member", ObjectID: int64(42), NodePath: "/1/23/"}},
}

// mustRecord records the fixture with a fake clock and returns the ids by key.
func mustRecord(t *testing.T, d *db.DB) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	for _, e := range fixture {
		d.Clock = func() time.Time { return start.Add(e.after) }
		ctx := db.WithActor(context.Background(), e.actor)
		var id int64
		err := d.Update(ctx, func(tx *db.Tx) error {
			if err := audit.Record(ctx, tx, e.change); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT max(id) FROM audit_log").Scan(&id)
		})
		if err != nil {
			t.Fatalf("record %s: %v", e.key, err)
		}
		ids[e.key] = id
	}
	return ids
}

// mustList lists and returns the entries' keys, newest first.
func mustList(t *testing.T, d *db.DB, ids map[string]int64, f audit.Filter) ([]string, int) {
	t.Helper()
	entries, total, err := audit.List(context.Background(), d, f)
	if err != nil {
		t.Fatalf("list %+v: %v", f, err)
	}
	byID := map[int64]string{}
	for k, id := range ids {
		byID[id] = k
	}
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = byID[e.ID]
		if keys[i] == "" {
			t.Fatalf("unexpected entry %+v", e)
		}
	}
	return keys, total
}

func TestRecordStoresTheChange(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ids := mustRecord(t, d)
		entries, total, err := audit.List(context.Background(), d, audit.Filter{Unscoped: true})
		if err != nil {
			t.Fatal(err)
		}
		if total != len(fixture) || len(entries) != len(fixture) {
			t.Fatalf("got %d entries, total %d; want %d", len(entries), total, len(fixture))
		}
		for i, e := range entries {
			want := fixture[len(fixture)-1-i] // newest first
			t.Run(want.key, func(t *testing.T) {
				if e.ID != ids[want.key] {
					t.Fatalf("entry %d has id %d, want %s (%d)", i, e.ID, want.key, ids[want.key])
				}
				c, a := want.change, want.actor
				if !e.At.Equal(start.Add(want.after)) {
					t.Errorf("at = %v, want %v", e.At, start.Add(want.after))
				}
				var wantActorID *int64
				if a.ID != 0 {
					wantActorID = &a.ID
				}
				if (e.ActorID == nil) != (wantActorID == nil) || (e.ActorID != nil && *e.ActorID != *wantActorID) {
					t.Errorf("actor id = %v, want %v", e.ActorID, wantActorID)
				}
				if e.ActorKind != a.Kind || e.ActorLogin != a.Login || e.IP != a.IP || e.RequestID != a.RequestID {
					t.Errorf("actor = %s %s %s %s, want %+v", e.ActorKind, e.ActorLogin, e.IP, e.RequestID, a)
				}
				if e.Action != c.Action || e.ObjectType != c.ObjectType || e.ObjectID != fmt.Sprint(c.ObjectID) ||
					e.NodePath != c.NodePath || e.Summary != c.Summary {
					t.Errorf("entry = %+v, want %+v", e, c)
				}
				mustJSON(t, "before", e.Before, c.Before)
				mustJSON(t, "after", e.After, c.After)
			})
		}
	})
}

// mustJSON checks that a stored before/after column holds v as JSON, or
// nothing when v is nil.
func mustJSON(t *testing.T, name, got string, v any) {
	t.Helper()
	if v == nil {
		if got != "" {
			t.Errorf("%s = %q, want empty", name, got)
		}
		return
	}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s = %s, want %s", name, got, want)
	}
}

func TestRecordFailureWritesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Update(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, audit.Change{Action: "x.bad", ObjectType: "x", After: make(chan int)})
		})
		if err == nil {
			t.Fatal("recording an unmarshalable value succeeded")
		}
		if _, total, err := audit.List(ctx, d, audit.Filter{Unscoped: true}); err != nil || total != 0 {
			t.Errorf("total = %d, %v; want 0", total, err)
		}
	})
}

func TestListFilters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ids := mustRecord(t, d)
		cst := start.Location()
		tests := []struct {
			name string
			f    audit.Filter
			want []string // newest first
		}{
			{"everything", audit.Filter{Unscoped: true}, []string{"reveal", "staffing", "failed", "org", "grant", "create"}},
			{"actor", audit.Filter{ActorLogin: "alice", Unscoped: true}, []string{"reveal", "org", "create"}},
			{"system actor", audit.Filter{ActorLogin: "system", Unscoped: true}, []string{"failed"}},
			{"unknown actor", audit.Filter{ActorLogin: "mallory", Unscoped: true}, nil},
			{"exact action", audit.Filter{Action: "staff.create", Unscoped: true}, []string{"create"}},
			{"exact action is not a prefix", audit.Filter{Action: "staff", Unscoped: true}, nil},
			{"action prefix", audit.Filter{Action: "staff.", Unscoped: true}, []string{"grant", "create"}},
			{"deeper prefix", audit.Filter{Action: "staff.role.", Unscoped: true}, []string{"grant"}},
			{"prefix wildcards are literal", audit.Filter{Action: "st_ff.", Unscoped: true}, nil},
			{"percent is literal", audit.Filter{Action: "%.", Unscoped: true}, nil},
			{"object type", audit.Filter{ObjectType: "staff", Unscoped: true}, []string{"failed", "grant", "create"}},
			{"object", audit.Filter{ObjectType: "staff", ObjectID: "1", Unscoped: true}, []string{"grant", "create"}},
			{"object by text id", audit.Filter{ObjectID: "ghost", Unscoped: true}, []string{"failed"}},
			{"from is inclusive", audit.Filter{From: start.Add(4 * time.Hour), Unscoped: true}, []string{"reveal", "staffing"}},
			{"to is exclusive", audit.Filter{To: start.Add(2 * time.Hour), Unscoped: true}, []string{"grant", "create"}},
			{"range", audit.Filter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour), Unscoped: true}, []string{"org", "grant"}},
			{"range in UTC", audit.Filter{From: start.Add(time.Hour).UTC(), To: start.Add(3 * time.Hour).UTC(), Unscoped: true}, []string{"org", "grant"}},
			{"range in another zone", audit.Filter{From: time.Date(2025, 3, 10, 10, 30, 0, 0, cst).In(time.FixedZone("X", -5*3600)), Unscoped: true},
				[]string{"reveal", "staffing", "failed", "org"}},
			{"empty range", audit.Filter{From: start.Add(time.Hour), To: start.Add(time.Hour), Unscoped: true}, nil},
			{"actor and action prefix", audit.Filter{ActorLogin: "bob", Action: "staff.", Unscoped: true}, []string{"grant"}},
			{"scope of a region", audit.Filter{ScopePaths: []string{"/1/2/"}}, []string{"org", "grant", "create"}},
			{"scope of a city", audit.Filter{ScopePaths: []string{"/1/2/4/"}}, []string{"org", "grant"}},
			{"scope of two regions", audit.Filter{ScopePaths: []string{"/1/2/", "/1/3/"}}, []string{"staffing", "org", "grant", "create"}},
			{"scope of the group", audit.Filter{ScopePaths: []string{"/1/"}}, []string{"reveal", "staffing", "org", "grant", "create"}},
			{"scope with action", audit.Filter{ScopePaths: []string{"/1/2/"}, Action: "staff."}, []string{"grant", "create"}},
			{"empty scope", audit.Filter{ScopePaths: []string{}}, nil},
			{"no scope and not unscoped", audit.Filter{}, nil},
			{"no scope, action set", audit.Filter{Action: "auth.login_failed"}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, total := mustList(t, d, ids, tc.f)
				if !slices.Equal(got, tc.want) {
					t.Errorf("entries = %v, want %v", got, tc.want)
				}
				if total != len(tc.want) {
					t.Errorf("total = %d, want %d", total, len(tc.want))
				}
			})
		}
	})
}

func TestListPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ids := mustRecord(t, d)
		all := []string{"reveal", "staffing", "failed", "org", "grant", "create"}
		for _, tc := range []struct {
			offset, limit int
			want          []string
		}{
			{0, 2, all[:2]},
			{2, 2, all[2:4]},
			{4, 2, all[4:]},
			{5, 2, all[5:]},
			{6, 2, nil},
			{-1, 3, all[:3]},
			{0, 0, all},
			{1, -1, all[1:]},
		} {
			t.Run(fmt.Sprintf("offset %d limit %d", tc.offset, tc.limit), func(t *testing.T) {
				got, total := mustList(t, d, ids, audit.Filter{Unscoped: true, Offset: tc.offset, Limit: tc.limit})
				if !slices.Equal(got, tc.want) {
					t.Errorf("page = %v, want %v", got, tc.want)
				}
				if total != len(all) {
					t.Errorf("total = %d, want %d", total, len(all))
				}
			})
		}
	})
}

func TestListLimits(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		d.Clock = func() time.Time { return start }
		err := d.Update(ctx, func(tx *db.Tx) error {
			for i := range 520 {
				if err := audit.Record(ctx, tx, audit.Change{Action: "bulk.write", ObjectType: "thing", ObjectID: i, NodePath: "/1/"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ limit, want int }{{0, 50}, {10, 10}, {500, 500}, {501, 50}} {
			t.Run(fmt.Sprint("limit ", tc.limit), func(t *testing.T) {
				entries, total, err := audit.List(ctx, d, audit.Filter{ScopePaths: []string{"/1/"}, Limit: tc.limit})
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) != tc.want || total != 520 {
					t.Fatalf("got %d entries, total %d; want %d of 520", len(entries), total, tc.want)
				}
				// Same instant for all: newest first means by id, the last written first.
				if entries[0].ObjectID != "519" {
					t.Errorf("first = %s, want 519", entries[0].ObjectID)
				}
				for i := 1; i < len(entries); i++ {
					if entries[i].ID >= entries[i-1].ID {
						t.Fatalf("entries not newest first at %d: %d after %d", i, entries[i].ID, entries[i-1].ID)
					}
				}
			})
		}
	})
}
