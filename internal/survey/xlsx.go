package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// china is the club's time zone, for the times in the .xlsx.
var china = time.FixedZone("CST", 8*3600)

// sheetRow is one answered invite as exported.
type sheetRow struct {
	inviteID  int64
	memberNo  string
	subject   string
	subjectID int64
	at        time.Time
	cells     map[int64]any // by question id
}

// WriteXLSX writes the answers to a survey as an .xlsx: one row per
// answered invite (its number, the member's number, the subject, when),
// one column per question (the value, the options chosen, the text).
// The export is audited.
func (s *Service) WriteXLSX(ctx context.Context, surveyID int64, f SummaryFilter, w io.Writer) error {
	var v *Survey
	var rows []*sheetRow
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if v, err = get(ctx, tx, surveyID, false); err != nil {
			return err
		}
		rows, err = s.sheetRows(ctx, tx, v, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("export survey: %w", err)
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "survey.export", ObjectType: "survey", ObjectID: v.ID, NodePath: v.NodePath,
			Summary: fmt.Sprintf("导出问卷 %s 的答卷 %d 份", v.Title, len(rows)),
			After:   map[string]any{"rows": len(rows), "subject": f.Subject, "subject_id": f.SubjectID}})
	})
	if err != nil {
		return fmt.Errorf("export survey: %w", err)
	}
	return writeSheet(v, rows, w)
}

func (s *Service) sheetRows(ctx context.Context, tx *db.Tx, v *Survey, f SummaryFilter) ([]*sheetRow, error) {
	where, args := inviteWhere(v.ID, f)
	q, err := tx.Query(ctx, `SELECT i.id, COALESCE(m.member_no, ''), i.subject, i.subject_id, i.answered_at
		FROM survey_invites i LEFT JOIN members m ON m.id = i.member_id`+where+` AND i.answered_at IS NOT NULL ORDER BY i.answered_at, i.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*sheetRow
	byID := map[int64]*sheetRow{}
	for q.Next() {
		r := &sheetRow{cells: map[int64]any{}}
		if err := q.Scan(&r.inviteID, &r.memberNo, &r.subject, &r.subjectID, &r.at); err != nil {
			q.Close()
			return nil, err
		}
		out = append(out, r)
		byID[r.inviteID] = r
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, err
	}
	qs := map[int64]Question{}
	for _, x := range v.Questions {
		qs[x.ID] = x
	}
	a, err := tx.Query(ctx, `SELECT a.id, a.invite_id, a.question_id, a.value, a.choices, a.text_enc
		FROM survey_answers a JOIN survey_invites i ON i.id = a.invite_id`+where, args...)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	for a.Next() {
		var id, inviteID, qid int64
		var value *int
		var choices string
		var enc []byte
		if err := a.Scan(&id, &inviteID, &qid, &value, &choices, &enc); err != nil {
			return nil, err
		}
		r, qu := byID[inviteID], qs[qid]
		if r == nil {
			continue
		}
		switch {
		case value != nil:
			r.cells[qid] = *value
		case enc != nil:
			t, err := s.Keys.Open(enc, textAAD(id))
			if err != nil {
				return nil, fmt.Errorf("answer %d: %w", id, err)
			}
			r.cells[qid] = t
		default:
			var cs []int
			if err := json.Unmarshal([]byte(choices), &cs); err != nil {
				return nil, err
			}
			var names []string
			for _, c := range cs {
				if c >= 0 && c < len(qu.Options) {
					names = append(names, qu.Options[c])
				}
			}
			r.cells[qid] = strings.Join(names, "；")
		}
	}
	return out, a.Err()
}

func writeSheet(v *Survey, rows []*sheetRow, w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	const name = "答卷"
	if err := x.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head := []any{}
	for _, h := range []string{"答卷编号", "会员编号", "对象", "对象编号", "提交时间"} {
		head = append(head, excelize.Cell{StyleID: bold, Value: h})
	}
	for i, q := range v.Questions {
		head = append(head, excelize.Cell{StyleID: bold, Value: fmt.Sprintf("%d. %s", i+1, q.Text)})
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for n, r := range rows {
		subjectID := any("")
		if r.subjectID != 0 {
			subjectID = r.subjectID
		}
		vals := []any{r.inviteID, r.memberNo, r.subject, subjectID, r.at.In(china).Format("2006-01-02 15:04")}
		for _, q := range v.Questions {
			c, ok := r.cells[q.ID]
			if !ok {
				c = ""
			}
			vals = append(vals, c)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}
