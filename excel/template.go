// Package excel is the service's spreadsheets: the entry sheet a county clerk downloads, fills
// and uploads (Template, Import), and the city's dashboard matrix (Dashboard). It builds and
// reads .xlsx files with excelize and nothing else: every figure comes from, and every save goes
// through, the store, so the permission rules, the publication and small-cell rules and the
// validation of figures are the store's and auth's, applied exactly as for the GraphQL
// operations the endpoints mirror.
package excel

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"planapi/store"
)

// EntrySheet is the name of the entry sheet in a template, and the sheet Import reads.
const EntrySheet = "填报表"

// The cells that say what a sheet is for; Import refuses a sheet whose region, period or plan
// differ from the request's.
const (
	cellRegion  = "B2"
	cellPeriod  = "D2"
	cellPlan    = "F2"
	cellVersion = "H2"
	headerRow   = 4
)

// Columns of the entry sheet. Only value, missing reason and comment are unlocked.
const (
	colCode      = "A"
	colName      = "B"
	colValue     = "C"
	colMissing   = "D"
	colComment   = "E"
	colUnit      = "F"
	colPrevious  = "G"
	colPrevLabel = "H"
	colRequired  = "I"
	colType      = "J"
	colRules     = "K"
	colDesc      = "L"
)

var headers = []string{"代码 code", "名称 name", "本期数值 value", "缺失原因 missing reason", "备注 comment", "单位 unit",
	"上期数值 previous", "上期 period", "必填 required", "类型 type", "校验规则 rules", "说明 description"}

// ContentType is the media type of an .xlsx file.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func typeWord(t string) string {
	switch t {
	case "COUNT":
		return "计数(整数)"
	case "NUMBER":
		return "数量"
	case "PERCENT":
		return "百分比 %"
	case "SCORE":
		return "分值"
	}
	return t
}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Template writes the entry form as an .xlsx entry sheet: the form's fields grouped by
// indicator, the code, names and previous values locked (sheet protection, no password: it
// guards against slips, the import checks everything anyway), data validation on the value
// cells, the current figures filled in, and the region, period, plan and version in row 2.
func Template(form *store.EntryForm) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", EntrySheet); err != nil {
		return nil, err
	}
	sh := EntrySheet
	set := func(cell string, v any) {
		if err := f.SetCellValue(sh, cell, v); err != nil {
			panic(err) // only a malformed cell name, which is this code's bug
		}
	}
	set("A1", fmt.Sprintf("%s %s %s 填报表 (%s)", form.Plan.Name, form.Region.Name, form.Period, form.Plan.Code))
	set("A2", "地区代码")
	set(cellRegion, form.Region.Code)
	set("C2", "期间")
	set(cellPeriod, form.Period.String())
	set("E2", "规划")
	set(cellPlan, form.Plan.Code)
	set("G2", "版本")
	set(cellVersion, form.Version())
	set("I2", "状态")
	set("J2", form.Status())
	set("A3", "只填写本期数值、缺失原因、备注三列;空的数值单元格表示未填,不清除已保存的数据。导入时版本号须与系统一致。 Fill only value, missing reason and comment; an empty value cell is 'not entered' and clears nothing.")
	for i, h := range headers {
		cell, _ := excelize.CoordinatesToCellName(i+1, headerRow)
		set(cell, h)
	}

	unlocked, err := f.NewStyle(&excelize.Style{Protection: &excelize.Protection{Locked: false},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF9E5"}}})
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	groupStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7EEF7"}}})
	if err != nil {
		return nil, err
	}
	if err := f.SetRowStyle(sh, headerRow, headerRow, bold); err != nil {
		return nil, err
	}

	row := headerRow + 1
	for _, g := range form.Groups {
		label := "其他数据 (no indicator)"
		if g.Indicator != nil {
			label = fmt.Sprintf("指标 %s %s (%s)", g.Indicator.Code, g.Indicator.Name, g.Indicator.Unit)
		}
		set(fmt.Sprintf("%s%d", colName, row), label)
		if err := f.SetRowStyle(sh, row, row, groupStyle); err != nil {
			return nil, err
		}
		row++
		for _, fl := range g.Fields {
			e := fl.Element
			r := strconv.Itoa(row)
			set(colCode+r, e.Code)
			set(colName+r, e.Name)
			if fl.Value != nil {
				set(colValue+r, *fl.Value)
			}
			if fl.MissingReason != nil {
				set(colMissing+r, *fl.MissingReason)
			}
			if fl.Comment != "" {
				set(colComment+r, fl.Comment)
			}
			set(colUnit+r, e.Unit)
			if fl.PreviousValue != nil {
				set(colPrevious+r, *fl.PreviousValue)
				set(colPrevLabel+r, fl.PreviousPeriod)
			}
			if fl.Required {
				set(colRequired+r, "是")
			} else {
				set(colRequired+r, "否")
			}
			set(colType+r, typeWord(e.ValueType))
			var rules []string
			for _, ru := range fl.Rules {
				rules = append(rules, ru.Description)
			}
			set(colRules+r, strings.Join(rules, ";"))
			set(colDesc+r, e.Description)
			if err := f.SetCellStyle(sh, colValue+r, colComment+r, unlocked); err != nil {
				return nil, err
			}
			dv := excelize.NewDataValidation(true)
			dv.Sqref = colValue + r
			kind := excelize.DataValidationTypeDecimal
			if fl.Bounds.Integer {
				kind = excelize.DataValidationTypeWhole
			}
			if err := dv.SetRange(formatNum(fl.Bounds.Min), formatNum(fl.Bounds.Max), kind, excelize.DataValidationOperatorBetween); err != nil {
				return nil, err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "数值无效", fmt.Sprintf("%s:%s", e.Name, strings.Join(rules, ";")))
			if err := f.AddDataValidation(sh, dv); err != nil {
				return nil, err
			}
			row++
		}
	}
	widths := map[string]float64{colCode: 30, colName: 34, colValue: 14, colMissing: 24, colComment: 24, colUnit: 10,
		colPrevious: 12, colPrevLabel: 9, colRequired: 8, colType: 12, colRules: 40, colDesc: 60}
	for c, w := range widths {
		if err := f.SetColWidth(sh, c, c, w); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := f.ProtectSheet(sh, &excelize.SheetProtectionOptions{FormatColumns: true, FormatRows: true, SelectLockedCells: true, SelectUnlockedCells: true}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
