package points

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// MaxBatchRows bounds one batch award.
const MaxBatchRows = 100_000

// BatchInput is a batch award (批量发放): one event type for many members —
// the attendees of a club event, or the rows of an uploaded sheet. A row
// names its member by id or member number (会员编号); its ref and time
// default to the batch's.
type BatchInput struct {
	Type       EventType  `json:"event_type"`
	Ref        string     `json:"ref,omitempty"`         // e.g. the club event's number
	OccurredAt time.Time  `json:"occurred_at,omitempty"` // zero: now
	Note       string     `json:"note,omitempty"`
	Rows       []BatchRow `json:"rows"`
	Source     string     `json:"source,omitempty"` // "list" (default) or "xlsx"
	File       string     `json:"file,omitempty"`   // the uploaded file's name
	// DryRun works the batch out and reports it, posting nothing (预览).
	DryRun bool `json:"dry_run,omitempty"`
	// Within limits the batch to members at these org paths (the caller's
	// reach); a row naming anyone else fails as if no such member
	// existed. nil: everywhere.
	Within []string `json:"-"`
}

// BatchRow is one member of a batch.
type BatchRow struct {
	Line       int       `json:"line,omitempty"` // the sheet's row number; 0: the row's position
	MemberID   int64     `json:"member_id,omitempty"`
	MemberNo   string    `json:"member_no,omitempty"`
	Ref        string    `json:"ref,omitempty"`
	OccurredAt time.Time `json:"occurred_at,omitempty"`
}

// Outcome is what became of one row of a batch.
type Outcome string

// The outcomes of a row.
const (
	RowAwarded    Outcome = "awarded"    // recorded, points posted (Capped: cut down by a cap)
	RowNoPoints   Outcome = "no_points"  // recorded; no rule matched, or caps left nothing
	RowReplayed   Outcome = "replayed"   // recorded before: nothing new
	RowDuplicate  Outcome = "duplicate"  // the same event as an earlier row
	RowIneligible Outcome = "ineligible" // not an approved member yet: not recorded
	RowFailed     Outcome = "error"      // a bad row: the batch posts nothing
	RowNotPosted  Outcome = "not_posted" // a good row of a batch that failed
)

// BatchLine is the report of one row.
type BatchLine struct {
	Line     int           `json:"line"`
	MemberID int64         `json:"member_id,omitempty"`
	MemberNo string        `json:"member_no,omitempty"`
	Ref      string        `json:"ref,omitempty"`
	Outcome  Outcome       `json:"outcome"`
	EventID  int64         `json:"event_id,omitempty"`
	Points   Amounts       `json:"points"`
	Capped   bool          `json:"capped,omitempty"`
	Err      *apperr.Error `json:"-"` // the row's error, when Outcome is RowFailed
}

// BatchReport is what a batch award did, row by row (发放报告).
type BatchReport struct {
	BatchID    int64       `json:"batch_id,omitempty"` // 0 unless posted
	Type       EventType   `json:"event_type"`
	Ref        string      `json:"ref,omitempty"`
	Rows       int         `json:"rows"`
	Events     int         `json:"events"` // recorded by this batch
	Replayed   int         `json:"replayed"`
	Duplicates int         `json:"duplicates"`
	Ineligible int         `json:"ineligible"`
	Failed     int         `json:"failed"`
	Awards     int         `json:"awards"` // ledger transactions
	Points     Amounts     `json:"points"`
	DryRun     bool        `json:"dry_run,omitempty"`
	Posted     bool        `json:"posted"`
	Lines      []BatchLine `json:"lines"`
}

// errDryRun rolls back a dry run once its report is made.
var errDryRun = errors.New("points: dry run")

