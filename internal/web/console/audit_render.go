package console

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// auditRows turns entries into the rows a page shows to p in lang.
func (s *handler) auditRows(ctx context.Context, lang string, p *auth.Principal, entries []audit.Entry) ([]auditRow, error) {
	n, err := s.loadAuditNames(ctx, lang, p, entries)
	if err != nil {
		return nil, err
	}
	rows := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, s.auditRow(n, e))
	}
	return rows, nil
}

func (s *handler) auditRow(n *AuditNames, e audit.Entry) auditRow {
	r := auditRow{At: e.At, Action: e.Action, Label: s.actionLabel(n.Lang, e.Action), Actor: s.actorRef(n, e.ActorKind, e.ActorLogin),
		IP: e.IP, Object: s.objectRef(n, e.ObjectType, e.ObjectID)}
	before, after := DecodeStored(e.Before), DecodeStored(e.After)
	r.Changes = s.changeLines(n, e.ObjectType, r.Object.Label, before, after)
	r.Summary = s.auditSummary(n, e, r, before, after)
	return r
}

// actionLabel names an action; an action this version does not know (an
// old row) is named by its area, never shown as its code.
func (s *handler) actionLabel(lang, action string) string {
	if id := "audit.act." + action; s.Cat.Has(lang, id) {
		return s.Cat.T(lang, id)
	}
	area := s.Cat.T(lang, "audit.other")
	if id := "audit.area." + audit.Area(action); s.Cat.Has(lang, id) {
		return s.Cat.T(lang, id) + " · " + area
	}
	return area
}

// actorRef names who acted: a staff member by name (and login), the
// demo's or a command's system actor in words, a member by masked name.
func (s *handler) actorRef(n *AuditNames, kind, login string) ref {
	t := func(id string, kv ...any) string { return s.Cat.T(n.Lang, id, pairs(kv...)) }
	switch kind {
	case "staff":
		if st, ok := n.staff[login]; ok {
			return n.staffRef(st.Name, login, st.Sub, st.Path)
		}
		if login == "" {
			return ref{Label: t("audit.actor.unknown")}
		}
		return ref{Label: login, LabelTyped: true}
	case "member":
		if id := memberActorID(login); id != "" {
			return n.memberRef(s, id)
		}
		return ref{Label: t("audit.actor.member_mobile", "Mobile", login)}
	case "anonymous":
		return ref{Label: t("audit.actor.visitor")}
	}
	switch {
	case login == "" || login == "system":
		return ref{Label: t("audit.actor.system")}
	case login == "demo":
		return ref{Label: t("audit.actor.demo")}
	case login == "bench":
		return ref{Label: t("audit.actor.bench")}
	case strings.HasPrefix(login, "cli:"):
		return ref{Label: t("audit.actor.cli", "Login", strings.TrimPrefix(login, "cli:"))}
	}
	return ref{Label: t("audit.actor.system_named", "Name", login)}
}

// historyActor names who made a line of a member's history: the actor,
// and how (an import job, the member's own change).
func (s *handler) historyActor(n *AuditNames, kind, login, source string, memberID int64) ref {
	switch {
	case source == "import":
		a := s.actorRef(n, kind, login)
		a.Via = s.Cat.T(n.Lang, "operators.via_import")
		return a
	case source == "self" || kind == "member":
		if id := memberActorID(login); id != "" {
			return n.memberRef(s, id)
		}
		return n.memberRef(s, strconv.FormatInt(memberID, 10))
	}
	return s.actorRef(n, kind, login)
}

func (n *AuditNames) staffRef(name, login, id, path string) ref {
	r := ref{Label: name, Sub: login, LabelTyped: true, SubTyped: true}
	if id != "" && n.p != nil && n.p.CanAt(auth.StaffRead, path) {
		r.Href = "/staff/" + id
	}
	return r
}

