package excel

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/msg"
	"planapi/store"
)

// ImportInput is one upload of an entry sheet.
type ImportInput struct {
	File       io.Reader
	MaxBytes   int64 // the largest file read; a larger one is refused (PAYLOAD_TOO_LARGE)
	RegionCode string
	Period     string
	// ExpectedVersion is the submission's version the clerk started from; nil takes the
	// version written in the sheet (cell H2).
	ExpectedVersion *int
}

// Unzipped limits: a template is a few tens of KiB (a county's sheet: 32 KiB of sheet XML, 61
// rows, 12 columns); a zip bomb must not reach memory.
const (
	unzipLimit    = 16 << 20
	unzipXMLLimit = 4 << 20
)

// Shape limits, checked on the raw XML before excelize reads a sheet: excelize pads every row
// to its last column (a cell in XFD costs 16384 strings a row) and reorders rows without a
// row number in quadratic time (200,000 such rows, 100 KiB zipped, took a minute of CPU), so a
// small upload could otherwise take the server's memory or CPU. The limits are some thirty
// times a real sheet's.
const (
	maxSheetRows    = 2000
	maxSheetColumns = 52 // AZ
)

// checkShape refuses a workbook whose worksheets are larger than an entry sheet can be: more
// than unzipXMLLimit bytes of XML in one worksheet or unzipLimit in all, more than
// maxSheetRows rows (counted, whether numbered or not, and by number), or a cell beyond
// column maxSheetColumns. It reads the XML as a stream, in linear time, without trusting the
// sizes the zip declares. A file that is not a zip is left to excelize to refuse.
func checkShape(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	tooLarge := func(what msg.Text) error {
		return apperr.New(apperr.Invalid, msg.ExcelTooLarge, "what", what).With("field", "file")
	}
	total := int64(0)
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil // excelize refuses it
		}
		lr := &io.LimitedReader{R: rc, N: unzipXMLLimit + 1}
		dec := xml.NewDecoder(lr)
		rows := 0
		for {
			tok, err := dec.RawToken()
			if err != nil {
				break // io.EOF, or XML that excelize will refuse
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			switch se.Name.Local {
			case "row":
				rows++
				for _, a := range se.Attr {
					if a.Name.Local == "r" {
						if n, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && n > maxSheetRows {
							rc.Close()
							return tooLarge(msg.T(msg.ExcelRowNumber, "row", n, "max", maxSheetRows))
						}
					}
				}
				if rows > maxSheetRows {
					rc.Close()
					return tooLarge(msg.T(msg.ExcelTooManyRows, "max", maxSheetRows))
				}
			case "c":
				for _, a := range se.Attr {
					if a.Name.Local == "r" {
						if col, _, err := excelize.CellNameToCoordinates(strings.TrimSpace(a.Value)); err == nil && col > maxSheetColumns {
							rc.Close()
							return tooLarge(msg.T(msg.ExcelCellBeyond, "cell", a.Value))
						}
					}
				}
			}
		}
		rc.Close()
		if lr.N <= 0 {
			return tooLarge(msg.T(msg.ExcelPartTooLarge, "part", zf.Name, "max", unzipXMLLimit))
		}
		total += unzipXMLLimit + 1 - lr.N
		if total > unzipLimit {
			return tooLarge(msg.T(msg.ExcelSheetsTooLarge, "max", unzipLimit))
		}
	}
	return nil
}

// row is one element row of the sheet.
type row struct {
	n       int
	code    string
	value   string
	missing string
	comment string
}