// AwardBatch records one event per row and posts what the rules give, all
// in one transaction through the bulk posting path: either every row is
// done or nothing is. A bad row (no such member, a closed member, a bad
// ref) or an award past a plan's budget fails the batch; the report then
// says which rows. Rows recorded before (a batch sent again) post nothing
// more, and members not yet approved are reported and left out.
func (s *Service) AwardBatch(ctx context.Context, in BatchInput) (*BatchReport, error) {
	if _, err := ParseEventType(string(in.Type)); err != nil {
		return nil, err
	}
	if len(in.Rows) == 0 || len(in.Rows) > MaxBatchRows {
		return nil, apperr.Field("rows", fmt.Sprintf("每批 1–%d 行", MaxBatchRows), fmt.Sprintf("a batch has 1–%d rows", MaxBatchRows))
	}
	if in.Source == "" {
		in.Source = "list"
	}
	if in.Source != "list" && in.Source != "xlsx" || utf8.RuneCountInString(in.File) > 200 {
		return nil, apperr.Field("source", "来源须为 list 或 xlsx", "source must be list or xlsx")
	}
	months, err := s.months(ctx, true)
	if err != nil {
		return nil, err
	}
	if err := s.openAhead(ctx, in.Rows, []EventType{in.Type}); err != nil {
		return nil, err
	}
	r := &BatchReport{Type: in.Type, Ref: strings.TrimSpace(in.Ref), Rows: len(in.Rows), DryRun: in.DryRun, Lines: make([]BatchLine, len(in.Rows))}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		batchID, err := tx.InsertID(ctx, `INSERT INTO point_award_batches (event_type, ref, source, file_name, row_count, actor_kind, actor_login, request_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Type, r.Ref, in.Source, in.File, len(in.Rows), tx.Actor.Kind, tx.Actor.Login, tx.Actor.RequestID, tx.Now)
		if err != nil {
			return err
		}
		claims, dups, err := batchClaims(ctx, tx, in, r)
		if err != nil {
			return err
		}
		if r.Failed > 0 {
			return apperr.Field("rows", fmt.Sprintf("%d 行有误，整批未发放；请改正后重新提交", r.Failed),
				fmt.Sprintf("%d rows have errors: nothing was posted; correct them and submit again", r.Failed))
		}
		if err := lockMembers(ctx, tx, claims); err != nil {
			return err
		}
		for _, c := range claims {
			if err := c.member.eligible(); err != nil {
				return err // changed since it was read, a moment ago
			}
		}
		if err := claimEvents(ctx, tx, claims, &batchID); err != nil {
			return err
		}
		grants, err := s.match(ctx, tx, claims)
		if err != nil {
			return err
		}
		if err := s.postBulk(ctx, tx, grants, months); err != nil {
			return err
		}
		r.fill(claims, dups, len(grants)) // what the batch would do, should a plan refuse it
		if err := finishAwards(ctx, tx, grants); err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		r.BatchID, r.Posted = batchID, true
		return saveBatch(ctx, tx, r, claims)
	})
	if errors.Is(err, errDryRun) {
		return r, nil
	}
	if err != nil {
		for i := range r.Lines {
			if l := &r.Lines[i]; l.Outcome == RowAwarded || l.Outcome == RowNoPoints {
				l.Outcome = RowNotPosted // Points: what it would have had
			}
		}
		return r, fmt.Errorf("award batch: %w", err)
	}
	return r, nil
}

// batchClaims resolves the rows' members and makes a claim per row to
// record; the rest get their outcome in the report.
func batchClaims(ctx context.Context, tx *db.Tx, in BatchInput, r *BatchReport) ([]*eventClaim, map[int]int, error) {
	members, err := resolveMembers(ctx, tx, in.Rows)
	if err != nil {
		return nil, nil, err
	}
	dups := map[int]int{}
	var claims []*eventClaim
	first := map[string]int{} // event key → the row recording it
	for i, row := range in.Rows {
		l := &r.Lines[i]
		l.Line, l.MemberID, l.MemberNo = row.Line, row.MemberID, strings.TrimSpace(row.MemberNo)
		if l.Line == 0 {
			l.Line = i + 1
		}
		fail := func(err error) { l.Outcome, l.Err = RowFailed, apperr.As(err); r.Failed++ }
		m, err := members.of(row)
		if err == nil && !within(m.path, in.Within) {
			err = members.hidden(row)
		}
		if err != nil {
			fail(err)
			continue
		}
		l.MemberID, l.MemberNo = m.id, m.no
		if m.status != member.Active {
			if err := m.eligible(); m.status == member.Closed {
				fail(err)
			} else {
				l.Outcome, l.Err = RowIneligible, apperr.As(err)
				r.Ineligible++
			}
			continue
		}
		ev := EventInput{MemberID: m.id, Type: in.Type, Ref: cmp.Or(strings.TrimSpace(row.Ref), r.Ref), OccurredAt: in.OccurredAt, Note: in.Note}
		if !row.OccurredAt.IsZero() {
			ev.OccurredAt = row.OccurredAt
		}
		c, err := newClaim(ev, tx.Now)
		if err != nil {
			fail(err)
			continue
		}
		l.Ref, c.member = c.in.Ref, m
		if j, ok := first[c.key]; ok {
			l.Outcome, dups[i] = RowDuplicate, j
			r.Duplicates++
			continue
		}
		first[c.key], c.row = i, i
		l.Outcome = RowNotPosted // until posted
		claims = append(claims, c)
	}
	return claims, dups, nil
}

// fill completes the report from the claims once posted.
func (r *BatchReport) fill(claims []*eventClaim, dups map[int]int, awards int) {
	r.Awards = awards
	for _, c := range claims {
		l := &r.Lines[c.row]
		l.EventID = c.eventID
		switch {
		case !c.fresh:
			l.Outcome = RowReplayed
			r.Replayed++
			continue
		case len(c.grants) == 0:
			l.Outcome = RowNoPoints
		default:
			l.Outcome = RowAwarded
		}
		r.Events++
		for _, g := range c.grants {
			l.Points.add(g.rule.Kind, g.amount)
			l.Capped = l.Capped || g.capped
		}
		r.Points.add(Upgrade, l.Points.Upgrade)
		r.Points.add(Reward, l.Points.Reward)
	}
	for i, j := range dups {
		r.Lines[i].EventID = r.Lines[j].EventID
	}
}

// saveBatch writes the batch's counts and its audit entry.
func saveBatch(ctx context.Context, tx *db.Tx, r *BatchReport, claims []*eventClaim) error {
	_, err := tx.Exec(ctx, `UPDATE point_award_batches SET events = ?, replayed = ?, awards = ?, points_upgrade = ?, points_reward = ? WHERE id = ?`,
		r.Events, r.Replayed, r.Awards, r.Points.Upgrade, r.Points.Reward, r.BatchID)
	if err != nil {
		return err
	}
	var scope string
	for i, c := range claims {
		if i == 0 {
			scope = c.member.path
		}
		scope = commonPath(scope, c.member.path)
	}
	return audit.Record(ctx, tx, audit.Change{Action: "points.award.batch", ObjectType: "point_award_batch", ObjectID: r.BatchID, NodePath: scope,
		Summary: fmt.Sprintf("批量发放 %s %s：%d 行，新事件 %d，记账 %d 笔，升级积分 %d，奖励积分 %d",
			r.Type.Label("zh-CN"), r.Ref, r.Rows, r.Events, r.Awards, r.Points.Upgrade, r.Points.Reward)})
}

// commonPath is the deepest org path both paths lie in.
func commonPath(a, b string) string {
	for !strings.HasPrefix(b, a) {
		a = a[:strings.LastIndex(strings.TrimSuffix(a, "/"), "/")+1]
	}
	return a
}