func (n *AuditNames) memberRef(s *handler, id string) ref {
	m, ok := n.members[id]
	if !ok {
		return ref{Label: s.Cat.T(n.Lang, "audit.type.member") + " #" + id}
	}
	r := ref{Label: pii.MaskName(m.Name), Sub: m.Sub, LabelTyped: true}
	if strings.Trim(r.Label, "*") == "" {
		r.Label = s.Cat.T(n.Lang, "audit.type.member")
	}
	if n.p != nil && n.p.CanAt(auth.MemberRead, m.Path) {
		r.Href = "/members/" + id
	}
	return r
}

// objectRef names what an entry is about, linked if the viewer may open it.
func (s *handler) objectRef(n *AuditNames, typ, id string) ref {
	if id == "<nil>" { // recorded without an object id
		id = ""
	}
	typeLabel := s.Cat.T(n.Lang, "audit.type."+typ)
	if !s.Cat.Has(n.Lang, "audit.type."+typ) {
		typeLabel = s.Cat.T(n.Lang, "audit.type.other")
	}
	switch typ {
	case "member":
		ids := objectIDs(id)
		if len(ids) == 1 {
			return n.memberRef(s, ids[0])
		}
		if len(ids) > 1 {
			return ref{Label: s.Cat.T(n.Lang, "audit.members_n", map[string]any{"N": web.Num(len(ids))})}
		}
	case "staff":
		if st, ok := n.staffID[id]; ok {
			return n.staffRef(st.Name, st.Sub, id, st.Path)
		}
		if st, ok := n.staff[id]; ok {
			return n.staffRef(st.Name, id, st.Sub, st.Path)
		}
		if id != "" {
			return ref{Label: id, LabelTyped: true} // a login that does not exist (a failed sign-in)
		}
	case "org_node", "lead_settings":
		if nd, ok := n.nodes[id]; ok {
			r := ref{Label: nd.Name, Sub: org.Kind(nd.Sub).Label(n.Lang), LabelTyped: true}
			if typ == "lead_settings" {
				r.Sub = typeLabel
			}
			if n.p != nil && n.p.CanAt(auth.OrgRead, nd.Path) {
				r.Href = "/org/" + id
			}
			return r
		}
	case "tier":
		return ref{Label: web.TierLabel(n.Lang, id), Sub: typeLabel}
	case "setting":
		if l := "audit.setting." + id; s.Cat.Has(n.Lang, l) {
			return ref{Label: s.Cat.T(n.Lang, l), Sub: typeLabel}
		}
		return ref{Label: typeLabel}
	case "card":
		return ref{Label: id, Sub: typeLabel, LabelTyped: true}
	case "periodic_job":
		if label, ok := s.periodicLabel(n.Lang, id); ok {
			r := ref{Label: label, Sub: typeLabel}
			if n.p != nil && n.p.CanAt(auth.SettingsWrite, web.RootPath) {
				r.Href = "/schedule"
			}
			return r
		}
	}
	if tbl, ok := objectTables[typ]; ok {
		if row, found := n.tables[typ][id]; found && row.Name != "" {
			r := ref{Label: row.Name, Sub: typeLabel, LabelTyped: true}
			if typ == "lead" {
				r.Label = s.Cat.T(n.Lang, "audit.lead_name", map[string]any{"Surname": row.Name})
			}
			if tbl.href != "" && n.p != nil && n.p.CanAt(tbl.perm, row.Path) {
				r.Href = tbl.href + id
			}
			return r
		}
	}
	if code, day, ok := strings.Cut(id, "/"); ok && isDay.MatchString(day) { // a project's day: SH-PD/2026-12-04
		name := code
		if nd, found := n.nodes[code]; found {
			name = nd.Name
		}
		return ref{Label: name + " " + s.auditString(n, typ, "day", day), Sub: typeLabel}
	}
	if ids := objectIDs(id); len(ids) > 1 && strings.ContainsAny(id, ", [") {
		return ref{Label: typeLabel + " ×" + strconv.Itoa(len(ids))}
	}
	if id == "" {
		return ref{Label: typeLabel}
	}
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return ref{Label: typeLabel + " #" + id}
	}
	return ref{Label: typeLabel, Sub: id, SubTyped: true}
}

