package card

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// MaxBatch is the most cards one batch may hold.
const MaxBatch = 100_000

// Batch is a production batch of cards (制卡批次): one design, a run of
// consecutive numbers, delivered into one city company's stock (库存).
type Batch struct {
	ID          int64     `json:"id"`
	DesignID    int64     `json:"design_id"`
	DesignName  string    `json:"design_name"`
	CityID      int64     `json:"city_id"`
	CityCode    string    `json:"city_code"`
	CityName    string    `json:"city_name"`
	NodePath    string    `json:"-"`
	Prefix      string    `json:"prefix"`
	Quantity    int       `json:"quantity"`
	FirstSeq    int64     `json:"first_seq"`
	LastSeq     int64     `json:"last_seq"`
	FirstNumber string    `json:"first_number"`
	LastNumber  string    `json:"last_number"`
	OrderedOn   db.Date   `json:"ordered_on"`
	ProducedOn  db.Date   `json:"produced_on"`
	ReceivedOn  db.Date   `json:"received_on"`
	CostFen     int64     `json:"cost_fen"` // production cost in fen, booked against the card budget
	Note        string    `json:"note,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewBatch is the input of CreateBatch.
type NewBatch struct {
	DesignID   int64   `json:"design_id"`
	City       string  `json:"city"` // code of the city company that receives the stock
	Quantity   int     `json:"quantity"`
	OrderedOn  db.Date `json:"ordered_on"`
	ProducedOn db.Date `json:"produced_on"`
	ReceivedOn db.Date `json:"received_on"`
	CostFen    int64   `json:"cost_fen"`
	Note       string  `json:"note"`
}

// BatchFilter selects batches.
type BatchFilter struct {
	Within   []string // org paths; nil: everywhere, empty: nothing
	City     string
	DesignID int64
	Offset   int
	Limit    int // 0: 50
}

// chunk is how many cards one INSERT writes: 8 parameters each stays far
// below both engines' limit on parameters per statement.
const chunk = 1000

// CreateBatch records a batch and puts its cards into the city's stock, in
// one transaction. Its numbers follow the last ones of the prefix's
// sequence, locked for the transaction, so concurrent batches never overlap.
func (s *Service) CreateBatch(ctx context.Context, in NewBatch) (*Batch, error) {
	note, err := in.check()
	if err != nil {
		return nil, err
	}
	var b *Batch
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		d, err := designByID(ctx, tx, in.DesignID)
		if err != nil {
			return err
		}
		if !d.Active {
			return &apperr.Error{Code: apperr.Conflict, Field: "design", ZH: "卡面 " + d.Name + " 已停用", EN: "card design " + d.Name + " is inactive"}
		}
		city, err := cityByCode(ctx, tx, "city", in.City)
		if err != nil {
			return err
		}
		prefix, err := prefixTx(ctx, tx)
		if err != nil {
			return err
		}
		first, err := allocate(ctx, tx, prefix, in.Quantity)
		if err != nil {
			return err
		}
		b = &Batch{DesignID: d.ID, DesignName: d.Name, CityID: city.ID, CityCode: city.Code, CityName: city.Name,
			NodePath: city.Path, Prefix: prefix, Quantity: in.Quantity, FirstSeq: first, LastSeq: first + int64(in.Quantity) - 1,
			OrderedOn: in.OrderedOn, ProducedOn: in.ProducedOn, ReceivedOn: in.ReceivedOn, CostFen: in.CostFen,
			Note: note, CreatedBy: tx.Actor.Login, CreatedAt: tx.Now}
		b.FirstNumber, b.LastNumber = Number(prefix, b.FirstSeq), Number(prefix, b.LastSeq)
		b.ID, err = tx.InsertID(ctx, `INSERT INTO card_batches (design_id, node_id, node_path, prefix, quantity, first_seq, last_seq,
			ordered_on, produced_on, received_on, cost_fen, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, city.ID, city.Path, prefix, b.Quantity, b.FirstSeq, b.LastSeq, b.OrderedOn, b.ProducedOn, b.ReceivedOn,
			b.CostFen, note, b.CreatedBy, tx.Now)
		if err != nil {
			return err
		}
		if err := insertCards(ctx, tx, b); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "card.batch.create", ObjectType: "card_batch", ObjectID: b.ID,
			NodePath: city.Path, Summary: fmt.Sprintf("制卡批次 %s %d 张（%s–%s）入 %s 库存", d.Name, b.Quantity, b.FirstNumber, b.LastNumber, city.Name),
			After: b})
	})
	if err != nil {
		return nil, fmt.Errorf("create card batch: %w", err)
	}
	return b, nil
}

