package member

import (
	"context"
	"database/sql"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"

	"estateclub/internal/db"
	"estateclub/internal/org"
)

// The bulk path of ApplyBatch: rows whose mobile is new to the club (and
// whose ID number is free) are written with one bulk insert per table
// (COPY on PostgreSQL, multi-row INSERTs on SQLite); every other row — a
// mobile already known, a duplicate inside the batch, anything the fast
// path cannot decide — takes the row-by-row path with its merge rules.

// prepareAll validates and encrypts rows, and works out their pinyin and
// search tokens, on every core: the single writer only writes.
func (s *Service) prepareAll(apps []Application, application bool, results []RowResult) ([]*profile, []*sealed) {
	profiles := make([]*profile, len(apps))
	seals := make([]*sealed, len(apps))
	now := s.DB.Clock()
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(apps); i += workers {
				if apps[i].Channel == "" {
					apps[i].Channel = SalesSite
				}
				if _, err := ParseChannel(string(apps[i].Channel)); err != nil {
					results[i].Err = asErr(err)
					continue
				}
				p, err := apps[i].validate(now, application)
				if err == nil {
					profiles[i] = p
					p.pinyin, p.initials = namePinyin(p.name)
					p.tokens = searchTokens(p.name)
					seals[i], err = s.seal(p.mobile, p.idNumber, p.address)
				}
				if err != nil {
					results[i].Err = asErr(err)
				}
			}
		}()
	}
	wg.Wait()
	return profiles, seals
}

var memberInsertColumns = []string{"node_id", "node_path", "status", "tier", "name", "name_pinyin", "name_initials", "gender",
	"mobile_enc", "mobile_idx", "mobile_last4_idx", "id_enc", "id_idx", "address_enc", "birthday", "email", "wechat", "occupation", "family",
	"consent_sms", "consent_email", "consent_post", "consent_at", "consent_how", "channel", "recruiter_id", "created_at", "updated_at"}