// DecodeStored reads a stored before/after value (nil when there is none).
func DecodeStored(s string) any {
	if s == "" {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return s
	}
	if m, ok := v.(map[string]any); ok {
		return orderedMap{m: m, keys: jsonKeys(s)}
	}
	return v
}

// orderedMap is a JSON object with its keys in the stored order.
type orderedMap struct {
	m    map[string]any
	keys []string
}

// jsonKeys lists the top-level keys of a JSON object in order.
func jsonKeys(s string) []string {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if _, err := d.Token(); err != nil {
		return nil
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return keys
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// skipFields are bookkeeping a reader does not need in a change.
var skipFields = map[string]bool{"id": true, "node_id": true, "node_path": true, "path": true, "parent_id": true,
	"created_at": true, "updated_at": true, "version": true, "hash": true, "token_hash": true, "password_hash": true,
	"mobile_idx": true, "id_idx": true, "name_pinyin": true, "name_initials": true, "group_id": true, "project_id": true,
	"item_id": true, "member_id": true, "staff_id": true, "plan_id": true, "design_id": true, "batch_id": true}

// skip tells the bookkeeping fields (ids, org paths) apart.
func skip(key string) bool {
	return skipFields[key] || strings.HasSuffix(key, "_id") || key == "within"
}

// changeLines lists what changed, field by field, in words.
func (s *handler) changeLines(n *AuditNames, typ, objLabel string, before, after any) []changeLine {
	if before == nil && after == nil {
		return nil
	}
	bm, bok := before.(orderedMap)
	am, aok := after.(orderedMap)
	if !bok && !aok || (before != nil && !bok) || (after != nil && !aok) {
		old, nw := s.auditValue(n, typ, "", before), s.auditValue(n, typ, "", after)
		if old == nw {
			return nil
		}
		return []changeLine{{Field: objLabel, Old: old, New: nw}}
	}
	keys := append([]string{}, am.keys...)
	for _, k := range bm.keys {
		if _, ok := am.m[k]; !ok {
			keys = append(keys, k)
		}
	}
	var out []changeLine
	for _, k := range keys {
		if skip(k) {
			continue
		}
		var bv, av any
		if bok {
			bv = bm.m[k]
		}
		if aok {
			av = am.m[k]
		}
		old, nw := s.auditValue(n, typ, k, bv), s.auditValue(n, typ, k, av)
		if old == nw || (!bok && nw == "") || (!aok && old == "") {
			continue
		}
		out = append(out, changeLine{Field: s.fieldLabel(n, k), Old: old, New: nw, Code: k == "login"})
	}
	return out
}

// fieldLabel names a field of a recorded object.
func (s *handler) fieldLabel(n *AuditNames, key string) string {
	for _, id := range []string{"audit.field." + key, "field." + key} {
		if s.Cat.Has(n.Lang, id) {
			return s.Cat.T(n.Lang, id)
		}
	}
	n.miss("field " + key)
	return strings.ReplaceAll(key, "_", " ")
}

func (n *AuditNames) miss(what string) {
	if n.Misses == nil {
		n.Misses = map[string]bool{}
	}
	n.Misses[what] = true
}

var (
	isDay     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	moneyKeys = regexp.MustCompile(`(^|_)fen$|^fee`)
)

// auditValue writes one recorded value as people read it: dates in the
// page's form, amounts with separators, codes in words. Masked values
// are stored masked and stay so.
func (s *handler) auditValue(n *AuditNames, typ, key string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return s.Cat.T(n.Lang, "audit.yes")
		}
		return s.Cat.T(n.Lang, "audit.no")
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return x.String()
		}
		if moneyKeys.MatchString(key) {
			return s.Cat.T(n.Lang, "audit.yuan", map[string]any{"V": web.Yuan(i)})
		}
		return web.Num(i)
	case string:
		return s.auditString(n, typ, key, x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if p := s.auditValue(n, typ, key, e); p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 8 {
			return s.Cat.T(n.Lang, "audit.items", map[string]any{"N": web.Num(len(parts))})
		}
		return strings.Join(parts, "、")
	case map[string]any:
		return s.auditObject(n, typ, orderedMap{m: x, keys: sortedKeys(x)})
	case orderedMap:
		return s.auditObject(n, typ, x)
	}
	return ""
}

