package points

import (
	"context"
	"fmt"

	"estateclub/internal/db"
)

// Report is what Verify found: how much it checked and every difference.
type Report struct {
	MemberAccounts int        `json:"member_accounts"`
	ClubAccounts   int        `json:"club_accounts"` // each the sum of its shards
	Shards         int        `json:"shards"`
	Transactions   int        `json:"transactions"`
	Postings       int        `json:"postings"`
	Mismatches     []Mismatch `json:"mismatches"`
}

// OK reports whether the ledger holds together.
func (r Report) OK() bool { return len(r.Mismatches) == 0 }

// The problems Verify reports.
const (
	BadBalance     = "balance"      // an account's balance is not the sum of its postings
	BadClubBalance = "club_balance" // a club account's shards do not add up to its postings
	Negative       = "negative"     // a member's balance is below zero
	Unbalanced     = "unbalanced"   // a transaction's legs of one kind do not sum to zero
	MissingLegs    = "legs"         // a transaction has fewer than two legs
	MissingKey     = "key"          // a transaction has no idempotency key
)

// Mismatch is one difference between what is kept and what the postings say.
type Mismatch struct {
	Problem       string `json:"problem"`
	Account       string `json:"account,omitempty"`
	Kind          Kind   `json:"kind,omitempty"`
	Region        string `json:"region,omitempty"`
	Shard         int    `json:"shard"` // -1: the club account as a whole
	TransactionID int64  `json:"transaction_id,omitempty"`
	Recorded      int64  `json:"recorded"` // the balance kept, or the transaction's sum
	Postings      int64  `json:"postings"` // what the postings add up to
}

func (m Mismatch) String() string {
	if m.TransactionID != 0 {
		return fmt.Sprintf("%s: transaction %d %s sums to %d over its legs", m.Problem, m.TransactionID, m.Kind, m.Recorded)
	}
	where := fmt.Sprintf("shard %d", m.Shard)
	if m.Shard < 0 {
		where = "all shards"
	}
	return fmt.Sprintf("%s: %s %s %s %s: balance %d, postings %d", m.Problem, m.Account, m.Kind, m.Region, where, m.Recorded, m.Postings)
}

// Verify checks the whole ledger (对账): every account's balance against the
// sum of its postings, every club account summed over its shards, no
// negative member balance, and every transaction with a key and at least two
// legs summing to zero per kind. Each check is one statement, so it sees one
// moment of the ledger while postings go on.
func (s *Service) Verify(ctx context.Context) (Report, error) {
	var r Report
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if err := checkAccounts(ctx, tx, &r); err != nil {
			return err
		}
		if err := checkTransactions(ctx, tx, &r); err != nil {
			return err
		}
		var err error
		if r.Transactions, err = tx.Count(ctx, "SELECT count(*) FROM point_transactions"); err != nil {
			return err
		}
		r.Postings, err = tx.Count(ctx, "SELECT count(*) FROM point_postings")
		return err
	})
	if err != nil {
		return r, fmt.Errorf("verify points: %w", err)
	}
	return r, nil
}

func checkAccounts(ctx context.Context, tx *db.Tx, r *Report) error {
	rows, err := tx.Query(ctx, `SELECT a.address, a.member_id, a.kind, a.region_path, a.shard, a.balance, CAST(COALESCE(s.total, 0) AS BIGINT)
		FROM point_accounts a LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM point_postings GROUP BY account_id) s ON s.account_id = a.id
		ORDER BY a.address, a.kind, a.region_path, a.shard`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type clubKey struct {
		address string
		kind    Kind
		region  string
	}
	var clubs []clubKey
	club := map[clubKey]*Mismatch{}
	for rows.Next() {
		m := Mismatch{Problem: BadBalance}
		var memberID *int64
		if err := rows.Scan(&m.Account, &memberID, &m.Kind, &m.Region, &m.Shard, &m.Recorded, &m.Postings); err != nil {
			return err
		}
		if m.Recorded != m.Postings {
			r.Mismatches = append(r.Mismatches, m)
		}
		if memberID != nil {
			r.MemberAccounts++
			if m.Recorded < 0 {
				m.Problem = Negative
				r.Mismatches = append(r.Mismatches, m)
			}
			continue
		}
		r.Shards++
		k := clubKey{m.Account, m.Kind, m.Region}
		c, ok := club[k]
		if !ok {
			c = &Mismatch{Problem: BadClubBalance, Account: m.Account, Kind: m.Kind, Region: m.Region, Shard: -1}
			club[k] = c
			clubs = append(clubs, k)
		}
		c.Recorded += m.Recorded
		c.Postings += m.Postings
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.ClubAccounts = len(clubs)
	for _, k := range clubs {
		if c := club[k]; c.Recorded != c.Postings {
			r.Mismatches = append(r.Mismatches, *c)
		}
	}
	return nil
}

func checkTransactions(ctx context.Context, tx *db.Tx, r *Report) error {
	rows, err := tx.Query(ctx, `SELECT p.transaction_id, a.kind, CAST(SUM(p.amount) AS BIGINT), count(*)
		FROM point_postings p JOIN point_accounts a ON a.id = p.account_id
		GROUP BY p.transaction_id, a.kind HAVING SUM(p.amount) <> 0 OR count(*) < 2
		ORDER BY p.transaction_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		m := Mismatch{Problem: Unbalanced}
		var legs int
		if err := rows.Scan(&m.TransactionID, &m.Kind, &m.Recorded, &legs); err != nil {
			return err
		}
		if m.Recorded == 0 {
			m.Problem = MissingLegs
		}
		r.Mismatches = append(r.Mismatches, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT t.id, NOT EXISTS (SELECT 1 FROM point_idempotency i WHERE i.transaction_id = t.id)
		FROM point_transactions t
		WHERE NOT EXISTS (SELECT 1 FROM point_postings p WHERE p.transaction_id = t.id)
		   OR NOT EXISTS (SELECT 1 FROM point_idempotency i WHERE i.transaction_id = t.id)
		ORDER BY t.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		m := Mismatch{Problem: MissingLegs}
		var noKey bool
		if err := rows.Scan(&m.TransactionID, &noKey); err != nil {
			return err
		}
		if noKey {
			m.Problem = MissingKey
		}
		r.Mismatches = append(r.Mismatches, m)
	}
	return rows.Err()
}