// bulkInsert writes the rows of idx (all valid) whose mobile and ID number
// are new, and reports which rows it wrote; the others are left to the
// row-by-row path. It runs inside tx.
func (s *Service) bulkInsert(ctx context.Context, tx *db.Tx, apps []Application, ps []*profile, sl []*sealed,
	idx []int, nodes map[string]*org.Node, o BatchOptions, results []RowResult) (map[int]bool, error) {
	written := map[int]bool{}
	if len(idx) == 0 {
		return written, nil
	}
	status := Default
	if o.Application {
		status = Pending
	}
	src := o.Source
	if src == "" {
		src = source(tx)
	}
	what := "默认会员"
	if o.Application {
		what = "入会申请"
	}
	if tx.Dialect() == db.Postgres {
		// Rows go in in the order of the mobile's index, so that batches
		// written at the same time take the unique index's entries in one
		// order and never wait for each other in a circle. (Their ids then
		// follow that order too, which keeps a batch's rows and ids
		// together on disk; the batch shares one created_at.)
		idx = slices.Clone(idx)
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(sl[a].mobileIdx, sl[b].mobileIdx) })
	}
	rows := make([][]any, len(idx))
	byIdx := make(map[string]int, len(idx))
	for k, i := range idx {
		p, s, a := ps[i], sl[i], apps[i]
		n := nodes[org.NormalizeCode(a.NodeCode)]
		family, _ := json.Marshal(nonNil(p.family))
		rows[k] = []any{n.ID, n.Path, status, "regular", p.name, p.pinyin, p.initials, p.gender, s.mobile, s.mobileIdx, s.last4Idx,
			s.id, s.idIdx, s.address, p.birthday, p.email, p.wechat, p.occupation, string(family),
			p.consent.SMS, p.consent.Email, p.consent.Post, p.consent.At, p.consent.How, a.Channel, a.RecruiterID, tx.Now, tx.Now}
		byIdx[s.mobileIdx] = i
	}
	// A row whose mobile or ID number is already taken (by an earlier
	// import, or by a concurrent one) is skipped here and merged or
	// reported by the row-by-row path.
	var ids []int64
	err := tx.InsertMany(ctx, "members", memberInsertColumns, rows, "ON CONFLICT DO NOTHING RETURNING id, mobile_idx", func(r *sql.Rows) error {
		var id int64
		var mobileIdx string
		if err := r.Scan(&id, &mobileIdx); err != nil {
			return err
		}
		i := byIdx[mobileIdx]
		results[i].MemberID, results[i].Outcome = id, Created
		written[i] = true
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Written in id order, so that every table's rows follow its indexes.
	slices.Sort(ids)
	rowOf := make(map[int64]int, len(ids))
	for i := range written {
		rowOf[results[i].MemberID] = i
	}
	var changes, applications, tags [][]any
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		i := rowOf[id]
		changes = append(changes, []any{id, tx.Now, tx.Actor.Kind, tx.Actor.Login, src, "created", "", what})
		if o.Application {
			n := nodes[org.NormalizeCode(apps[i].NodeCode)]
			applications = append(applications, []any{id, apps[i].Channel, apps[i].RecruiterID, n.ID, "submitted", tx.Actor.Login, tx.Now})
		}
		for _, t := range ps[i].tags {
			tags = append(tags, []any{id, t, nodes[org.NormalizeCode(apps[i].NodeCode)].Path})
		}
		names = append(names, ps[i].name)
		if len(ps[i].properties) > 0 {
			if err := addProperties(ctx, tx, id, ps[i].properties); err != nil {
				return nil, err
			}
		}
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"member_changes", []string{"member_id", "at", "actor_kind", "actor_login", "source", "field", "old_value", "new_value"}, changes},
		{"member_applications", []string{"member_id", "channel", "recruiter_id", "node_id", "status", "submitted_by", "submitted_at"}, applications},
		{"member_tags", []string{"member_id", "tag", "node_path"}, tags},
	} {
		if err := tx.InsertMany(ctx, t.table, t.cols, t.rows, "", nil); err != nil {
			return nil, err
		}
	}
	// Most names of a big import are stored already (names repeat); only
	// the new ones get their tokens.
	stored, err := storedNames(ctx, tx, names)
	if err != nil {
		return nil, err
	}
	tokens := nameTokenRows(names, func(k int) []string {
		if stored[names[k]] {
			return nil
		}
		return ps[rowOf[ids[k]]].tokens
	})
	if err := tx.InsertMany(ctx, "name_tokens", []string{"token", "name"}, tokens, "ON CONFLICT DO NOTHING", nil); err != nil {
		return nil, err
	}
	return written, nil
}

// fastRows picks the rows the bulk path may try: valid, at a known join
// node, with a mobile (and ID number) that appears once in the batch.
func fastRows(ctx context.Context, tx *db.Tx, apps []Application, ps []*profile, sl []*sealed, results []RowResult) ([]int, map[string]*org.Node, error) {
	nodes := map[string]*org.Node{}
	seenMobile, seenID := map[string]int{}, map[string]int{}
	for i := range apps {
		if results[i].Err != nil {
			continue
		}
		code := org.NormalizeCode(apps[i].NodeCode)
		if _, ok := nodes[code]; !ok {
			n, err := joinNode(ctx, tx, code)
			if err != nil && asErr(err).Code == "internal" {
				return nil, nil, err
			}
			nodes[code] = n // nil: the row-by-row path reports the error
		}
		seenMobile[sl[i].mobileIdx]++
		if sl[i].idIdx != nil {
			seenID[*sl[i].idIdx]++
		}
	}
	var fast []int
	for i := range apps {
		if results[i].Err != nil || nodes[org.NormalizeCode(apps[i].NodeCode)] == nil {
			continue
		}
		m := sl[i].mobileIdx
		if seenMobile[m] > 1 {
			continue
		}
		if id := sl[i].idIdx; id != nil && seenID[*id] > 1 {
			continue
		}
		fast = append(fast, i)
	}
	return fast, nodes, nil
}