// auditObject writes a nested object by its name, or its fields in words.
func (s *handler) auditObject(n *AuditNames, typ string, o orderedMap) string {
	for _, k := range []string{"name", "label", "title"} {
		if v, ok := o.m[k].(string); ok && v != "" {
			return v
		}
	}
	if r, ok := o.m["role"].(string); ok {
		where, _ := o.m["node_name"].(string)
		return strings.TrimSpace(auth.Role(r).Label(n.Lang) + " " + where)
	}
	var parts []string
	for _, k := range o.keys {
		if skip(k) {
			continue
		}
		if v := s.auditValue(n, typ, k, o.m[k]); v != "" {
			parts = append(parts, s.fieldLabel(n, k)+" "+v)
		}
	}
	return strings.Join(parts, "，")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// auditString writes a recorded text: an instant or a day in the page's
// form, a code in words, anything else (typed text, masked data) as is.
func (s *handler) auditString(n *AuditNames, typ, key, v string) string {
	if v == "" {
		return ""
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return web.FormatTime(n.Lang, s.Loc, t)
	}
	if isDay.MatchString(v) {
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			return web.FormatDate(n.Lang, s.Loc, d)
		}
	}
	if strings.HasSuffix(key, "_by") {
		if st, ok := n.staff[v]; ok {
			return st.Name // a change line is text: the name alone names them
		}
		if id := memberActorID(v); id != "" {
			return n.memberRef(s, id).Label
		}
	}
	switch {
	case key == "subkind" && v != "":
		return n.kinds.AnySubkindLabel(request.Subkind(v), n.Lang)
	case key == "kind" && strings.HasPrefix(typ, "request"):
		return n.kinds.KindLabel(request.Kind(v), n.Lang)
	}
	if l := enumLabel(n.Lang, typ, key, v); l != "" && l != v {
		return l
	}
	if id := "audit.val." + key + "." + v; s.Cat.Has(n.Lang, id) {
		return s.Cat.T(n.Lang, id)
	}
	if id := "audit.val." + v; s.Cat.Has(n.Lang, id) {
		return s.Cat.T(n.Lang, id)
	}
	return v
}

// enumLabel names a stored code by the area type that defines it.
func enumLabel(lang, typ, key, v string) string {
	switch key {
	case "tier", "from", "to", "from_tier", "to_tier", "current":
		if l := web.TierLabel(lang, v); l != v {
			return l
		}
	case "gender":
		return web.GenderLabel(lang, v)
	case "role":
		return auth.Role(v).Label(lang)
	case "delivery", "method":
		if typ == "redeem_order" {
			return redeem.Method(v).Label(lang)
		}
		return card.Delivery(v).Label(lang)
	case "delivery_status":
		return card.DeliveryStatus(v).Label(lang)
	case "event_type":
		return points.EventType(v).Label(lang)
	case "category":
		return points.Category(v).Label(lang)
	case "subkind":
		return request.Subkind(v).Label(lang)
	case "source":
		if strings.HasPrefix(typ, "lead") {
			return lead.Source(v).Label(lang)
		}
	case "channel":
		switch {
		case typ == "member":
			return member.Channel(v).Label(lang)
		case typ == "request":
			return request.Channel(v).Label(lang)
		case strings.HasPrefix(typ, "lead"):
			return lead.Channel(v).Label(lang)
		}
	case "kind":
		switch typ {
		case "lead":
			return lead.DealKind(v).Label(lang)
		case "org_node":
			return org.Kind(v).Label(lang)
		case "point_adjustment", "point_plan":
			return points.Kind(v).Label(lang)
		case "redeem_item", "redeem_order":
			return redeem.Kind(v).Label(lang)
		case "request":
			return request.Kind(v).Label(lang)
		}
	case "status":
		switch typ {
		case "member":
			return member.Status(v).Label(lang)
		case "card":
			return card.Status(v).Label(lang)
		case "point_plan":
			return points.PlanStatus(v).Label(lang)
		case "redeem_order":
			return redeem.Status(v).Label(lang)
		case "lead":
			return lead.Status(v).Label(lang)
		case "request":
			return request.Status(v).Label(lang)
		}
	}
	return ""
}

