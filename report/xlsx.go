package report

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// XLSXContentType is the media type of an .xlsx file.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// AnnexSheet is the name of the annex table's sheet.
const AnnexSheet = "附表"

// XLSX renders the annex table as a workbook with one sheet, 附表: the table's title in row 1
// (merged across the columns), the header in row 2 (bold, shaded, frozen), the rows below.
// Every cell is text as the report prints it: an indicator code "2.10" must not become the
// number 2.1, and a figure carries its unit or its "%".
func XLSX(r *Report) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("xlsx: no report")
	}
	r = printableReport(r)
	t := r.Annex
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", AnnexSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	sh := AnnexSheet
	n := max(len(t.Columns), 1)
	last, _ := excelize.ColumnNumberToName(n)
	title := t.Title
	if title == "" {
		title = r.Title
	}
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Family: "黑体"},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	headerStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Family: "黑体"}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	cellStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: "仿宋"}, Border: border,
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetCellStr(sh, "A1", title); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if n > 1 {
		if err := f.MergeCell(sh, "A1", last+"1"); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.SetCellStyle(sh, "A1", last+"1", titleStyle); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetRowHeight(sh, 1, 28); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	widths := make([]int, n)
	put := func(row int, cells []string) error {
		for i := range n {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			cell, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sh, cell, v); err != nil {
				return err
			}
			widths[i] = max(widths[i], displayWidth(v))
		}
		return nil
	}
	if err := put(2, t.Columns); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, row := range t.Rows {
		if err := put(i+3, row); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.SetCellStyle(sh, "A2", last+"2", headerStyle); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if len(t.Rows) > 0 {
		if err := f.SetCellStyle(sh, "A3", fmt.Sprintf("%s%d", last, len(t.Rows)+2), cellStyle); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		// A column is as wide as its widest cell, within reason: a long verdict wraps.
		if err := f.SetColWidth(sh, col, col, float64(min(max(w+2, 8), 40))); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	// Printed, the sheet is A4 landscape with the header rows on every page.
	landscape := "landscape"
	paper := 9 // A4
	if err := f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &paper}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sh + "'!$1:$2", Scope: sh}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// displayWidth is s's width in Excel's character units: a Chinese character is two.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= utf8.RuneSelf && (unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Punct) || r >= 0xFF00) {
			w += 2
		} else {
			w++
		}
	}
	return w
}
