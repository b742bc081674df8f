package event

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
	"estateclub/internal/survey"
)

// MaxReceipt is the largest receipt accepted.
const MaxReceipt = 5 << 20

// ReceiptTooLarge refuses a receipt over MaxReceipt, naming the receipt
// field; err is the reader's, if any.
func ReceiptTooLarge(err error) error {
	mb := MaxReceipt >> 20
	return &apperr.Error{Code: apperr.TooLarge, Field: "receipt", ZH: fmt.Sprintf("票据不能超过 %d MB", mb),
		EN: fmt.Sprintf("the receipt must be at most %d MB", mb), Err: err}
}

// receiptTypes are the sniffed types a receipt may have.
var receiptTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}

func receiptAAD(id int64) string { return pii.AAD("event_costs.receipt_enc", id) }

// CostInput is an actual cost and its receipt (a photo or a PDF, at most 5 MB).
type CostInput struct {
	BudgetLine
	Receipt     []byte `json:"-"`
	ReceiptName string `json:"-"`
}

// AddCost records an actual cost of a held event, its receipt sealed.
func (s *Service) AddCost(ctx context.Context, eventID int64, in CostInput, within *Scope) (*Event, error) {
	if err := in.validate("item"); err != nil {
		return nil, err
	}
	var typ, name string
	if len(in.Receipt) > 0 {
		if len(in.Receipt) > MaxReceipt {
			return nil, apperr.Field("receipt", "票据不能超过 5 MB", "the receipt must be at most 5 MB")
		}
		typ = http.DetectContentType(in.Receipt)
		ext, ok := receiptTypes[typ]
		if !ok {
			return nil, apperr.Field("receipt", "票据须为 JPEG、PNG、WebP 图片或 PDF", "the receipt must be a JPEG, PNG or WebP image or a PDF")
		}
		name = fileName(in.ReceiptName, ext)
	}
	return s.step(ctx, eventID, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status != Held {
			return "", "", errStatus(e, "活动举办后、总结前才能登记实际费用", "costs are recorded once the event is held and before it is closed")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO event_costs (event_id, category, item, amount_fen, receipt_name, receipt_type, receipt_size, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, eventID, in.Category, in.Item, in.AmountFen, name, typ, len(in.Receipt), tx.Now)
		if err != nil {
			return "", "", err
		}
		if len(in.Receipt) > 0 {
			enc, err := s.Keys.Seal(string(in.Receipt), receiptAAD(id))
			if err != nil {
				return "", "", err
			}
			if _, err := tx.Exec(ctx, "UPDATE event_costs SET receipt_enc = ? WHERE id = ?", enc, id); err != nil {
				return "", "", err
			}
		}
		return "cost", in.Category.Label("") + " " + in.Item, nil
	})
}

