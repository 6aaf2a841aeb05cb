package excel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
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

// Unzipped limits: a template is a few tens of KiB; a zip bomb must not reach memory.
const (
	unzipLimit    = 32 << 20
	unzipXMLLimit = 16 << 20
)

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
		if r.value == "" && r.missing == "" {
			continue // not entered: the saved figure, if any, stays
		}
		vi := store.ValueInput{Element: r.code}
		if r.value != "" {
			v, err := parseNumber(r.value)
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

// parseNumber reads a cell's number as Excel stores it (raw), or as a clerk typed it in a text
// cell: thousands separators and a trailing % are accepted ("1,234", "95.3%").
func parseNumber(s string) (float64, error) {
	s = strings.TrimSuffix(strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), ",", ""), "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("not a number")
	}
	return v, nil
}
