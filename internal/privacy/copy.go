package privacy

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/member"
)

// CopyRole is the file-store role of a member's copy; part of each chunk's
// sealing, so it never changes.
const CopyRole = "privacy.copy"

// Sheet is one sheet of a copy: a title row, then the rows.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]string
}

// Copy builds the member's data as an .xlsx in Chinese (see CopyIn).
func (s *Service) Copy(ctx context.Context, memberID int64) (fileID int64, err error) {
	return s.CopyIn(ctx, memberID, "zh-CN")
}

// CopyIn builds the member's data as an .xlsx in lang — one sheet per area:
// the profile with personal data in clear, family, consent, properties,
// cards, tier changes, the points ledger per kind, redemption orders, leads
// and their follow-ups, the profile's change history, requests, then each
// plugged-in Area — and keeps it sealed in the file store. It returns the
// file's id; the copy is audited (privacy.copy) and deleted with the
// member's personal data.
func (s *Service) CopyIn(ctx context.Context, memberID int64, lang string) (fileID int64, err error) {
	var sheets []Sheet
	var nodePath string
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		sheets, nodePath, err = s.sheets(ctx, tx, memberID, lang)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("copy member %d: %w", memberID, err)
	}
	data, err := Workbook(sheets)
	if err != nil {
		return 0, fmt.Errorf("copy member %d: %w", memberID, err)
	}
	if fileID, err = s.Files.PutBytes(ctx, CopyRole, data); err != nil {
		return 0, fmt.Errorf("copy member %d: %w", memberID, err)
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := filestore.Attach(ctx, tx, fileID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO privacy_copies (file_id, member_id, created_by, created_at) VALUES (?, ?, ?, ?)",
			fileID, memberID, tx.Actor.Login, tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "privacy.copy", ObjectType: "member", ObjectID: memberID, NodePath: nodePath,
			Summary: fmt.Sprintf("生成会员 #%d 的个人信息副本（文件 #%d，%d 个工作表）", memberID, fileID, len(sheets))})
	})
	if err != nil {
		dctx := context.WithoutCancel(ctx)
		_ = s.DB.Update(dctx, func(tx *db.Tx) error { return filestore.Delete(dctx, tx, fileID) })
		return 0, fmt.Errorf("copy member %d: %w", memberID, err)
	}
	return fileID, nil
}

// sheets reads the member's data inside tx.
func (s *Service) sheets(ctx context.Context, tx *db.Tx, memberID int64, lang string) ([]Sheet, string, error) {
	ms := &member.Service{DB: s.DB, Keys: s.Keys}
	m, p, err := ms.Unsealed(ctx, tx, memberID)
	if err != nil {
		return nil, "", err
	}
	var zh, en string
	if err := tx.QueryRow(ctx, "SELECT name_zh, name_en FROM tiers WHERE code = ?", m.Tier).Scan(&zh, &en); err != nil {
		return nil, "", err
	}
	m.Tier = tr(lang, zh, en)
	c := copier{keys: s.Keys, ctx: ctx, tx: tx, id: memberID, lang: lang}
	out := []Sheet{profileSheet(m, p, lang), familySheet(m, lang), consentSheet(m, lang), propertySheet(m, lang)}
	for _, read := range []func() (Sheet, error){c.cards, c.tierChanges, c.ledger("upgrade"), c.ledger("reward"),
		c.orders, c.leads, c.followUps, c.changes, c.requests} {
		sh, err := read()
		if err != nil {
			return nil, "", err
		}
		out = append(out, sh)
	}
	for _, a := range s.Areas {
		header, rows, err := a.Copy(ctx, tx, memberID)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", a.Name("en"), err)
		}
		out = append(out, Sheet{Name: a.Name(lang), Header: header, Rows: rows})
	}
	return out, m.NodePath, nil
}

// Workbook writes sheets as an .xlsx, each title row bold and frozen.
func Workbook(sheets []Sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	for i, sh := range sheets {
		name := sheetName(sh.Name, i)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return nil, err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
		for col, h := range sh.Header {
			if err := sw.SetColWidth(col+1, col+1, float64(min(max(textWidth(h), widest(sh.Rows, col))+2, 60))); err != nil {
				return nil, err
			}
		}
		if err := sw.SetRow("A1", cells(sh.Header), excelize.RowOpts{StyleID: bold}); err != nil {
			return nil, err
		}
		for r, row := range sh.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells(row)); err != nil {
				return nil, err
			}
		}
		if err := sw.Flush(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cells writes every value as text: a mobile or ID number stays as typed.
func cells(row []string) []any {
	out := make([]any, len(row))
	for i, v := range row {
		out[i] = excelize.Cell{Value: v}
	}
	return out
}

// sheetName makes a name Excel accepts: no []:*?/\, at most 31 characters,
// never empty.
func sheetName(name string, i int) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if name == "" {
		name = "Sheet" + strconv.Itoa(i+1)
	}
	return name
}

func widest(rows [][]string, col int) int {
	w := 0
	for _, r := range rows {
		if col < len(r) {
			w = max(w, textWidth(r[col]))
		}
	}
	return w
}

// textWidth counts a wide (CJK) character as two columns.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		if r > 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// china is the club's time zone for the dates a member reads.
var china = time.FixedZone("CST", 8*3600)

func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(china).Format("2006-01-02 15:04")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// tr picks the Chinese or the English of a pair.
func tr(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

func yesNo(lang string, b bool) string {
	if b {
		return tr(lang, "是", "yes")
	}
	return tr(lang, "否", "no")
}
