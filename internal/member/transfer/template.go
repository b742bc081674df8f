package transfer

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// TemplateSheet is the name of the template's data sheet.
const TemplateSheet = "会员导入"

// example is the template's sample row, by field.
var example = map[Field]string{
	Name: "张三", Mobile: "13812345678", Gender: "男", Birthday: "1985-03-02", Address: "上海市浦东新区滨江大道 100 号",
	Email: "zhangsan@example.com", WeChat: "zhangsan_wx", Occupation: "教师", Channel: "销售现场",
	Tags: "高尔夫、亲子",
}

// Template writes the import template (导入模板): a sheet with the
// canonical headers and one example row, the mobile and ID number columns
// formatted as text so Excel keeps every digit, and a sheet 说明 saying
// what each column takes.
func Template(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", TemplateSheet); err != nil {
		return err
	}
	if err := templateData(f); err != nil {
		return err
	}
	if err := templateHelp(f); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	return nil
}

func templateData(f *excelize.File) error {
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	head, row := make([]string, len(Fields)), make([]string, len(Fields))
	for i, fl := range Fields {
		head[i], row[i] = fl.Header("zh"), example[fl]
		col, _ := excelize.ColumnNumberToName(i + 1)
		if fl == Mobile || fl == IDNumber || fl == Birthday {
			if err := f.SetColStyle(TemplateSheet, col, text); err != nil {
				return err
			}
		}
		if err := f.SetColWidth(TemplateSheet, col, col, 14); err != nil {
			return err
		}
	}
	if err := f.SetSheetRow(TemplateSheet, "A1", &head); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(Fields), 1)
	if err := f.SetCellStyle(TemplateSheet, "A1", last, bold); err != nil {
		return err
	}
	return f.SetSheetRow(TemplateSheet, "A2", &row)
}

func templateHelp(f *excelize.File) error {
	const help = "说明"
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	rows := [][]string{{"列名 Column", "必填 Required", "填写说明", "Notes", "也可写作 Also accepted"}}
	for _, fl := range Fields {
		c := columns[fl]
		req := ""
		if fl == Mobile {
			req = "必填 required"
		}
		var also []string
		for _, a := range c.aliases {
			if a != c.zh {
				also = append(also, a)
			}
		}
		rows = append(rows, []string{c.zh + " " + c.en, req, c.help[0], c.help[1], strings.Join(also, "、")})
	}
	rows = append(rows, nil,
		[]string{"通用说明", "", "表头可以在前 20 行中的任意一行，上面可以有标题行；列的顺序不限，不认识的列会被忽略。", "The header may be any of the first 20 rows, below title rows; columns may come in any order; unknown columns are ignored."},
		[]string{"", "", "支持 .xlsx 和 .csv（UTF-8 或 GBK/GB18030，逗号、分号或制表符分隔）。", "Accepts .xlsx and .csv (UTF-8 or GBK/GB18030; comma, semicolon or tab separated)."},
		[]string{"", "", "同一手机号视为同一人：重复的行和重复导入会合并到已有会员，不会重复创建。", "One mobile number is one person: repeated rows and repeated imports merge into the existing member."},
		[]string{"", "", "每一行单独导入，出错的行不影响其他行；出错的行会列在错误报告中，改正后可直接再次导入错误报告。", "Each row is imported on its own; failed rows are listed in an error report, which can be fixed and imported again."},
	)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(help, cell, &r); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(help, "A1", "E1", bold); err != nil {
		return err
	}
	if err := f.SetColWidth(help, "A", "B", 16); err != nil {
		return err
	}
	return f.SetColWidth(help, "C", "E", 48)
}