// Import reads a filled entry sheet and saves it through the store's save path, exactly as
// saveDataValues would the same figures: all or nothing, versioned. Refused figures come back
// as one BAD_USER_INPUT error whose extensions.refused names each cell (sheet, cell, element,
// rule, message). A sheet made for another region, period or plan is refused whole before
// anything is saved.
//
// An empty value cell (and an empty missing-reason cell) means "not entered": the element is
// not sent, so a figure already saved stays. Clearing a saved figure is saveDataValues'
// business (value: null).
func Import(ctx context.Context, st *store.Store, p *auth.Principal, in ImportInput) (*store.Snapshot, error) {
	data, err := io.ReadAll(io.LimitReader(in.File, in.MaxBytes+1))
	if err != nil {
		return nil, apperr.New(apperr.BadRequest, msg.ExcelReadUpload)
	}
	if int64(len(data)) > in.MaxBytes {
		return nil, apperr.New(apperr.PayloadTooLarge, msg.BodyTooLarge, "limit", in.MaxBytes)
	}
	if err := checkShape(data); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: unzipLimit, UnzipXMLSizeLimit: unzipXMLLimit})
	if err != nil {
		return nil, apperr.New(apperr.Invalid, msg.ExcelNotWorkbook).With("field", "file")
	}
	defer f.Close()
	if idx, err := f.GetSheetIndex(EntrySheet); err != nil || idx < 0 {
		return nil, apperr.New(apperr.Invalid, msg.ExcelNoSheet, "sheet", EntrySheet).With("field", "file")
	}
	get := func(cell string) string {
		v, _ := f.GetCellValue(EntrySheet, cell)
		return strings.TrimSpace(v)
	}

	// SECURITY (integrity, not access): a sheet filled for another region, period or plan is
	// refused whole; who may save the request's region is the store's decision below.
	plan := st.Cache().Catalogue().Current()
	planCode := ""
	if plan != nil {
		planCode = plan.Code
	}
	for _, m := range []struct {
		cell string
		what msg.Key
		want string
	}{
		{cellRegion, msg.ExcelFieldRegion, in.RegionCode}, {cellPeriod, msg.ExcelFieldPeriod, in.Period}, {cellPlan, msg.ExcelFieldPlan, planCode},
	} {
		if got := get(m.cell); got != m.want {
			return nil, apperr.New(apperr.Invalid, msg.ExcelWrongSheet, "sheet", EntrySheet, "cell", m.cell, "what", msg.T(m.what), "found", got, "expected", m.want).
				With("sheet", EntrySheet).With("cell", m.cell).With("found", got).With("expected", m.want)
		}
	}
	expected := in.ExpectedVersion
	if expected == nil {
		v, err := strconv.Atoi(get(cellVersion))
		if err != nil {
			return nil, apperr.New(apperr.Invalid, msg.ExcelBadVersion, "sheet", EntrySheet, "cell", cellVersion, "value", get(cellVersion)).
				With("sheet", EntrySheet).With("cell", cellVersion)
		}
		expected = &v
	}

	rows, err := f.GetRows(EntrySheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, apperr.New(apperr.Invalid, msg.ExcelUnreadable, "sheet", EntrySheet).With("field", "file")
	}
	cellOf := func(r []string, col string) string {
		i, _ := excelize.ColumnNameToNumber(col)
		if i-1 < len(r) {
			return strings.TrimSpace(r[i-1])
		}
		return ""
	}
	var list []row
	for i := headerRow; i < len(rows); i++ { // rows[headerRow] is the first row after the header
		r := rows[i]
		code := cellOf(r, colCode)
		if code == "" {
			continue // an indicator's heading, or a blank line
		}
		list = append(list, row{n: i + 1, code: code, value: cellOf(r, colValue), missing: cellOf(r, colMissing), comment: cellOf(r, colComment)})
	}

	// Cells that are no number at all never reach the store; report them all, save nothing.
	var unreadable []map[string]any
	save := store.SaveInput{RegionCode: in.RegionCode, Period: in.Period, ExpectedVersion: *expected}
	cells := map[string]row{} // element code → its (last) row
	for _, r := range list {
		cells[r.code] = r
		if r.value == "" {
			// A formula with no computed value (a file written by a program, not saved by
			// Excel) would otherwise read as "not entered" and be dropped without a word.
			addr := fmt.Sprintf("%s%d", colValue, r.n)
			if fo, _ := f.GetCellFormula(EntrySheet, addr); fo != "" {
				unreadable = append(unreadable, map[string]any{"sheet": EntrySheet, "cell": addr, "element": r.code,
					"rule": string(catalogue.RuleNotANumber), "message": msg.T(msg.ExcelFormulaNoValue, "code", r.code, "formula", fo)})
				continue
			}
		}
		if r.value == "" && r.missing == "" {
			continue // not entered: the saved figure, if any, stays
		}
		vi := store.ValueInput{Element: r.code}
		if r.value != "" {
			v, err := parseNumber(r.value)
			if err == nil && !numberCell(f, fmt.Sprintf("%s%d", colValue, r.n)) {
				err = errors.New("not a number") // TRUE, or a date: not a figure
			}
			if err == nil && percentFormatted(f, fmt.Sprintf("%s%d", colValue, r.n)) && !strings.HasSuffix(r.value, "%") {
				// 95.3% typed into a cell: Excel stores 0.953 and shows 95.3%; the clerk meant
				// what the cell shows.
				v, err = parsePercent(r.value)
			}
			if err != nil {
				addr := fmt.Sprintf("%s%d", colValue, r.n)
				unreadable = append(unreadable, map[string]any{"sheet": EntrySheet, "cell": addr, "element": r.code,
					"rule": string(catalogue.RuleNotANumber), "message": msg.T(msg.ExcelCellNotNumber, "code", r.code, "value", r.value)})
				continue
			}
			vi.Value = &v
		}
		if r.missing != "" {
			m := r.missing
			vi.MissingReason = &m
		}
		if r.comment != "" {
			c := r.comment
			vi.Comment = &c
		}
		save.Values = append(save.Values, vi)
	}
	if len(unreadable) > 0 {
		return nil, refusedCells(unreadable)
	}
	if len(save.Values) == 0 {
		return nil, apperr.New(apperr.Invalid, msg.ExcelNothingFilled).With("field", "file")
	}

	snap, err := st.Save(ctx, p, save)
	if err == nil {
		return snap, nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		return nil, err
	}
	refused, ok := e.Details["refused"].([]map[string]any)
	if !ok {
		return nil, err
	}
	// Name the cell of each refused figure: the value cell, or the cell the rule is about.
	out := make([]map[string]any, len(refused))
	for i, d := range refused {
		code, _ := d["element"].(string)
		rule, _ := d["rule"].(string)
		c := map[string]any{"sheet": EntrySheet}
		for k, v := range d {
			c[k] = v
		}
		if r, ok := cells[code]; ok {
			col := colValue
			switch catalogue.Rule(rule) {
			case catalogue.RuleUnknownElement, catalogue.RuleDuplicateElement:
				col = colCode
			case catalogue.RuleEmptyMissingReason, catalogue.RuleMissingReasonTooLong:
				col = colMissing
			case catalogue.RuleCommentTooLong:
				col = colComment
			}
			c["cell"] = fmt.Sprintf("%s%d", col, r.n)
		}
		out[i] = c
	}
	return nil, refusedCells(out)
}

