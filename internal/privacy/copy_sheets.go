package privacy

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
)

// copier reads one member's rows of the club's own tables for a copy.
type copier struct {
	keys *pii.Keys
	ctx  context.Context
	tx   *db.Tx
	id   int64
	lang string
}

// sheet runs query and turns each row into cells with scan.
func (c copier) sheet(name string, header []string, query string, scan func(*sql.Rows) ([]string, error)) (Sheet, error) {
	sh := Sheet{Name: name, Header: header}
	rows, err := c.tx.Query(c.ctx, query, c.id)
	if err != nil {
		return sh, err
	}
	defer rows.Close()
	for rows.Next() {
		cells, err := scan(rows)
		if err != nil {
			return sh, err
		}
		sh.Rows = append(sh.Rows, cells)
	}
	return sh, rows.Err()
}

func (c copier) cards() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "会员卡", "Cards"), heads(l, "卡号|Number", "状态|Status", "发卡时间|Issued", "寄送方式|Delivery",
		"寄送状态|Delivery status", "快递单号|Tracking", "挂失时间|Blocked", "挂失原因|Reason"),
		`SELECT number, status, issued_at, COALESCE(delivery_method, ''), COALESCE(delivery_status, ''), tracking_no, blocked_at, block_reason
		FROM cards WHERE member_id = ? ORDER BY id`,
		func(r *sql.Rows) ([]string, error) {
			var number, status, method, dstatus, tracking, reason string
			var issued, blocked *time.Time
			err := r.Scan(&number, &status, &issued, &method, &dstatus, &tracking, &blocked, &reason)
			return []string{number, card.Status(status).Label(l), when(issued), card.Delivery(method).Label(l),
				card.DeliveryStatus(dstatus).Label(l), tracking, when(blocked), reason}, err
		})
}

func (c copier) tierChanges() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "等级变更", "Tier changes"), heads(l, "原等级|From", "新等级|To", "原因|Reason", "状态|Status",
		"申请时间|Requested", "决定时间|Decided", "说明|Note"),
		`SELECT f.name_zh, f.name_en, t.name_zh, t.name_en, c.reason, c.status, c.requested_at, c.decided_at, c.decision_note
		FROM tier_changes c JOIN tiers f ON f.code = c.from_tier JOIN tiers t ON t.code = c.to_tier WHERE c.member_id = ? ORDER BY c.id`,
		func(r *sql.Rows) ([]string, error) {
			var fzh, fen, tzh, ten, reason, status, note string
			var requested time.Time
			var decided *time.Time
			err := r.Scan(&fzh, &fen, &tzh, &ten, &reason, &status, &requested, &decided, &note)
			return []string{tr(l, fzh, fen), tr(l, tzh, ten), reason, tierStatus(l, status), when(&requested), when(decided), note}, err
		})
}

func tierStatus(lang, s string) string {
	switch s {
	case "pending":
		return tr(lang, "待审批", "pending")
	case "approved":
		return tr(lang, "已批准", "approved")
	case "rejected":
		return tr(lang, "已驳回", "rejected")
	case "automatic":
		return tr(lang, "自动", "automatic")
	}
	return s
}

// ledger is the member's postings of one kind of points, oldest first.
func (c copier) ledger(kind points.Kind) func() (Sheet, error) {
	return func() (Sheet, error) {
		l := c.lang
		return c.sheet(tr(l, "积分明细-", "Points - ")+kind.Label(l), heads(l, "时间|Time", "事业部|Region", "积分|Points",
			"余额|Balance", "来源|Source", "摘要|Reason", "凭证|Reference"),
			`SELECT p.created_at, COALESCE(n.name, a.region_path), p.amount, p.balance_after, t.source, t.reason, t.ref
			FROM point_postings p JOIN point_accounts a ON a.id = p.account_id JOIN point_transactions t ON t.id = p.transaction_id
			LEFT JOIN org_nodes n ON n.path = a.region_path
			WHERE a.member_id = ? AND a.kind = '`+string(kind)+`' ORDER BY p.id`,
			func(r *sql.Rows) ([]string, error) {
				var at time.Time
				var region, source, reason, ref string
				var amount, balance int64
				err := r.Scan(&at, &region, &amount, &balance, &source, &reason, &ref)
				return []string{when(&at), region, strconv.FormatInt(amount, 10), strconv.FormatInt(balance, 10), sourceLabel(l, source), reason, ref}, err
			})
	}
}

func sourceLabel(lang, s string) string {
	labels := map[string][2]string{
		"rule": {"积分规则", "rule"}, "plan": {"积分计划", "plan"}, "event": {"活动", "event"}, "redemption": {"兑换", "redemption"},
		"adjustment": {"调整", "adjustment"}, "expiry": {"过期", "expiry"}, "reversal": {"冲正", "reversal"},
	}
	if p, ok := labels[s]; ok {
		return tr(lang, p[0], p[1])
	}
	return s
}