// fileName keeps the base name a browser sent, without folders or control
// characters, at most 100 characters.
func fileName(name, ext string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	if name == "" || name == "." || name == "/" {
		return "receipt" + ext
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	return name
}

func costs(ctx context.Context, tx *db.Tx, id int64) ([]Cost, error) {
	rows, err := tx.Query(ctx, `SELECT id, category, item, amount_fen, receipt_name, receipt_type, receipt_size, created_at
		FROM event_costs WHERE event_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Cost{}
	for rows.Next() {
		var c Cost
		if err := rows.Scan(&c.ID, &c.Category, &c.Item, &c.AmountFen, &c.ReceiptName, &c.ReceiptType, &c.ReceiptSize, &c.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Receipt opens a cost's receipt: its name, type and bytes. Every opening
// is audited (event.receipt): the receipt may show personal data.
func (s *Service) Receipt(ctx context.Context, costID int64, within *Scope) (name, contentType string, data []byte, err error) {
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var p, no string
		var eventID int64
		var enc []byte
		err := tx.QueryRow(ctx, `SELECT c.event_id, e.no, c.receipt_name, c.receipt_type, c.receipt_enc, e.node_path FROM event_costs c
			JOIN events e ON e.id = c.event_id WHERE c.id = ?`, costID).Scan(&eventID, &no, &name, &contentType, &enc, &p)
		if err != nil || !within.Allows(p) || len(enc) == 0 {
			return apperr.NotFoundf("票据", "receipt")
		}
		plain, err := s.Keys.Open(enc, receiptAAD(costID))
		if err != nil {
			return err
		}
		data = []byte(plain)
		return audit.Record(ctx, tx, audit.Change{Action: "event.receipt", ObjectType: "event", ObjectID: eventID, NodePath: p,
			Summary: no + " 查看费用票据", After: map[string]any{"cost_id": costID}})
	})
	return name, contentType, data, err
}

// SendSurvey invites every attendee of a held event to the built-in event
// satisfaction survey (portal, and an SMS link to those who consented);
// safe to call again: nobody is invited twice. It returns how many
// attendees have an invite.
func (s *Service) SendSurvey(ctx context.Context, eventID int64, within *Scope) (int, error) {
	if s.Surveys == nil {
		return 0, apperr.New(apperr.Internal, "未配置问卷服务", "no survey service")
	}
	sv, err := s.Surveys.System(ctx, "event")
	if err != nil {
		return 0, err
	}
	n := 0
	_, err = s.step(ctx, eventID, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status != Held && e.Status != Closed {
			return "", "", errStatus(e, "活动举办后才能发送满意度问卷", "the survey goes out once the event is held")
		}
		ids, err := tx.IDs(ctx, "SELECT member_id FROM event_registrations WHERE event_id = ? AND checked_in_at IS NOT NULL ORDER BY seq, id", eventID)
		if err != nil {
			return "", "", err
		}
		for _, m := range ids {
			if _, err := s.Surveys.Invite(ctx, tx, survey.InviteInput{SurveyID: sv.ID, MemberID: m, Subject: "event", SubjectID: eventID, Text: true}); err != nil {
				return "", "", err
			}
		}
		n = len(ids)
		if e.SurveySent != nil {
			return "", "", nil
		}
		_, err = tx.Exec(ctx, "UPDATE events SET survey_sent_at = ? WHERE id = ?", tx.Now, eventID)
		return "survey_sent", fmt.Sprintf("%d 人", n), err
	})
	return n, err
}

// Evaluation is an event's evaluation (经验总结).
type Evaluation struct {
	EventID        int64            `json:"event_id"`
	Registered     int              `json:"registered"`      // registrations holding a seat (not walk-ins)
	Attended       int              `json:"attended"`        // checked in, walk-ins included
	RegisteredCame int              `json:"registered_came"` // registered and checked in
	WalkIns        int              `json:"walk_ins"`
	AttendanceRate float64          `json:"attendance_rate"` // percent of registered who came, one decimal
	BudgetFen      int64            `json:"budget_fen"`
	ActualFen      int64            `json:"actual_fen"`
	CostPerHeadFen int64            `json:"cost_per_attendee_fen"` // actual / attended
	ByCategory     []CategoryTotals `json:"by_category"`
	Survey         *survey.Summary  `json:"survey,omitempty"`
	Lessons        string           `json:"lessons"`
}

// CategoryTotals are the budget against the actual cost of one category.
type CategoryTotals struct {
	Category  BudgetCategory `json:"category"`
	BudgetFen int64          `json:"budget_fen"`
	ActualFen int64          `json:"actual_fen"`
}

// Evaluate computes an event's evaluation.
func (s *Service) Evaluate(ctx context.Context, eventID int64, within *Scope) (*Evaluation, error) {
	e, err := s.Get(ctx, eventID, within)
	if err != nil {
		return nil, err
	}
	v := &Evaluation{EventID: e.ID, Registered: e.Counts.Registered, Attended: e.Counts.CheckedIn, WalkIns: e.Counts.WalkIns, Lessons: e.Lessons}
	v.RegisteredCame = v.Attended - v.WalkIns
	if v.Registered > 0 {
		v.AttendanceRate = float64(int(float64(v.RegisteredCame)*1000/float64(v.Registered)+0.5)) / 10
	}
	by := map[BudgetCategory]*CategoryTotals{}
	get := func(c BudgetCategory) *CategoryTotals {
		if by[c] == nil {
			by[c] = &CategoryTotals{Category: c}
		}
		return by[c]
	}
	for _, b := range e.Budget {
		v.BudgetFen += b.AmountFen
		get(b.Category).BudgetFen += b.AmountFen
	}
	for _, c := range e.Costs {
		v.ActualFen += c.AmountFen
		get(c.Category).ActualFen += c.AmountFen
	}
	for _, c := range BudgetCategories {
		if by[c] != nil {
			v.ByCategory = append(v.ByCategory, *by[c])
		}
	}
	if v.Attended > 0 {
		v.CostPerHeadFen = v.ActualFen / int64(v.Attended)
	}
	if s.Surveys != nil && e.SurveySent != nil {
		sv, err := s.Surveys.System(ctx, "event")
		if err != nil {
			return nil, err
		}
		if v.Survey, err = s.Surveys.Summary(ctx, sv.ID, survey.SummaryFilter{Subject: "event", SubjectID: e.ID}); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Close records the lessons (经验总结) of a held event and puts it in the
// case library.
func (s *Service) Close(ctx context.Context, eventID int64, lessons string, within *Scope) (*Event, error) {
	if err := text("lessons", &lessons, true, MaxLong*2, "经验总结", "the lessons"); err != nil {
		return nil, err
	}
	return s.step(ctx, eventID, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status != Held {
			return "", "", errStatus(e, "只有已举办的活动可以总结归档", "only a held event can be closed")
		}
		_, err := tx.Exec(ctx, "UPDATE events SET status = ?, lessons = ?, closed_at = ? WHERE id = ?", Closed, lessons, tx.Now, eventID)
		return "closed", "", err
	})
}

// CaseFilter searches the case library (活动案例库): closed events.
type CaseFilter struct {
	Within *Scope
	Q      string // theme, venue, number or lessons
	Kind   Kind
	NodeID int64
	Year   int // of the start; 0: any
	Offset int
	Limit  int
}

// Cases searches the case library.
func (s *Service) Cases(ctx context.Context, f CaseFilter) ([]Event, int, error) {
	lf := Filter{Within: f.Within, Status: []Status{Closed}, Kind: f.Kind, NodeID: f.NodeID, Q: f.Q, Offset: f.Offset, Limit: f.Limit}
	if f.Year != 0 {
		lf.From, lf.To = startOfYear(f.Year), startOfYear(f.Year+1)
	}
	return s.List(ctx, lf)
}

func startOfYear(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, china) }
