package member

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"estateclub/internal/db"
	"estateclub/internal/org"
)

// The bulk path of ApplyBatch: rows whose mobile is new to the club (and
// whose ID number is free) are written with multi-row INSERTs, a few
// statements per hundreds of rows; every other row — a mobile already
// known, a duplicate inside the batch, anything the fast path cannot
// decide — takes the row-by-row path with its merge rules.

const bulkChunk = 200 // rows per INSERT: 28 columns stay under every engine's parameter limit

// prepareAll validates and encrypts rows on every core.
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

// bulkInsert writes the rows of idx (all valid) whose mobile and ID number
// are new, and reports which rows it wrote; the others are left to the
// row-by-row path. It runs inside tx.
func (s *Service) bulkInsert(ctx context.Context, tx *db.Tx, apps []Application, ps []*profile, sl []*sealed,
	idx []int, nodes map[string]*org.Node, o BatchOptions, results []RowResult) (map[int]bool, error) {
	written := map[int]bool{}
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
	for start := 0; start < len(idx); start += bulkChunk {
		chunk := idx[start:min(start+bulkChunk, len(idx))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO members (node_id, node_path, status, tier, name, name_pinyin, name_initials, gender,
			mobile_enc, mobile_idx, mobile_last4_idx, id_enc, id_idx, address_enc, birthday, email, wechat, occupation, family,
			consent_sms, consent_email, consent_post, consent_at, consent_how, channel, recruiter_id, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(chunk)*27)
		for k, i := range chunk {
			if k > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, 'regular', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			p, s, a := ps[i], sl[i], apps[i]
			n := nodes[org.NormalizeCode(a.NodeCode)]
			full, initials := namePinyin(p.name)
			family, _ := json.Marshal(nonNil(p.family))
			args = append(args, n.ID, n.Path, status, p.name, full, initials, p.gender, s.mobile, s.mobileIdx, s.last4Idx,
				s.id, s.idIdx, s.address, p.birthday, p.email, p.wechat, p.occupation, string(family),
				p.consent.SMS, p.consent.Email, p.consent.Post, p.consent.At, p.consent.How, a.Channel, a.RecruiterID, tx.Now, tx.Now)
		}
		// A row whose mobile or ID number is already taken (by an earlier
		// import, or by a concurrent one) is skipped here and merged or
		// reported by the row-by-row path.
		sb.WriteString(" ON CONFLICT DO NOTHING RETURNING id, mobile_idx")
		ids, err := insertReturning(ctx, tx, sb.String(), args)
		if err != nil {
			return nil, err
		}
		byIdx := map[string]int{}
		for _, i := range chunk {
			byIdx[sl[i].mobileIdx] = i
		}
		var changes, applications, tags, tokens [][]any
		for mobileIdx, id := range ids {
			i := byIdx[mobileIdx]
			results[i].MemberID, results[i].Outcome = id, Created
			written[i] = true
			changes = append(changes, []any{id, tx.Now, tx.Actor.Kind, tx.Actor.Login, src, "created", "", what})
			if o.Application {
				n := nodes[org.NormalizeCode(apps[i].NodeCode)]
				applications = append(applications, []any{id, apps[i].Channel, apps[i].RecruiterID, n.ID, "submitted", tx.Actor.Login, tx.Now})
			}
			for _, t := range ps[i].tags {
				tags = append(tags, []any{id, t})
			}
			for _, t := range searchTokens(ps[i].name) {
				tokens = append(tokens, []any{t, id})
			}
			if len(ps[i].properties) > 0 {
				if err := addProperties(ctx, tx, id, ps[i].properties); err != nil {
					return nil, err
				}
			}
		}
		if err := insertRows(ctx, tx, "member_changes (member_id, at, actor_kind, actor_login, source, field, old_value, new_value)", changes); err != nil {
			return nil, err
		}
		if err := insertRows(ctx, tx, "member_applications (member_id, channel, recruiter_id, node_id, status, submitted_by, submitted_at)", applications); err != nil {
			return nil, err
		}
		if err := insertRows(ctx, tx, "member_tags (member_id, tag)", tags); err != nil {
			return nil, err
		}
		if err := insertRows(ctx, tx, "member_tokens (token, member_id)", tokens); err != nil {
			return nil, err
		}
	}
	return written, nil
}

func insertReturning(ctx context.Context, tx *db.Tx, q string, args []any) (map[string]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var idx string
		if err := rows.Scan(&id, &idx); err != nil {
			return nil, err
		}
		out[idx] = id
	}
	return out, rows.Err()
}

// insertRows writes rows into table "name (cols…)" with multi-row INSERTs.
func insertRows(ctx context.Context, tx *db.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, 30000/width/4) // stay well under the parameter limits
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*width)
		for _, r := range part {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", len(part)), ", ")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("bulk insert into %s: %w", strings.Fields(table)[0], err)
		}
	}
	return nil
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
