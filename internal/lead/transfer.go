package lead

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/validate"
)

// column is a column of the lead spreadsheet: the field it holds (the name
// the errors use), its headers and the aliases an older sheet may use.
type column struct {
	field   string
	zh, en  string
	aliases []string
}

// columns are the import's columns, in the order the export writes them.
var columns = []column{
	{"project", "项目", "Project", []string{"项目", "项目代码", "所属项目", "楼盘", "project"}},
	{"source", "来源", "Source", []string{"来源", "来访方式", "来人来电", "source"}},
	{"day", "登记日期", "Date", []string{"登记日期", "日期", "来访日期", "date", "day"}},
	{FieldSurname, "姓氏", "Surname", []string{"姓氏", "姓", "surname"}},
	{FieldName, "姓名", "Name", []string{"姓名", "客户姓名", "name"}},
	{FieldGender, "性别", "Gender", []string{"性别", "gender", "sex"}},
	{FieldMobile, "手机号码", "Mobile", []string{"手机号码", "手机号", "手机", "联系电话", "电话", "mobile", "phone"}},
	{FieldMedia, "认知媒体", "Media", []string{"认知媒体", "媒体", "认知途径", "media"}},
	{"status", "意向级别", "Status", []string{"意向级别", "意向", "状态", "客户级别", "status"}},
	{FieldLostReason, "丢失原因", "Why lost", []string{"丢失原因", "流失原因", "lost_reason", "why lost"}},
	{"owner_id", "置业顾问", "Consultant", []string{"置业顾问", "顾问", "销售顾问", "consultant"}},
}

// ImportOptions tunes an import.
type ImportOptions struct {
	// ProjectCode is the project of rows that name none.
	ProjectCode string
	// AllOrNothing imports every row or, if any row is wrong, none (the
	// report lists every wrong row); otherwise each good row goes in and
	// the report lists the others.
	AllOrNothing bool
	// Within limits the projects rows may name to these org subtrees (the
	// importer's reach); nil means no limit.
	Within []string
}

