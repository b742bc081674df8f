package points

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// batchMembers are the members a batch names, by id and by member number.
type batchMembers struct {
	byID map[int64]*memberRow
	byNo map[string]*memberRow
}

// resolveMembers reads the members the rows name, without locking them
// (lockMembers locks those whose events are recorded).
func resolveMembers(ctx context.Context, tx *db.Tx, rows []BatchRow) (*batchMembers, error) {
	bm := &batchMembers{byID: map[int64]*memberRow{}, byNo: map[string]*memberRow{}}
	var ids []int64
	var nos []string
	for _, r := range rows {
		if r.MemberID > 0 {
			ids = append(ids, r.MemberID)
		}
		if no := strings.ToUpper(strings.TrimSpace(r.MemberNo)); no != "" {
			nos = append(nos, no)
		}
	}
	read := func(col string, keys []any) error {
		return chunks(keys, 1, func(part []any) error {
			rows, err := tx.Query(ctx, "SELECT id, member_no, node_path, status, tier FROM members WHERE "+col+" IN ("+marks(len(part))+")", part...)
			if err != nil {
				return fmt.Errorf("read members: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				m := &memberRow{}
				var no *string
				if err := rows.Scan(&m.id, &no, &m.path, &m.status, &m.tier); err != nil {
					return err
				}
				m.no = deref(no)
				bm.byID[m.id] = m
				if m.no != "" {
					bm.byNo[m.no] = m
				}
			}
			return rows.Err()
		})
	}
	if err := read("id", anys(ids)); err != nil {
		return nil, err
	}
	if err := read("member_no", anys(nos)); err != nil {
		return nil, err
	}
	return bm, nil
}

// of is the member a row names; a row naming two different members, or
// none, is an error.
func (bm *batchMembers) of(r BatchRow) (*memberRow, error) {
	no := strings.ToUpper(strings.TrimSpace(r.MemberNo))
	if r.MemberID <= 0 && no == "" {
		return nil, apperr.Field("member_id", "请填写会员编号或会员ID", "a member number or member id is required")
	}
	var byID, byNo *memberRow
	if r.MemberID > 0 {
		if byID = bm.byID[r.MemberID]; byID == nil {
			return nil, &apperr.Error{Code: apperr.NotFound, Field: "member_id", ZH: "会员ID " + itoa(r.MemberID) + " 不存在", EN: "no member with id " + itoa(r.MemberID)}
		}
	}
	if no != "" {
		if byNo = bm.byNo[no]; byNo == nil {
			return nil, &apperr.Error{Code: apperr.NotFound, Field: "member_no", ZH: "会员编号 " + no + " 不存在", EN: "no member numbered " + no}
		}
	}
	if byID != nil && byNo != nil && byID.id != byNo.id {
		return nil, apperr.Field("member_no", "会员编号与会员ID不是同一人", "the member number and id name different members")
	}
	if byID != nil {
		return byID, nil
	}
	return byNo, nil
}

// hidden is the error of a row naming a member out of the caller's reach:
// the same as for no such member, so that it tells nothing.
func (bm *batchMembers) hidden(r BatchRow) error {
	if r.MemberID > 0 {
		return &apperr.Error{Code: apperr.NotFound, Field: "member_id", ZH: "会员ID " + itoa(r.MemberID) + " 不存在", EN: "no member with id " + itoa(r.MemberID)}
	}
	no := strings.ToUpper(strings.TrimSpace(r.MemberNo))
	return &apperr.Error{Code: apperr.NotFound, Field: "member_no", ZH: "会员编号 " + no + " 不存在", EN: "no member numbered " + no}
}

// within reports whether path lies at or below one of paths; nil paths
// reach everywhere.
func within(path string, paths []string) bool {
	if paths == nil {
		return true
	}
	return slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(path, p) })
}

// openAhead opens, in a short transaction of its own, accounts the awards
// for these rows may post to: each approved member's reward account in
// their region, where a plan above them awards reward points, and the
// plans' club shards. PostgreSQL's foreign keys make the order matter: a
// transaction opening a member account takes a share lock on the member
// row, which waits for a holder of that row. The ledger opens reward
// accounts without holding the member row (a reward posting) and upgrade
// accounts holding it (an upgrade posting, as the award does from its
// start), so awards open reward accounts here, ahead, and upgrade
// accounts inside, like the ledger. Opening an empty account changes no
// balance.
func (s *Service) openAhead(ctx context.Context, rows []BatchRow, types []EventType) error {
	var members, shards []leg
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		plans, err := awardingPlans(ctx, tx, types)
		if err != nil || len(plans) == 0 {
			return err
		}
		bm, err := resolveMembers(ctx, tx, rows)
		if err != nil {
			return err
		}
		seen := map[acctKey]bool{}
		for _, m := range bm.byID {
			if m.status != member.Active {
				continue
			}
			region := regionOf(m.path)
			for _, p := range plans {
				if !strings.HasPrefix(m.path, p.NodePath) {
					continue
				}
				for _, r := range p.Rules {
					ls := []leg{{address: planAddress(p.ID), kind: r.Kind, region: region, shard: shardOf(m.id)}}
					if r.Kind == Reward {
						ls = append(ls, leg{address: memberAddress(m.id), memberID: m.id, kind: r.Kind, region: region})
					}
					for _, l := range ls {
						if k := (acctKey{l.address, l.kind, l.region, l.shard}); !seen[k] {
							seen[k] = true
							if l.memberID != 0 {
								members = append(members, l)
							} else {
								shards = append(shards, l)
							}
						}
					}
				}
			}
		}
		if members, err = missingAccounts(ctx, tx, members); err != nil {
			return err
		}
		shards, err = missingAccounts(ctx, tx, shards)
		return err
	})
	if err != nil || len(members)+len(shards) == 0 {
		return err
	}
	sortLegs(members)
	sortLegs(shards)
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := openAccounts(ctx, tx, members); err != nil {
			return err
		}
		return openAccounts(ctx, tx, shards)
	})
}

// missingAccounts keeps the legs whose accounts do not exist yet.
func missingAccounts(ctx context.Context, tx *db.Tx, ls []leg) ([]leg, error) {
	if len(ls) == 0 {
		return nil, nil
	}
	col, keys := "member_id", map[any]bool{}
	for _, l := range ls {
		if l.memberID == 0 {
			col, keys[l.address] = "address", true
		} else {
			keys[l.memberID] = true
		}
	}
	exists := map[acctKey]bool{}
	err := chunks(slices.Collect(maps.Keys(keys)), 1, func(part []any) error {
		rows, err := tx.Query(ctx, "SELECT address, kind, region_path, shard FROM point_accounts WHERE "+col+" IN ("+marks(len(part))+")", part...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k acctKey
			if err := rows.Scan(&k.address, &k.kind, &k.region, &k.shard); err != nil {
				return err
			}
			exists[k] = true
		}
		return rows.Err()
	})
	var out []leg
	for _, l := range ls {
		if !exists[acctKey{l.address, l.kind, l.region, l.shard}] {
			out = append(out, l)
		}
	}
	return out, err
}