func (in NewBatch) check() (string, error) {
	switch {
	case in.Quantity < 1 || in.Quantity > MaxBatch:
		return "", apperr.Field("quantity", fmt.Sprintf("数量须在 1 到 %d 之间", MaxBatch), fmt.Sprintf("quantity must be between 1 and %d", MaxBatch))
	case in.CostFen < 0:
		return "", apperr.Field("cost_fen", "费用不能为负数", "the cost cannot be negative")
	case in.ProducedOn.Valid() && in.OrderedOn.Valid() && in.ProducedOn.Before(in.OrderedOn.Time):
		return "", apperr.Field("produced_on", "制作日期不能早于下单日期", "the production date cannot precede the order date")
	case in.ReceivedOn.Valid() && in.ProducedOn.Valid() && in.ReceivedOn.Before(in.ProducedOn.Time):
		return "", apperr.Field("received_on", "入库日期不能早于制作日期", "the receiving date cannot precede the production date")
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 500 {
		return "", apperr.Field("note", "备注不能超过 500 个字", "the note must be at most 500 characters")
	}
	return note, nil
}

// allocate takes n numbers from the prefix's sequence and returns the first.
func allocate(ctx context.Context, tx *db.Tx, prefix string, n int) (int64, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO card_sequences (prefix, last_seq, updated_at) VALUES (?, 0, ?)
		ON CONFLICT (prefix) DO NOTHING`, prefix, tx.Now); err != nil {
		return 0, err
	}
	var last int64
	if err := tx.QueryRow(ctx, "SELECT last_seq FROM card_sequences WHERE prefix = ?"+tx.ForUpdate(), prefix).Scan(&last); err != nil {
		return 0, err
	}
	if last+int64(n) > MaxSeq {
		return 0, &apperr.Error{Code: apperr.Conflict, Field: "quantity",
			ZH: fmt.Sprintf("卡号前缀 %s 的号段只剩 %d 个", prefix, MaxSeq-last),
			EN: fmt.Sprintf("prefix %s has only %d numbers left", prefix, MaxSeq-last)}
	}
	_, err := tx.Exec(ctx, "UPDATE card_sequences SET last_seq = ?, updated_at = ? WHERE prefix = ?", last+int64(n), tx.Now, prefix)
	return last + 1, err
}

// insertCards writes a batch's cards, chunk rows per statement.
func insertCards(ctx context.Context, tx *db.Tx, b *Batch) error {
	const row = "(?, ?, ?, ?, ?, ?, 'in_stock', ?, ?)"
	args := make([]any, 0, chunk*8)
	for lo := b.FirstSeq; lo <= b.LastSeq; lo += chunk {
		hi := min(lo+chunk-1, b.LastSeq)
		args = args[:0]
		var q strings.Builder
		q.WriteString("INSERT INTO cards (number, seq, batch_id, design_id, node_id, node_path, status, created_at, updated_at) VALUES ")
		for seq := lo; seq <= hi; seq++ {
			if seq > lo {
				q.WriteString(", ")
			}
			q.WriteString(row)
			args = append(args, Number(b.Prefix, seq), seq, b.ID, b.DesignID, b.CityID, b.NodePath, tx.Now, tx.Now)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert cards %d–%d: %w", lo, hi, err)
		}
	}
	return nil
}

// ListBatches returns the batches matching f, newest first, and their count.
func (s *Service) ListBatches(ctx context.Context, f BatchFilter) ([]Batch, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("b.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.City != "" {
		conds, args = append(conds, "n.code = ?"), append(args, org.NormalizeCode(f.City))
	}
	if f.DesignID != 0 {
		conds, args = append(conds, "b.design_id = ?"), append(args, f.DesignID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	from := " FROM card_batches b JOIN card_designs d ON d.id = b.design_id JOIN org_nodes n ON n.id = b.node_id" + where
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []Batch{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*)"+from, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT b.id, b.design_id, d.name, b.node_id, n.code, n.name, b.node_path, b.prefix, b.quantity,
			b.first_seq, b.last_seq, b.ordered_on, b.produced_on, b.received_on, b.cost_fen, b.note, b.created_by, b.created_at`+
			from+" ORDER BY b.id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b Batch
			if err := rows.Scan(&b.ID, &b.DesignID, &b.DesignName, &b.CityID, &b.CityCode, &b.CityName, &b.NodePath, &b.Prefix,
				&b.Quantity, &b.FirstSeq, &b.LastSeq, &b.OrderedOn, &b.ProducedOn, &b.ReceivedOn, &b.CostFen, &b.Note,
				&b.CreatedBy, &b.CreatedAt); err != nil {
				return err
			}
			b.FirstNumber, b.LastNumber = Number(b.Prefix, b.FirstSeq), Number(b.Prefix, b.LastSeq)
			out = append(out, b)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list card batches: %w", err)
	}
	return out, total, nil
}

// cityByCode finds the city company with code; field names the input.
func cityByCode(ctx context.Context, tx *db.Tx, field, code string) (*org.Node, error) {
	code = org.NormalizeCode(code)
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM org_nodes WHERE code = ?", code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Field(field, "城市公司 "+code+" 不存在", "there is no city company "+code)
	}
	if err != nil {
		return nil, err
	}
	n, err := org.ByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if n.Kind != org.City {
		return nil, apperr.Field(field, n.Name+" 不是城市公司：会员卡库存按城市公司管理", n.Code+" is not a city company; card stock is kept per city company")
	}
	return n, nil
}
