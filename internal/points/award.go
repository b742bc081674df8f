package points

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// EventInput is a qualifying event (积分事件) to record for a member. The
// event is known by (member, type, ref): recording it again, however
// often, returns the first record and posts nothing more. Joining and
// completing the profile happen once per member and need no ref; a
// birthday's ref is its year unless given; every other event needs its
// ref (the club event, the contract number, the visit …).
type EventInput struct {
	MemberID   int64     `json:"member_id"`
	Type       EventType `json:"event_type"`
	Ref        string    `json:"ref,omitempty"`
	OccurredAt time.Time `json:"occurred_at"` // zero: now
	Note       string    `json:"note,omitempty"`
}

// Event is a recorded qualifying event with what it earned.
type Event struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	MemberName string    `json:"member_name,omitempty"` // in lists
	MemberNo   string    `json:"member_no,omitempty"`   // in lists
	Type       EventType `json:"event_type"`
	Ref        string    `json:"ref,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	Note       string    `json:"note,omitempty"`
	BatchID    *int64    `json:"batch_id,omitempty"`
	ActorLogin string    `json:"actor_login"`
	CreatedAt  time.Time `json:"created_at"`
	Awards     []Award   `json:"awards"`
	Points     Amounts   `json:"points"`
	// Skipped lists the matching rules whose caps left nothing; only the
	// first recording reports them.
	Skipped []int64 `json:"skipped_rules,omitempty"`
	// Replayed is set when the event had been recorded before.
	Replayed bool `json:"replayed,omitempty"`
}

// Award is what one rule gave for an event: one ledger transaction.
type Award struct {
	RuleID        int64 `json:"rule_id"`
	PlanID        int64 `json:"plan_id"`
	Kind          Kind  `json:"kind"`
	Amount        int64 `json:"amount"`
	Capped        bool  `json:"capped,omitempty"` // cut down to what the cap left
	TransactionID int64 `json:"transaction_id"`
}

// clubZone is the club's calendar: days, months and years of caps and
// plan validity are counted in it.
var clubZone = time.FixedZone("CST", 8*3600)

// dayOf is the China calendar day of t.
func dayOf(t time.Time) db.Date {
	c := t.In(clubZone)
	return db.DateOf(c.Year(), c.Month(), c.Day())
}

// RecordEvent records a member's qualifying event and posts what the
// matching rules give (计积分): the rules of every approved plan at or
// above the node the member joined, valid on the day of the event, within
// their caps and their plan's budget. Only approved members (正式会员)
// earn points. Each rule's award is one ledger transaction, posted by the
// ledger's own code with the key award:<event>:<rule>, its plan and rule.
// An award past a plan's budget is refused (nothing is recorded, so the
// event can be recorded again once the budget is raised).
func (s *Service) RecordEvent(ctx context.Context, in EventInput) (*Event, error) {
	if _, err := newClaim(in, s.DB.Clock()); err != nil {
		return nil, err
	}
	months, err := s.months(ctx, true)
	if err != nil {
		return nil, err
	}
	if err := s.openAhead(ctx, []BatchRow{{MemberID: in.MemberID}}, []EventType{in.Type}); err != nil {
		return nil, err
	}
	var out *Event
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		c, err := newClaim(in, tx.Now)
		if err != nil {
			return err
		}
		if err := lockMembers(ctx, tx, []*eventClaim{c}); err != nil {
			return err
		}
		if err := c.member.eligible(); err != nil {
			return err
		}
		if err := claimEvents(ctx, tx, []*eventClaim{c}, nil); err != nil {
			return err
		}
		if !c.fresh {
			out, err = loadEvent(ctx, tx, c.eventID)
			if out != nil {
				out.Replayed = true
			}
			return err
		}
		grants, err := s.match(ctx, tx, []*eventClaim{c})
		if err != nil {
			return err
		}
		order, err := byShard(ctx, tx, grants)
		if err != nil {
			return err
		}
		for _, g := range order {
			t, err := s.postWithin(ctx, tx, g.entry(), months)
			if err != nil {
				return err
			}
			g.txID = t.ID
		}
		if err := finishAwards(ctx, tx, grants); err != nil {
			return err
		}
		out = c.event(tx)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record points event: %w", err)
	}
	return out, nil
}

// eventClaim is one event being recorded: its key, and once claimed its id and
// the member behind it, locked.
type eventClaim struct {
	row    int // index in the batch
	in     EventInput
	key    string
	day    db.Date
	member *memberRow
	// set by claimEvents
	eventID int64
	fresh   bool // recorded now, not before
	grants  []*grant
	skipped []int64
}

// newClaim checks an event and derives its key.
func newClaim(in EventInput, now time.Time) (*eventClaim, error) {
	in.Ref, in.Note = strings.TrimSpace(in.Ref), strings.TrimSpace(in.Note)
	if in.MemberID <= 0 {
		return nil, apperr.Field("member_id", "请指定会员", "a member is required")
	}
	if _, err := ParseEventType(string(in.Type)); err != nil {
		return nil, err
	}
	if in.OccurredAt.IsZero() {
		in.OccurredAt = now
	}
	in.OccurredAt = in.OccurredAt.UTC().Truncate(time.Microsecond)
	if in.OccurredAt.After(now.Add(5 * time.Minute)) {
		return nil, apperr.Field("occurred_at", "事件时间不能晚于现在", "the event cannot be in the future")
	}
	if in.OccurredAt.Year() < 2000 {
		return nil, apperr.Field("occurred_at", "事件时间不正确", "the event time is not valid")
	}
	switch in.Type {
	case EvJoined, EvProfileCompleted:
	case EvBirthday:
		if in.Ref == "" {
			in.Ref = fmt.Sprint(in.OccurredAt.In(clubZone).Year())
		}
	default:
		if in.Ref == "" {
			return nil, apperr.Field("ref", "请填写关联编号（活动、合同、到访记录等），同一事件只计一次积分",
				"a ref is required (the event, contract, visit …): each event earns points once")
		}
	}
	if utf8.RuneCountInString(in.Ref) > 100 || strings.ContainsAny(in.Ref, "\r\n\t") {
		return nil, apperr.Field("ref", "关联编号最多 100 字，且为一行", "ref: one line of at most 100 characters")
	}
	if utf8.RuneCountInString(in.Note) > 500 {
		return nil, apperr.Field("note", "备注最多 500 字", "note: at most 500 characters")
	}
	key := itoa(in.MemberID) + ":" + string(in.Type) + ":" + in.Ref
	return &eventClaim{in: in, key: key, day: dayOf(in.OccurredAt)}, nil
}

// event is the record of a freshly claimed event.
func (c *eventClaim) event(tx *db.Tx) *Event {
	e := &Event{ID: c.eventID, MemberID: c.in.MemberID, Type: c.in.Type, Ref: c.in.Ref, OccurredAt: c.in.OccurredAt, Note: c.in.Note,
		ActorLogin: tx.Actor.Login, CreatedAt: tx.Now, Awards: []Award{}, Skipped: c.skipped}
	for _, g := range c.grants {
		e.Awards = append(e.Awards, g.award())
		e.Points.add(g.rule.Kind, g.amount)
	}
	return e
}

// memberRow is what awarding needs of a member.
type memberRow struct {
	id     int64
	no     string
	path   string
	status member.Status
	tier   string
}

// eligible refuses members who do not earn points: only approved members
// (正式会员) do.
func (m *memberRow) eligible() error {
	switch m.status {
	case member.Active:
		return nil
	case member.Closed:
		return &apperr.Error{Code: apperr.Conflict, Field: "member_id", ZH: "会员已注销，不能获得积分", EN: "the member is closed: no points"}
	}
	return &apperr.Error{Code: apperr.Conflict, Field: "member_id", ZH: "会员尚未通过入会审核（" + m.status.Label("zh-CN") + "），不能获得积分",
		EN: "the member is not approved yet (" + strings.ToLower(m.status.Label("en")) + "): no points"}
}

func readMember(ctx context.Context, tx *db.Tx, id int64) (*memberRow, error) {
	m := &memberRow{id: id}
	var no *string
	err := tx.QueryRow(ctx, "SELECT member_no, node_path, status, tier FROM members WHERE id = ?", id).Scan(&no, &m.path, &m.status, &m.tier)
	if err != nil {
		return nil, notFound(err, "会员", "member")
	}
	m.no = deref(no)
	return m, nil
}

// grant is a rule's award for a claimed event, before and after posting.
type grant struct {
	c      *eventClaim
	plan   *Plan
	rule   *Rule
	amount int64
	capped bool
	txID   int64
}

func (g *grant) award() Award {
	return Award{RuleID: g.rule.ID, PlanID: g.plan.ID, Kind: g.rule.Kind, Amount: g.amount, Capped: g.capped, TransactionID: g.txID}
}

// entry is the ledger entry of a grant, the same for both posting paths.
func (g *grant) entry() Entry {
	return Entry{MemberID: g.c.in.MemberID, Kind: g.rule.Kind, Amount: g.amount, Source: FromRule,
		Reason: g.c.in.Type.Label("zh-CN") + " · " + g.plan.Name, PlanID: &g.plan.ID, RuleID: &g.rule.ID, Ref: g.c.in.Ref,
		IdempotencyKey: "award:" + itoa(g.c.eventID) + ":" + itoa(g.rule.ID)}
}
