package event

import (
	"bytes"
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Export writes an event's registrations and attendance as an .xlsx in
// lang, members limited to memberWithin; the export is audited.
func (s *Service) Export(ctx context.Context, eventID int64, lang string, within, memberWithin *Scope) ([]byte, string, error) {
	e, err := s.Get(ctx, eventID, within)
	if err != nil {
		return nil, "", err
	}
	regs, _, err := s.Registrations(ctx, eventID, RegFilter{Within: memberWithin, Limit: 20000}, within)
	if err != nil {
		return nil, "", err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := pick([2]string{"报名与签到", "Registrations"}, lang)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, "", err
	}
	head := [][2]string{{"序号", "No."}, {"会员号", "Member no."}, {"姓名", "Name"}, {"状态", "Status"}, {"同行人数", "Companions"},
		{"报名方式", "Channel"}, {"报名时间", "Registered at"}, {"签到时间", "Checked in at"}, {"现场签到", "Walk-in"}, {"积分", "Points"}}
	for i, h := range head {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellValue(sheet, cell, pick(h, lang)); err != nil {
			return nil, "", err
		}
	}
	yes, no := pick([2]string{"是", "yes"}, lang), ""
	for r, g := range regs {
		checked := ""
		if g.CheckedInAt != nil {
			checked = g.CheckedInAt.In(china).Format("2006-01-02 15:04")
		}
		walk := no
		if g.WalkIn {
			walk = yes
		}
		row := []any{g.Seq, g.MemberNo, g.MemberName, g.Status.Label(lang), g.Companions, g.Channel.Label(lang),
			g.CreatedAt.In(china).Format("2006-01-02 15:04"), checked, walk, PointsLabel(g.PointsStatus, lang)}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, "", err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, "", err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "event.export", ObjectType: "event", ObjectID: e.ID, NodePath: e.NodePath,
			Summary: e.No + " 导出报名与签到", After: map[string]any{"rows": len(regs)}})
	})
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), fmt.Sprintf("%s.xlsx", e.No), nil
}
