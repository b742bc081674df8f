package console

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
)

// The audit log and the histories as people read them (issue 12, items 1
// and 2): actions, objects and operators in the page's language, objects
// linked when the viewer may open them, changes as "field: old → new".
// Nothing is read from a stored sentence when the action and the data can
// say it; the stored summary is kept for actions this version does not know.

// ref is a person or an object as a page names it.
type ref struct {
	Label string // in the page's language
	Sub   string // a second, quieter part: a staff login, a member number
	Href  string // set only when the viewer may open it
	Via   string // how, in words, before the label: an import
	// LabelTyped and SubTyped mark parts that are typed data (a name, a
	// login), shown as typed in every language.
	LabelTyped, SubTyped bool
}

// auditRow is one audit entry as a page shows it.
type auditRow struct {
	At      time.Time
	Action  string // the code, for filters and data attributes only
	Label   string // the action in words
	Actor   ref
	IP      string
	Object  ref
	Summary string
	Changes []changeLine
}

// changeLine is one field of a change: "field: old → new".
type changeLine struct {
	Field, Old, New string
	Code            bool // the values are a login, shown as one
}

// AuditNames resolves the people and objects a set of entries names, in one
// read, for one viewer and language.
type AuditNames struct {
	Lang    string
	p       *auth.Principal
	staff   map[string]namedRow // by login
	staffID map[string]namedRow // by id
	members map[string]namedRow
	nodes   map[string]namedRow // by code
	tables  map[string]map[string]namedRow
	kinds   *request.Catalogue // the names of request kinds and subkinds
	// Misses are the fields and summaries shown without words (tests).
	Misses map[string]bool
}

// namedRow is what a lookup found: a name, a second part, the org path.
type namedRow struct {
	ID, Name, Sub, Path string
}

// objectTables are the objects named by id whose name a page shows: the
// query (id, name, second part, path) and the page that opens one.
var objectTables = map[string]struct {
	query string
	href  string
	perm  auth.Permission
}{
	"lead":        {"SELECT id, surname, '', node_path FROM leads WHERE id IN (%s)", "/leads/", auth.LeadRead},
	"point_plan":  {"SELECT id, name, '', node_path FROM point_plans WHERE id IN (%s)", "/points/plans/", auth.PointsRead},
	"redeem_item": {"SELECT id, name, '', node_path FROM redeem_items WHERE id IN (%s)", "/redeem/items/", auth.RedeemManage},
	"card_design": {"SELECT id, name, '', '' FROM card_designs WHERE id IN (%s)", "", ""},
	"request":     {"SELECT id, COALESCE(no, ''), '', node_path FROM requests WHERE id IN (%s)", "", ""},
}

// loadAuditNames looks up every staff member, member, node and object the
// entries name (as actors or objects) and the member history lines' actors.
func (s *handler) loadAuditNames(ctx context.Context, lang string, p *auth.Principal, entries []audit.Entry, extraLogins ...string) (*AuditNames, error) {
	n := &AuditNames{Lang: lang, p: p, staff: map[string]namedRow{}, staffID: map[string]namedRow{},
		members: map[string]namedRow{}, nodes: map[string]namedRow{}, tables: map[string]map[string]namedRow{},
		kinds: s.Requests.Labels(ctx)}
	logins, staffIDs, memberIDs, codes := extraLogins, []string{}, []string{}, []string{}
	ids := map[string][]string{}
	for _, e := range entries {
		for _, l := range append(byLogins(e.Before), byLogins(e.After)...) {
			if id := memberActorID(l); id != "" {
				memberIDs = append(memberIDs, id)
			} else {
				logins = append(logins, l)
			}
		}
		switch e.ActorKind {
		case "staff":
			logins = append(logins, e.ActorLogin)
		case "member":
			if id := memberActorID(e.ActorLogin); id != "" {
				memberIDs = append(memberIDs, id)
			}
		}
		switch e.ObjectType {
		case "staff":
			if _, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil {
				staffIDs = append(staffIDs, e.ObjectID)
			} else {
				logins = append(logins, e.ObjectID)
			}
		case "member":
			memberIDs = append(memberIDs, objectIDs(e.ObjectID)...)
		case "org_node", "lead_settings":
			codes = append(codes, e.ObjectID)
		case "lead_sheet", "lead_signoff":
			code, _, _ := strings.Cut(e.ObjectID, "/")
			codes = append(codes, code)
		default:
			if _, ok := objectTables[e.ObjectType]; ok {
				ids[e.ObjectType] = append(ids[e.ObjectType], objectIDs(e.ObjectID)...)
			}
		}
	}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if n.staff, err = lookup(ctx, tx, `SELECT s.login, s.name, s.id, n.path FROM staff s JOIN org_nodes n ON n.id = s.node_id
			WHERE s.login IN (%s)`, logins); err != nil {
			return err
		}
		if n.staffID, err = lookup(ctx, tx, `SELECT s.id, s.name, s.login, n.path FROM staff s JOIN org_nodes n ON n.id = s.node_id
			WHERE s.id IN (%s)`, numeric(staffIDs)); err != nil {
			return err
		}
		if n.members, err = lookup(ctx, tx, "SELECT id, name, COALESCE(member_no, ''), node_path FROM members WHERE id IN (%s)", numeric(memberIDs)); err != nil {
			return err
		}
		if n.nodes, err = lookup(ctx, tx, "SELECT code, name, kind, path FROM org_nodes WHERE code IN (%s)", codes); err != nil {
			return err
		}
		for typ, list := range ids {
			if n.tables[typ], err = lookup(ctx, tx, objectTables[typ].query, numeric(list)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// lookup runs a query of (key, name, second part, path) for the keys.
// Keys that are ids are passed as numbers (PostgreSQL compares types).
func lookup(ctx context.Context, tx *db.Tx, query string, keys []string) (map[string]namedRow, error) {
	out := map[string]namedRow{}
	numericKeys := !strings.Contains(query, "login IN") && !strings.Contains(query, "code IN")
	keys = uniq(keys)
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), 200)]
		keys = keys[len(chunk):]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
			if n, err := strconv.ParseInt(k, 10, 64); err == nil && numericKeys {
				args[i] = n
			}
		}
		rows, err := tx.Query(ctx, strings.Replace(query, "%s", strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ","), 1), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var key any
			var r namedRow
			if err := rows.Scan(&key, &r.Name, &r.Sub, &r.Path); err != nil {
				rows.Close()
				return nil, err
			}
			r.ID = toString(key)
			out[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func toString(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// numeric keeps the keys that are numbers (ids of typed columns).
func numeric(in []string) []string {
	var out []string
	for _, s := range in {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, s)
		}
	}
	return out
}

var digits = regexp.MustCompile(`\d+`)

// objectIDs reads one id or a list ("12", "12,13", "[12 13]").
func objectIDs(s string) []string { return digits.FindAllString(s, -1) }

// memberActorID is the member id of a member actor's login ("member#12",
// "member:12"); a member signed in by code has only a masked mobile.
func memberActorID(login string) string {
	for _, p := range []string{"member#", "member:"} {
		if rest, ok := strings.CutPrefix(login, p); ok {
			return rest
		}
	}
	return ""
}

var byField = regexp.MustCompile(`"[a-z_]+_by":"([^"]+)"`)

// byLogins finds the staff logins of an entry's "…_by" fields.
func byLogins(data string) []string {
	var out []string
	for _, m := range byField.FindAllStringSubmatch(data, -1) {
		out = append(out, m[1])
	}
	return out
}