// RowError is why one row was not imported.
type RowError struct {
	Row    int    `json:"row"`    // the row number in the sheet, header = 1
	Column string `json:"column"` // the column's header as written; "" for the row
	Field  string `json:"field"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
}

// ImportReport is what an import did.
type ImportReport struct {
	Rows       int        `json:"rows"`
	Created    int        `json:"created"`
	Duplicates []int      `json:"duplicates"` // rows whose mobile the group already had: nothing created
	Errors     []RowError `json:"errors"`
	Imported   bool       `json:"imported"` // false: all or nothing, and something was wrong
}

// errRollback undoes an all-or-nothing import that found wrong rows.
var errRollback = errors.New("lead import: wrong rows")

// Import reads leads from an .xlsx (the first worksheet, header in the first
// row, columns found by their headers). Rows whose mobile is known create
// nothing and are listed as duplicates; new leads become default members.
func (s *Service) Import(ctx context.Context, r io.Reader, o ImportOptions) (*ImportReport, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, apperr.Field("file", "无法读取该 .xlsx 工作簿", "cannot read the .xlsx workbook")
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("read sheet: %w", err)
	}
	if len(rows) == 0 {
		return nil, apperr.Field("file", "工作表是空的", "the worksheet is empty")
	}
	cols, headers := mapHeader(rows[0])
	if _, ok := cols[FieldMobile]; !ok {
		return nil, apperr.Field("file", "第 1 行没有「手机号码」列", "row 1 has no mobile column")
	}
	rep := &ImportReport{Duplicates: []int{}, Errors: []RowError{}}
	fail := func(row int, err error) error {
		e := apperr.As(err)
		if e.Code == apperr.Internal {
			return err
		}
		field := strings.TrimPrefix(e.Field, "answers.")
		re := RowError{Row: row, Field: field, ZH: e.ZH, EN: e.EN}
		if i, ok := cols[field]; ok {
			re.Column = headers[i]
		}
		rep.Errors = append(rep.Errors, re)
		return nil
	}
	var created []int64
	one := func(tx *db.Tx, num int, cells []string) error {
		id, isNew, err := s.importRow(ctx, tx, cols, cells, o)
		if err != nil {
			return err
		}
		if isNew {
			created = append(created, id)
		} else {
			rep.Duplicates = append(rep.Duplicates, num)
		}
		return nil
	}
	for i, cells := range rows[1:] {
		if blank(cells) {
			continue
		}
		rep.Rows++
		num := i + 2
		if o.AllOrNothing {
			continue
		}
		err := s.DB.Update(ctx, func(tx *db.Tx) error { return one(tx, num, cells) })
		if err != nil {
			if err := fail(num, err); err != nil {
				return rep, err
			}
		}
	}
	if o.AllOrNothing {
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			for i, cells := range rows[1:] {
				if blank(cells) {
					continue
				}
				if err := one(tx, i+2, cells); err != nil {
					if err := fail(i+2, err); err != nil {
						return err
					}
				}
			}
			if len(rep.Errors) > 0 {
				return errRollback
			}
			return audit.Record(ctx, tx, audit.Change{Action: "lead.import", ObjectType: "lead", NodePath: "/1/",
				Summary: fmt.Sprintf("导入线索：%d 行，新建 %d", rep.Rows, len(created))})
		})
		if errors.Is(err, errRollback) {
			rep.Duplicates, created = []int{}, nil
			return rep, nil
		}
		if err != nil {
			return rep, err
		}
	}
	rep.Imported = true
	rep.Created = len(created)
	for _, id := range created {
		// A failed enrolment leaves the lead as it is; EnsureMember retries.
		_ = s.ensureMember(ctx, id)
	}
	return rep, nil
}

// mapHeader finds each known column's index, and the headers as written.
func mapHeader(head []string) (map[string]int, []string) {
	cols := map[string]int{}
	for i, h := range head {
		k := strings.ToLower(strings.TrimSpace(validate.Halfwidth(h)))
		k = strings.TrimSpace(strings.SplitN(k, "(", 2)[0])
		for _, c := range columns {
			if _, taken := cols[c.field]; taken {
				continue
			}
			for _, a := range c.aliases {
				if k == a || k == strings.ToLower(c.en) {
					cols[c.field] = i
				}
			}
		}
	}
	return cols, head
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// importRow registers one row; it reports whether it made a new lead.
func (s *Service) importRow(ctx context.Context, tx *db.Tx, cols map[string]int, cells []string, o ImportOptions) (int64, bool, error) {
	cell := func(field string) string {
		if i, ok := cols[field]; ok && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	reg := Registration{ProjectCode: o.ProjectCode, Source: Imported, Mobile: cell(FieldMobile), Surname: cell(FieldSurname), Name: cell(FieldName),
		Gender: cell(FieldGender), Media: cell(FieldMedia), LostReason: cell(FieldLostReason)}
	var err error
	if v := cell("project"); v != "" {
		if reg.ProjectCode, err = projectCode(ctx, tx, v); err != nil {
			return 0, false, err
		}
	}
	if reg.ProjectCode == "" {
		return 0, false, apperr.Field("project", "请填写项目", "the project is required")
	}
	if o.Within != nil {
		var path string
		if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE code = ?", reg.ProjectCode).Scan(&path); err != nil && !isNoRows(err) {
			return 0, false, err
		}
		if !slices.ContainsFunc(o.Within, func(w string) bool { return strings.HasPrefix(path, w) }) || path == "" {
			return 0, false, apperr.Field("project", "项目 "+reg.ProjectCode+" 不在你的管理范围内", "project "+reg.ProjectCode+" is beyond your reach")
		}
	}
	if v := cell("source"); v != "" && v != Imported.Label("zh-CN") && v != Imported.Label("en") {
		if reg.Source, err = ParseSource("source", v); err != nil {
			return 0, false, err
		}
	}
	if v := cell("status"); v != "" {
		if reg.Status, err = ParseStatus("status", v); err != nil {
			return 0, false, err
		}
	}
	if v := cell("day"); v != "" {
		d, err := validate.Date("day", v)
		if err != nil {
			return 0, false, err
		}
		if d.After(dayOf(tx.Now).Time) {
			return 0, false, apperr.Field("day", "登记日期不能晚于今天", "the date cannot be in the future")
		}
		// Noon of the day, or now for today's sheet before noon.
		reg.At = time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, chinaTime)
		if reg.At.After(tx.Now) {
			reg.At = tx.Now
		}
	}
	if v := cell("owner_id"); v != "" {
		var id int64
		err := tx.QueryRow(ctx, "SELECT id FROM staff WHERE login = ? OR name = ? ORDER BY id LIMIT 1", strings.ToLower(v), v).Scan(&id)
		if isNoRows(err) {
			return 0, false, apperr.Field("owner_id", "找不到置业顾问 "+v, "no consultant "+v)
		}
		if err != nil {
			return 0, false, err
		}
		reg.OwnerID = &id
	}
	p, err := s.prepare(reg)
	if err != nil {
		return 0, false, err
	}
	l, isNew, err := s.registerTx(ctx, tx, p)
	if err != nil {
		return 0, false, err
	}
	return l.ID, isNew, nil
}

// projectCode reads a project given by code or by name.
func projectCode(ctx context.Context, tx *db.Tx, v string) (string, error) {
	var code string
	err := tx.QueryRow(ctx, "SELECT code FROM org_nodes WHERE kind = 'project' AND (code = ? OR name = ?)", org.NormalizeCode(v), v).Scan(&code)
	if isNoRows(err) {
		return "", apperr.Field("project", "项目 "+v+" 不存在", "no project "+v)
	}
	return code, err
}

// ExportOptions tunes an export.
type ExportOptions struct {
	// Reveal writes mobiles in clear (for roles that may reveal personal
	// data; the export is audited either way). An export with mobiles
	// revealed imports again as it is.
	Reveal bool
	Lang   string // "en": English headers and labels
}

// Export writes the leads of the filter (all pages) to w as an .xlsx. It
// returns how many leads it wrote.
func (s *Service) Export(ctx context.Context, w io.Writer, flt Filter, o ExportOptions) (int, error) {
	en := o.Lang == "en"
	head := []any{}
	for _, c := range columns {
		head = append(head, pick2(en, c.zh, c.en))
	}
	head = append(head, pick2(en, "线索编号", "Lead no."), pick2(en, "下次跟进", "Next action"), pick2(en, "下次跟进日期", "Next due"), pick2(en, "公共池", "In pool"))
	f := excelize.NewFile()
	defer f.Close()
	sheet := pick2(en, "线索", "Leads")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	n := 0
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := flt.where(tx)
		rows, err := tx.Query(ctx, "SELECT "+leadColumns+leadFrom+" WHERE "+where+" ORDER BY l.id", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanLead(rows)
			if err != nil {
				return err
			}
			mobile, err := s.mobileOf(r)
			if err != nil {
				return err
			}
			if !o.Reveal {
				mobile = pii.MaskMobile(mobile)
			}
			lang := pick2(en, "zh-CN", "en")
			day := dayOf(r.CreatedAt).String()
			vals := []any{r.ProjectCode, r.Source.Label(lang), day, r.Surname, r.Name, genderLabel(r.Gender, en), mobile, r.Media,
				r.Status.Label(lang), r.LostReason, r.OwnerName, r.ID, r.NextAction, r.NextDue.String(), pick2(en, yes(r.InPool, "是"), yes(r.InPool, "yes"))}
			n++
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			if err := sw.SetRow(cell, vals); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("export leads: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return 0, err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "lead.export", ObjectType: "lead", NodePath: "/1/",
			Summary: fmt.Sprintf("导出线索 %d 条（%s）", n, pick2(o.Reveal, "手机号掩码", "手机号明文"))})
	})
	if err != nil {
		return 0, err
	}
	_, err = buf.WriteTo(w)
	return n, err
}

func pick2(en bool, zh, e string) string {
	if en {
		return e
	}
	return zh
}

func yes(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

func genderLabel(g string, en bool) string {
	switch g {
	case "male":
		return pick2(en, "男", "Male")
	case "female":
		return pick2(en, "女", "Female")
	}
	return ""
}