func (c copier) orders() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "积分兑换", "Redemptions"), heads(l, "申请时间|Applied", "商品|Item", "数量|Quantity", "积分|Points",
		"状态|Status", "备注|Note", "领取方式|Fulfilment", "快递单号|Tracking", "券码|Voucher", "完成时间|Fulfilled"),
		`SELECT o.created_at, i.name, o.quantity, o.points, o.status, o.note, COALESCE(o.fulfilment, ''), o.tracking_no,
			COALESCE(o.voucher_code, ''), o.fulfilled_at
		FROM redeem_orders o JOIN redeem_items i ON i.id = o.item_id WHERE o.member_id = ? ORDER BY o.id`,
		func(r *sql.Rows) ([]string, error) {
			var at time.Time
			var fulfilled *time.Time
			var item, status, note, method, tracking, voucher string
			var qty, pts int64
			err := r.Scan(&at, &item, &qty, &pts, &status, &note, &method, &tracking, &voucher, &fulfilled)
			return []string{when(&at), item, strconv.FormatInt(qty, 10), strconv.FormatInt(pts, 10), redeem.Status(status).Label(l),
				note, redeem.Method(method).Label(l), tracking, voucher, when(fulfilled)}, err
		})
}

// leadsOf is the member's leads: those that became the member, and those
// with the member's mobile.
const leadsOf = `(SELECT l2.id FROM leads l2 JOIN members m ON m.id = ? WHERE l2.member_id = m.id OR l2.mobile_idx = m.mobile_idx)`

func (c copier) leads() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "来访来电", "Sales-site visits"), heads(l, "项目|Project", "姓|Surname", "姓名|Name", "性别|Gender",
		"首次来源|First contact", "认知媒体|Media", "意向|Status", "丢失原因|Lost reason", "登记时间|Registered"),
		`SELECT n.name, l.surname, l.name, l.gender, l.source, l.media, l.status, l.lost_reason, l.created_at
		FROM leads l JOIN org_nodes n ON n.id = l.project_id WHERE l.id IN `+leadsOf+` ORDER BY l.id`,
		func(r *sql.Rows) ([]string, error) {
			var project, surname, name, g, source, media, status, lost string
			var at time.Time
			err := r.Scan(&project, &surname, &name, &g, &source, &media, &status, &lost, &at)
			return []string{project, surname, name, gender(l, g), lead.Source(source).Label(l), media, lead.Status(status).Label(l), lost, when(&at)}, err
		})
}

func (c copier) followUps() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "跟进记录", "Follow-ups"), heads(l, "时间|Time", "方式|Channel", "内容|Content", "下一步|Next action", "预约日期|Due"),
		`SELECT f.at, f.channel, f.content, f.next_action, f.next_due FROM lead_follow_ups f
		WHERE f.lead_id IN `+leadsOf+` ORDER BY f.id`,
		func(r *sql.Rows) ([]string, error) {
			var at time.Time
			var channel, content, next string
			var due db.Date
			err := r.Scan(&at, &channel, &content, &next, &due)
			return []string{when(&at), lead.Channel(channel).Label(l), content, next, due.String()}, err
		})
}

func (c copier) changes() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "资料变更记录", "Profile history"), heads(l, "时间|Time", "操作人|By", "项目|Field", "原值|Before", "新值|After"),
		`SELECT at, actor_login, field, old_value, new_value FROM member_changes WHERE member_id = ? ORDER BY id`,
		func(r *sql.Rows) ([]string, error) {
			var at time.Time
			var by, field, old, new string
			err := r.Scan(&at, &by, &field, &old, &new)
			return []string{when(&at), by, field, old, new}, err
		})
}

func (c copier) requests() (Sheet, error) {
	l := c.lang
	return c.sheet(tr(l, "诉求", "Requests"), heads(l, "编号|Number", "类型|Kind", "类别|Subkind", "渠道|Channel", "内容|Text",
		"状态|Status", "提交时间|Submitted", "关闭时间|Closed"),
		// The kinds and subkinds by the names the admin gave them.
		`SELECT COALESCE(r.no, ''), r.kind, r.subkind, COALESCE(kl.name_zh, ''), COALESCE(kl.name_en, ''), COALESCE(sk.name_zh, ''), COALESCE(sk.name_en, ''),
			r.channel, r.id, r.text, r.text_enc, r.status, r.created_at, r.closed_at
			FROM requests r LEFT JOIN request_kind_labels kl ON kl.kind = r.kind
			LEFT JOIN request_subkinds sk ON sk.kind = r.kind AND sk.code = r.subkind
			WHERE r.member_id = ? ORDER BY r.id`,
		func(r *sql.Rows) ([]string, error) {
			var no, kind, sub, channel, text, status string
			var kindName, subName [2]string
			var id int64
			var enc []byte
			var at time.Time
			var closed *time.Time
			err := r.Scan(&no, &kind, &sub, &kindName[0], &kindName[1], &subName[0], &subName[1], &channel, &id, &text, &enc, &status, &at, &closed)
			if err == nil {
				text, err = request.OpenText(c.keys, id, text, enc)
			}
			name := func(n [2]string, builtIn string) string {
				if v := tr(l, n[0], n[1]); v != "" {
					return v
				}
				return builtIn
			}
			return []string{no, name(kindName, request.Kind(kind).Label(l)), name(subName, request.Subkind(sub).Label(l)), request.Channel(channel).Label(l), text,
				request.Status(status).Label(l), when(&at), when(closed)}, err
		})
}
