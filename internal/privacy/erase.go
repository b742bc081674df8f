package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// MaxReason is the longest reason an erasure takes.
const MaxReason = 500

// subject is what Anonymise reads of the member before erasing.
type subject struct {
	id                  int64
	name, path          string
	mobileIdx           string
	erased              bool
	leads, orders, reqs []int64
}

// Anonymise erases the member's personal data in one transaction (see the
// package comment for every table it touches): the member row becomes an
// anonymous shell — status closed, name 已注销会员, personal data and
// search entries gone, its mobile free for a new member — and every other
// row that holds the member's personal data is blanked or deleted, while
// the points ledger, orders and histories keep their rows (totals stay)
// linked only to the shell. It is audited without personal data
// (privacy.anonymise). A second call finds the shell and changes nothing.
func (s *Service) Anonymise(ctx context.Context, memberID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return apperr.Field("reason", "请填写删除个人信息的原因", "give the reason for the erasure")
	}
	if utf8.RuneCountInString(reason) > MaxReason {
		return apperr.Field("reason", fmt.Sprintf("原因不能超过 %d 个字", MaxReason), fmt.Sprintf("the reason has at most %d characters", MaxReason))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sub, err := load(ctx, tx, memberID)
		if err != nil || sub.erased {
			return err
		}
		if tx.Dialect() == db.SQLite {
			// Erased values are overwritten on disk, not only unlinked.
			if _, err := tx.Exec(ctx, "PRAGMA secure_delete = ON"); err != nil {
				return err
			}
			defer tx.Exec(ctx, "PRAGMA secure_delete = OFF") //nolint:errcheck // a setting of this connection only
		}
		n, err := s.erase(ctx, tx, sub)
		if err != nil {
			return err
		}
		// The reason is staff's words: the member's name goes from it,
		// and audit.Record masks numbers in it.
		why := strings.ReplaceAll(reason, sub.name, pii.MaskName(sub.name))
		return audit.Record(ctx, tx, audit.Change{Action: "privacy.anonymise", ObjectType: "member", ObjectID: memberID, NodePath: sub.path,
			Summary: fmt.Sprintf("删除会员 #%d 的个人信息（%s）；清除审计记录内容 %d 条", memberID, why, n)})
	})
	if err != nil {
		return fmt.Errorf("anonymise member %d: %w", memberID, err)
	}
	return nil
}

func load(ctx context.Context, tx *db.Tx, id int64) (*subject, error) {
	sub := &subject{id: id}
	err := tx.QueryRow(ctx, "SELECT name, node_path, mobile_idx FROM members WHERE id = ?"+tx.ForUpdate(), id).Scan(&sub.name, &sub.path, &sub.mobileIdx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("会员", "member")
	}
	if err != nil {
		return nil, err
	}
	if sub.mobileIdx == erasedIndex(id) {
		sub.erased = true
		return sub, nil
	}
	if sub.leads, err = tx.IDs(ctx, "SELECT id FROM leads WHERE member_id = ? OR mobile_idx = ? ORDER BY id", id, sub.mobileIdx); err != nil {
		return nil, err
	}
	if sub.orders, err = tx.IDs(ctx, "SELECT id FROM redeem_orders WHERE member_id = ? ORDER BY id", id); err != nil {
		return nil, err
	}
	if sub.reqs, err = tx.IDs(ctx, "SELECT id FROM requests WHERE member_id = ? ORDER BY id", id); err != nil {
		return nil, err
	}
	return sub, nil
}

// erase runs every step; it returns how many audit entries it emptied.
func (s *Service) erase(ctx context.Context, tx *db.Tx, sub *subject) (int64, error) {
	// The audit entries are found through the rows the other steps keep
	// (cards, adjustments …), so they go first.
	n, err := eraseAudit(ctx, tx, sub)
	if err != nil {
		return 0, err
	}
	for _, step := range []func(context.Context, *db.Tx, *subject) error{
		eraseMember, eraseLeads, eraseContact, eraseOrdersAndCards, eraseRequests, eraseCopies,
	} {
		if err := step(ctx, tx, sub); err != nil {
			return 0, err
		}
	}
	for _, a := range s.Areas {
		if err := a.Erase(ctx, tx, sub.id); err != nil {
			return 0, fmt.Errorf("%s: %w", a.Name("en"), err)
		}
	}
	return n, nil
}

// exec runs statements, each with its arguments, in order.
func exec(ctx context.Context, tx *db.Tx, stmts ...stmt) error {
	for _, st := range stmts {
		if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("%.60s…: %w", st.q, err)
		}
	}
	return nil
}

type stmt struct {
	q    string
	args []any
}

func st(q string, args ...any) stmt { return stmt{q, args} }

// in is "(?, ?, …)" with ids as arguments; "(NULL)" matches nothing.
func in(ids []int64) (string, []any) {
	if len(ids) == 0 {
		return "(NULL)", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(?" + strings.Repeat(", ?", len(ids)-1) + ")", args
}
