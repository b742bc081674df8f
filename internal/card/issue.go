package card

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
)

// IssueRequest is the input of Issue (发卡).
type IssueRequest struct {
	MemberID int64    `json:"member_id"`
	City     string   `json:"city"`      // the city company whose stock to take from; "" for the member's own
	Number   string   `json:"number"`    // a given card from that stock; "" for the lowest number in stock
	DesignID int64    `json:"design_id"` // only cards of this design; 0 for any design fit for the member's tier
	Delivery Delivery `json:"delivery"`
	Tracking string   `json:"tracking"` // the post's tracking number (快递单号), only for Post
}

// ParseDelivery checks a delivery method code.
func ParseDelivery(s string) (Delivery, error) {
	for _, d := range Deliveries {
		if string(d) == s {
			return d, nil
		}
	}
	return "", apperr.Field("delivery", "发卡方式须为现场发放、邮递寄发或上门送发", "delivery must be on_site, post or hand")
}

var trackingPattern = regexp.MustCompile(`^[A-Z0-9]{4,40}$`)

// checkTracking normalises a tracking number; only posted cards have one.
func checkTracking(method Delivery, s string) (string, error) {
	t := Normalize(s)
	if t == "" {
		return "", nil
	}
	if method != Post {
		return "", apperr.Field("tracking", "只有邮递寄发的会员卡才有快递单号", "only posted cards have a tracking number")
	}
	if !trackingPattern.MatchString(t) {
		return "", apperr.Field("tracking", "快递单号须为 4–40 位字母或数字", "the tracking number must be 4–40 letters or digits")
	}
	return t, nil
}

// Issue gives a member a card from a city company's stock (发卡): the card
// named, or else the lowest number in stock whose design fits the member's
// tier. Only an active member (正式会员) gets a card, only one usable card at
// a time, and only from the stock of the city company they joined in.
// Concurrent issues never hand out one card twice.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (*Card, error) {
	in, err := req.check()
	if err != nil {
		return nil, err
	}
	var c *Card
	err = s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		c, err = issueChecked(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("issue card: %w", err)
	}
	return c, nil
}

// IssueMany issues a card to each request's member in one transaction, as
// many calls of Issue would, with an audit entry per card: all or nothing,
// for bulk work such as the demo data. The cards are in request order.
func (s *Service) IssueMany(ctx context.Context, reqs []IssueRequest) ([]*Card, error) {
	ins := make([]checkedIssue, len(reqs))
	for i, req := range reqs {
		var err error
		if ins[i], err = req.check(); err != nil {
			return nil, fmt.Errorf("issue card %d of %d: %w", i+1, len(reqs), err)
		}
	}
	out := make([]*Card, 0, len(reqs))
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		for i, in := range ins {
			c, err := issueChecked(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("card %d of %d (member %d): %w", i+1, len(ins), in.MemberID, err)
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("issue cards: %w", err)
	}
	return out, nil
}

// checkedIssue is an IssueRequest whose fields passed the checks that need
// no database.
type checkedIssue struct {
	IssueRequest
	method           Delivery
	tracking, number string
}

func (req IssueRequest) check() (checkedIssue, error) {
	in := checkedIssue{IssueRequest: req}
	var err error
	if in.method, err = ParseDelivery(string(req.Delivery)); err != nil {
		return in, err
	}
	if in.tracking, err = checkTracking(in.method, req.Tracking); err != nil {
		return in, err
	}
	if strings.TrimSpace(req.Number) != "" {
		if in.number, err = checkNumber("number", req.Number); err != nil {
			return in, err
		}
	}
	return in, nil
}

// issueChecked issues one card in tx and writes its audit entry.
func issueChecked(ctx context.Context, tx *db.Tx, in checkedIssue) (*Card, error) {
	h, err := lockHolder(ctx, tx, in.MemberID)
	if err != nil {
		return nil, err
	}
	if in.City != "" {
		want, err := cityByCode(ctx, tx, "city", in.City)
		if err != nil {
			return nil, err
		}
		if want.ID != h.city.ID {
			return nil, apperr.Field("city", "会员在"+h.city.Name+"入会，只能领取该城市公司的会员卡",
				"the member joined in "+h.city.Code+" and gets a card from that city company's stock only")
		}
	}
	c, err := issueTx(ctx, tx, h, pick{number: in.number, design: in.DesignID}, in.method, in.tracking, 0)
	if err != nil {
		return nil, err
	}
	return c, audit.Record(ctx, tx, audit.Change{Action: "card.issue", ObjectType: "card", ObjectID: c.Number, NodePath: c.NodePath,
		Summary: "发卡 " + c.Number + " 给会员 " + h.label() + "（" + in.method.Label("zh-CN") + "）", After: c})
}

// holder is the member a card is issued to, locked for the transaction.
type holder struct {
	id                   int64
	status               member.Status
	tier, memberNo, path string
	city                 *org.Node
}

func (h *holder) label() string {
	if h.memberNo != "" {
		return h.memberNo
	}
	return "#" + strconv.FormatInt(h.id, 10)
}

// lockHolder locks the member's row, so that two issues for one member
// wait for each other and the second sees the first's card.
func lockHolder(ctx context.Context, tx *db.Tx, id int64) (*holder, error) {
	h := &holder{id: id}
	err := tx.QueryRow(ctx, "SELECT status, tier, COALESCE(member_no, ''), node_path FROM members WHERE id = ?"+tx.ForUpdate(), id).
		Scan(&h.status, &h.tier, &h.memberNo, &h.path)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "member_id", ZH: "会员不存在", EN: "member not found"}
	}
	if err != nil {
		return nil, err
	}
	// Members join at a city company or a project below it, so the city
	// is the third node of the path: /group/region/city/…
	parts := strings.Split(strings.Trim(h.path, "/"), "/")
	if len(parts) < 3 {
		return nil, fmt.Errorf("member %d: no city company in org path %q", id, h.path)
	}
	cityID, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("member %d: org path %q: %w", id, h.path, err)
	}
	if h.city, err = org.ByID(ctx, tx, cityID); err != nil {
		return nil, err
	}
	if h.city.Kind != org.City {
		return nil, fmt.Errorf("member %d: node %s of org path %q is not a city company", id, h.city.Code, h.path)
	}
	return h, nil
}