// refusedCells is one BAD_USER_INPUT error naming every refused cell.
func refusedCells(cells []map[string]any) error {
	texts := make(msg.Sentences, len(cells))
	for i, c := range cells {
		addr, _ := c["cell"].(string)
		texts[i] = msg.T(msg.ExcelCell, "sheet", EntrySheet, "cell", addr, "message", c["message"])
	}
	return apperr.New(apperr.Invalid, msg.ExcelCellsRefused, "count", len(cells), "cells", texts).
		With("refused", cells)
}

// decimalNumber is a decimal number as a clerk types it or Excel stores it: digits with an
// optional fraction and exponent, or digits grouped by thousands with commas ("1,234.5").
// Not Go's wider syntax (ParseFloat also takes "0x1p4", "1_0", "Inf"), and not a comma that
// does not group thousands ("12,5" is not 125).
var decimalNumber = regexp.MustCompile(`^[+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$`)

// parseNumber reads a cell's number as Excel stores it (raw), or as a clerk typed it in a text
// cell: thousands separators (ASCII or full-width commas) and a trailing % are accepted
// ("1,234", "95.3%"). -0 is 0.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(s), "，", ","), "%"))
	if !decimalNumber.MatchString(s) {
		return 0, errors.New("not a number")
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	if v == 0 {
		v = 0 // not -0
	}
	return v, nil
}

// parsePercent reads a raw number shown as a percentage (0.953 shown as 95.3%) as the
// percentage, scaled in decimal so that 0.953 is exactly 95.3, not 95.30000000000001.
func parsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return 0, errors.New("not a number")
		}
		mant, exp = s[:i], n
	}
	if _, err := parseNumber(mant); err != nil {
		return 0, err
	}
	return parseNumber(fmt.Sprintf("%se%d", strings.ReplaceAll(mant, ",", ""), exp+2))
}

// numberCell reports whether a value cell holds what can be a figure: not a boolean (TRUE is
// stored as 1) nor a date (stored as its serial number, 45292 for 2024-01-01, or as an ISO
// date).
func numberCell(f *excelize.File, cell string) bool {
	t, err := f.GetCellType(EntrySheet, cell)
	if err != nil || t == excelize.CellTypeBool || t == excelize.CellTypeDate {
		return false
	}
	if t != excelize.CellTypeNumber && t != excelize.CellTypeUnset {
		return true // text, read as typed
	}
	id, err := f.GetCellStyle(EntrySheet, cell)
	if err != nil || id == 0 {
		return true
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return true
	}
	if (st.NumFmt >= 14 && st.NumFmt <= 22) || (st.NumFmt >= 45 && st.NumFmt <= 47) {
		return false
	}
	return st.CustomNumFmt == nil || !outsideQuotes(*st.CustomNumFmt, "yd")
}

// outsideQuotes reports whether a number format has one of chars outside quotes, escapes and
// brackets ([Red], [$-804]).
func outsideQuotes(format, chars string) bool {
	quoted, bracket := false, false
	for i := 0; i < len(format); i++ {
		switch c := format[i]; {
		case c == '"' && !bracket:
			quoted = !quoted
		case c == '\\' && !quoted && !bracket:
			i++ // an escaped character
		case c == '[' && !quoted:
			bracket = true
		case c == ']' && bracket:
			bracket = false
		case !quoted && !bracket && strings.IndexByte(chars, c|0x20) >= 0:
			return true
		}
	}
	return false
}

// percentFormatted reports whether a cell's number format shows it as a percentage: the
// built-in formats 9 (0%) and 10 (0.00%), or a custom format with a % outside quotes. Only a
// number is: text in such a cell is read as typed.
func percentFormatted(f *excelize.File, cell string) bool {
	if t, err := f.GetCellType(EntrySheet, cell); err != nil || (t != excelize.CellTypeNumber && t != excelize.CellTypeUnset) {
		return false
	}
	id, err := f.GetCellStyle(EntrySheet, cell)
	if err != nil || id == 0 {
		return false
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	if st.NumFmt == 9 || st.NumFmt == 10 {
		return true
	}
	return st.CustomNumFmt != nil && outsideQuotes(*st.CustomNumFmt, "%")
}