// summaryNote finds the typed part of a stored summary (a reason after
// "："), which is shown as typed.
var summaryNote = regexp.MustCompile(`：(.*)$`)

// auditSummary adds what the action, its object and the changes do not
// say (counts, a typed reason), from the entry's data in the page's
// language (message "audit.sum.<action>"). The stored Chinese sentence is
// shown only for an action this version does not know (an old row).
func (s *handler) auditSummary(n *AuditNames, e audit.Entry, r auditRow, before, after any) string {
	id := "audit.sum." + e.Action
	if audit.Known(e.Action) && s.Cat.Has(n.Lang, id) {
		data := map[string]any{"Object": r.Object.Label, "Actor": r.Actor.Label}
		if m, ok := after.(orderedMap); ok {
			data["After"] = s.summaryFields(n, e.ObjectType, m)
		}
		if m, ok := before.(orderedMap); ok {
			data["Before"] = s.summaryFields(n, e.ObjectType, m)
		}
		if l, ok := after.([]any); ok {
			data["Count"] = web.Num(len(l))
		}
		nums := digits.FindAllString(e.Summary, -1)
		for i, d := range nums {
			if v, err := strconv.ParseInt(d, 10, 64); err == nil {
				nums[i] = web.Num(v)
			}
		}
		data["N"] = nums
		data["Note"] = ""
		if m := summaryNote.FindStringSubmatch(e.Summary); m != nil {
			data["Note"] = strings.TrimSpace(m[1])
		}
		out := s.Cat.T(n.Lang, id, data)
		if out == "-" { // the action and its object say it all
			return ""
		}
		if out != id && !strings.Contains(out, "<no value>") {
			return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(out), "："))
		}
		n.miss("summary " + e.Action)
	}
	if audit.Known(e.Action) || e.Summary == "" {
		return "" // the action, its object and the changes say it
	}
	if n.Lang == "zh-CN" {
		return e.Summary
	}
	return s.Cat.T(n.Lang, "audit.stored_summary", map[string]any{"S": e.Summary})
}

// summaryFields are an object's fields as a summary uses them: in words.
func (s *handler) summaryFields(n *AuditNames, typ string, m orderedMap) map[string]string {
	out := map[string]string{}
	for k, v := range m.m {
		out[k] = s.auditValue(n, typ, k, v)
	}
	return out
}

// pairs turns key, value, key, value … into template data.
func pairs(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		m[k] = kv[i+1]
	}
	return m
}

// historyActors names who made each line of a member's history.
func (s *handler) historyActors(r *http.Request, memberID int64, changes []member.Change) ([]ref, error) {
	entries := make([]audit.Entry, 0, len(changes)+1)
	for _, c := range changes {
		entries = append(entries, audit.Entry{ActorKind: c.ActorKind, ActorLogin: c.ActorLogin})
	}
	entries = append(entries, audit.Entry{ObjectType: "member", ObjectID: strconv.FormatInt(memberID, 10)})
	n, err := s.loadAuditNames(r.Context(), web.Lang(r), web.Principal(r), entries)
	if err != nil {
		return nil, err
	}
	out := make([]ref, len(changes))
	for i, c := range changes {
		out[i] = s.historyActor(n, c.ActorKind, c.ActorLogin, c.Source, memberID)
	}
	return out, nil
}

// ReadAudit renders entries in words as the audit log page does, all at
// once, and says what had no words: the site walk reads every entry the
// demo recorded, not only those on the pages it opened.
func ReadAudit(ctx context.Context, s *web.Server, lang string, entries []audit.Entry) ([]auditRow, map[string]bool, error) {
	h := &handler{s}
	n, err := h.loadAuditNames(ctx, lang, nil, entries)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = h.auditRow(n, e)
	}
	return rows, n.Misses, nil
}