// pick says which card to issue: a given number, or the lowest in stock
// (of a given design, if set).
type pick struct {
	number string
	design int64
}

// issueTx hands a card of the holder's city to the holder. The caller
// writes the audit entry.
func issueTx(ctx context.Context, tx *db.Tx, h *holder, p pick, method Delivery, tracking string, feeFen int64) (*Card, error) {
	if h.status != member.Active {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "member_id",
			ZH: "只有正式会员才能领取会员卡（当前：" + h.status.Label("zh-CN") + "）",
			EN: "only active members get a card (this one is " + string(h.status) + ")"}
	}
	var held string
	err := tx.QueryRow(ctx, "SELECT number FROM cards WHERE member_id = ? AND status = 'issued'", h.id).Scan(&held)
	if err == nil {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "member_id", ZH: "会员已持有会员卡 " + held + "，遗失请办理补办",
			EN: "the member already holds card " + held + "; report it lost to reissue"}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	id, err := pickCard(ctx, tx, h, p)
	if err != nil {
		return nil, err
	}
	status := Pending
	var deliveredAt any
	switch {
	case method == OnSite:
		status, deliveredAt = Delivered, tx.Now
	case method == Post && tracking != "":
		status = Sent
	}
	res, err := tx.Exec(ctx, `UPDATE cards SET status = 'issued', member_id = ?, issued_at = ?, delivery_method = ?, delivery_status = ?,
		tracking_no = ?, delivered_at = ?, reissue_fee_fen = ?, updated_at = ? WHERE id = ? AND status = 'in_stock'`,
		h.id, tx.Now, method, status, tracking, deliveredAt, feeFen, tx.Now, id)
	if db.IsUniqueViolation(err) { // a concurrent issue to the same member won
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "member_id", ZH: "会员已持有会员卡", EN: "the member already holds a card"}
	}
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "number", ZH: "该卡刚被发出，请重试", EN: "the card was just issued; try again"}
	}
	return cardByID(ctx, tx, id)
}

// pickCard locks the card to issue and returns its id.
func pickCard(ctx context.Context, tx *db.Tx, h *holder, p pick) (int64, error) {
	if p.design != 0 {
		d, err := designByID(ctx, tx, p.design)
		if err != nil {
			return 0, err
		}
		if d.Tier != "" && d.Tier != h.tier {
			return 0, apperr.Field("design_id", "卡面 "+d.Name+" 不适用于该会员的等级", "card design "+d.Name+" is not for the member's tier")
		}
	}
	if p.number == "" {
		return lowestInStock(ctx, tx, h, p.design)
	}
	c, err := cardByNumber(ctx, tx, p.number, true)
	if err != nil {
		return 0, err
	}
	var tier string
	if err := tx.QueryRow(ctx, "SELECT COALESCE(tier, '') FROM card_designs WHERE id = ?", c.DesignID).Scan(&tier); err != nil {
		return 0, err
	}
	switch {
	case c.CityID != h.city.ID:
		return 0, apperr.Field("number", "会员卡 "+c.Number+" 属于"+c.CityName+"的库存，不能发给"+h.city.Name+"的会员",
			"card "+c.Number+" is in "+c.CityCode+"'s stock, not "+h.city.Code+"'s")
	case c.Status != InStock:
		return 0, &apperr.Error{Code: apperr.Conflict, Field: "number", ZH: "会员卡 " + c.Number + " 不在库存中（" + c.Status.Label("zh-CN") + "）",
			EN: "card " + c.Number + " is not in stock (" + string(c.Status) + ")"}
	case tier != "" && tier != h.tier, p.design != 0 && c.DesignID != p.design:
		return 0, apperr.Field("number", "会员卡 "+c.Number+" 的卡面不适用于该会员", "card "+c.Number+"'s design does not fit the member")
	}
	return c.ID, nil
}

// lowestInStock locks the in-stock card with the lowest number in the
// holder's city whose design fits the holder's tier. On PostgreSQL a
// concurrent issue that takes the same row first makes this one move on to
// the next row once it commits.
func lowestInStock(ctx context.Context, tx *db.Tx, h *holder, design int64) (int64, error) {
	q := `SELECT c.id FROM cards c JOIN card_designs d ON d.id = c.design_id
		WHERE c.node_id = ? AND c.status = 'in_stock' AND (d.tier IS NULL OR d.tier = ?)`
	args := []any{h.city.ID, h.tier}
	if design != 0 {
		q += " AND c.design_id = ?"
		args = append(args, design)
	}
	var id int64
	err := tx.QueryRow(ctx, q+" ORDER BY c.seq, c.number LIMIT 1"+tx.ForUpdateOf("c"), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &apperr.Error{Code: apperr.Conflict, Field: "city", ZH: h.city.Name + "没有可发的会员卡库存",
			EN: h.city.Code + " has no cards in stock for this member"}
	}
	return id, err
}
