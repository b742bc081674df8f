package card

import (
	"context"
	"fmt"
	"strings"

	"estateclub/internal/db"
	"estateclub/internal/org"
)

// StockLine is one line of the stock report (库存): a city company's cards
// of one design, counted by status.
type StockLine struct {
	CityID     int64  `json:"city_id"`
	CityCode   string `json:"city_code"`
	CityName   string `json:"city_name"`
	NodePath   string `json:"-"`
	DesignID   int64  `json:"design_id"`
	DesignName string `json:"design_name"`
	InStock    int    `json:"in_stock"`
	Issued     int    `json:"issued"`
	Blocked    int    `json:"blocked"`
	Void       int    `json:"void"`
}

// StockFilter selects the lines of the stock report.
type StockFilter struct {
	Within   []string // org paths; nil: everywhere, empty: nothing
	City     string
	DesignID int64
}

// Stock reports each city company's cards by design: in stock, issued,
// blocked and void, ordered by city code and design name.
func (s *Service) Stock(ctx context.Context, f StockFilter) ([]StockLine, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("c.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.City != "" {
		conds, args = append(conds, "n.code = ?"), append(args, org.NormalizeCode(f.City))
	}
	if f.DesignID != 0 {
		conds, args = append(conds, "c.design_id = ?"), append(args, f.DesignID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	out := []StockLine{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.node_id, n.code, n.name, n.path, c.design_id, d.name,
			SUM(CASE WHEN c.status = 'in_stock' THEN 1 ELSE 0 END),
			SUM(CASE WHEN c.status = 'issued' THEN 1 ELSE 0 END),
			SUM(CASE WHEN c.status = 'blocked' THEN 1 ELSE 0 END),
			SUM(CASE WHEN c.status = 'void' THEN 1 ELSE 0 END)
			FROM cards c JOIN org_nodes n ON n.id = c.node_id JOIN card_designs d ON d.id = c.design_id`+where+`
			GROUP BY c.node_id, n.code, n.name, n.path, c.design_id, d.name ORDER BY n.code, d.name, c.design_id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l StockLine
			if err := rows.Scan(&l.CityID, &l.CityCode, &l.CityName, &l.NodePath, &l.DesignID, &l.DesignName,
				&l.InStock, &l.Issued, &l.Blocked, &l.Void); err != nil {
				return err
			}
			out = append(out, l)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("card stock: %w", err)
	}
	return out, nil
}
