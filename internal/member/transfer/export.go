package transfer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// ExportOptions tunes an export.
type ExportOptions struct {
	// Reveal writes mobile, ID number and address in clear; only for roles
	// that may reveal personal data. Each page of revealed members gets one
	// audit entry (member.Service.RevealPage).
	Reveal bool
	// Why is the reason for revealing, kept in the audit log.
	Why string
	// Lang "en" writes English headers and labels; anything else Chinese.
	Lang string
}

// exportPage is the page size of the member list walked by Export.
const exportPage = 1000

// chinaTime is the club's calendar for the dates in an export.
var chinaTime = time.FixedZone("CST", 8*3600)

// exportColumns are the export's columns after the member number. Fields
// shared with the import use the import's headers, so an export with
// personal data revealed imports again as it is.
var exportColumns = []struct {
	zh, en string
	value  func(m *member.Member, lang string) string
}{
	{"会员编号", "Member no.", func(m *member.Member, _ string) string { return m.MemberNo }},
	{Name.Header("zh"), Name.Header("en"), func(m *member.Member, _ string) string { return m.Name }},
	{Gender.Header("zh"), Gender.Header("en"), func(m *member.Member, l string) string { return genderLabel(m.Gender, l) }},
	{Mobile.Header("zh"), Mobile.Header("en"), func(m *member.Member, _ string) string { return m.Mobile }},
	{IDNumber.Header("zh"), IDNumber.Header("en"), func(m *member.Member, _ string) string { return m.IDNumber }},
	{Birthday.Header("zh"), Birthday.Header("en"), func(m *member.Member, _ string) string { return m.Birthday.String() }},
	{Address.Header("zh"), Address.Header("en"), func(m *member.Member, _ string) string { return m.Address }},
	{Email.Header("zh"), Email.Header("en"), func(m *member.Member, _ string) string { return m.Email }},
	{WeChat.Header("zh"), WeChat.Header("en"), func(m *member.Member, _ string) string { return m.WeChat }},
	{Occupation.Header("zh"), Occupation.Header("en"), func(m *member.Member, _ string) string { return m.Occupation }},
	{Channel.Header("zh"), Channel.Header("en"), func(m *member.Member, l string) string { return m.Channel.Label(l) }},
	{Project.Header("zh"), Project.Header("en"), func(m *member.Member, _ string) string { return m.NodeName }},
	{"组织代码", "Org code", func(m *member.Member, _ string) string { return m.NodeCode }},
	{"状态", "Status", func(m *member.Member, l string) string { return m.Status.Label(l) }},
	{"会员等级", "Tier", nil}, // filled from the tier names
	{"入会日期", "Joined", func(m *member.Member, _ string) string { return day(m.JoinedAt) }},
	{"登记日期", "Registered", func(m *member.Member, _ string) string { return day(&m.CreatedAt) }},
}

func genderLabel(g, lang string) string {
	switch {
	case g == "male" && lang == "en":
		return "Male"
	case g == "female" && lang == "en":
		return "Female"
	case g == "male":
		return "男"
	case g == "female":
		return "女"
	}
	return ""
}

func day(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format("2006-01-02")
}

// Export writes the members f selects (all of them: f's Offset and Limit
// are ignored) to an .xlsx, streamed row by row, and returns how many it
// wrote. Personal data is masked unless o.Reveal. The caller checks the
// permissions and records the export with RecordExport.
func Export(ctx context.Context, w io.Writer, svc *member.Service, f member.Filter, o ExportOptions) (int, error) {
	tiers, err := svc.Tiers(ctx)
	if err != nil {
		return 0, err
	}
	tierName := map[string]string{}
	for _, t := range tiers {
		tierName[t.Code] = t.Name(o.Lang)
	}
	x := excelize.NewFile()
	defer x.Close()
	name := "会员"
	if o.Lang == "en" {
		name = "Members"
	}
	if err := x.SetSheetName("Sheet1", name); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return 0, err
	}
	if err := writeExportHeader(x, sw, o.Lang); err != nil {
		return 0, err
	}
	n := 0
	var reveal func([]member.Member) error
	if o.Reveal {
		// One audit entry per page of revealed members, beside the export's own.
		reveal = func(page []member.Member) error { return svc.RevealPage(ctx, page, strings.TrimSpace("导出 "+o.Why)) }
	}
	err = eachMember(ctx, svc, f, reveal, func(m *member.Member) error {
		vals := make([]any, len(exportColumns))
		for i, c := range exportColumns {
			if c.value == nil {
				vals[i] = tierName[m.Tier]
				continue
			}
			vals[i] = c.value(m, o.Lang)
		}
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return 0, fmt.Errorf("export members: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if _, err := x.WriteTo(w); err != nil {
		return 0, fmt.Errorf("export members: %w", err)
	}
	return n, nil
}

func writeExportHeader(x *excelize.File, sw *excelize.StreamWriter, lang string) error {
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(exportColumns), 14); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		h := c.zh
		if lang == "en" {
			h = c.en
		}
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	return sw.SetRow("A1", head)
}

// eachMember walks the members f selects, newest first, a page at a time.
// Members added while it runs shift later pages down; ids already passed
// are skipped, so nobody is written twice. (Members are never deleted.)
func eachMember(ctx context.Context, svc *member.Service, f member.Filter, reveal func([]member.Member) error, fn func(*member.Member) error) error {
	f.Sort, f.Limit = "recent", exportPage
	var last int64
	for f.Offset = 0; ; f.Offset += exportPage {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, _, err := svc.List(ctx, f)
		if err != nil {
			return err
		}
		if reveal != nil {
			if err := reveal(page); err != nil {
				return err
			}
		}
		for i := range page {
			m := &page[i]
			if last != 0 && m.ID >= last {
				continue
			}
			last = m.ID
			if err := fn(m); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
	}
}

// ExportRecord describes an export for the audit log.
type ExportRecord struct {
	File     string // the file name given to the user
	Count    int
	Reveal   bool
	NodePath string // the org scope exported
	Filter   member.Filter
}

// RecordExport writes one audit entry for an export (导出记录).
func RecordExport(ctx context.Context, d *db.DB, r ExportRecord) error {
	what := "脱敏"
	if r.Reveal {
		what = "含完整个人信息"
	}
	f := r.Filter
	conds := map[string]any{"q": f.Q, "status": f.Status, "tier": f.Tier, "channel": f.Channel, "tag": f.Tag, "within": f.Within}
	if !f.JoinedFrom.IsZero() {
		conds["joined_from"] = f.JoinedFrom
	}
	if !f.JoinedTo.IsZero() {
		conds["joined_to"] = f.JoinedTo
	}
	return d.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "member.export", ObjectType: "member", NodePath: r.NodePath,
			Summary: fmt.Sprintf("导出会员 %d 人（%s）到 %s", r.Count, what, r.File), After: conds})
	})
}
