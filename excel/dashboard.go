package excel

import (
	"bytes"
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"

	"planapi/assess"
	"planapi/auth"
	"planapi/period"
	"planapi/store"
)

// DashboardSheet is the name of the dashboard workbook's sheet.
const DashboardSheet = "指标看板"

// Dashboard columns before the child regions.
var dashboardHeaders = []string{"指标 code", "指标名称 indicator", "单位 unit", "合计 total", "完整性 approved/expected",
	"目标 target", "评估 assessment", "评估说明 explanation"}

// DashboardFirstChildColumn is the column of the first child region (I).
const DashboardFirstChildColumn = 9

// DashboardHeaderRow is the row of the column headings; indicators follow it.
const DashboardHeaderRow = 4

var comparatorWord = map[string]string{"GTE": "≥", "GT": ">", "LTE": "≤", "LT": "<", "EQ": "="}

// Dashboard writes a region's dashboard for a period (or range) as an .xlsx matrix: one row per
// indicator, with the region's total, its completeness, the target, the assessment as of the
// period's end, and a column per child region the caller may see. The figures are the store's
// Dashboard and IndicatorValues, the calls behind the dashboard query and
// Indicator.assessment: the same permission, publication and small-cell rules apply (a region
// outside the caller's scope, or above it and unpublished, answers NOT_FOUND; withheld cells
// say so).
func Dashboard(ctx context.Context, st *store.Store, p *auth.Principal, regionCode, periodArg string) ([]byte, error) {
	per, err := period.ParseRangeArg("period", periodArg)
	if err != nil {
		return nil, err
	}
	d, err := st.Dashboard(ctx, p, regionCode, per, false)
	if err != nil {
		return nil, err
	}
	cat := st.Cache().Catalogue()
	plan := cat.Current()
	if plan == nil {
		return nil, fmt.Errorf("no plan loaded")
	}

	// Assessments as of the period's end, from the same roll-up as Indicator.assessment.
	asOf := per.To
	inds := map[int64]assess.Indicator{}
	var ranges []period.Range
	seen := map[period.Range]bool{}
	yearsOf := map[int64][]period.Period{}
	for _, row := range d.Rows {
		ind := row.Total.Indicator
		ai := assess.Indicator{Target: ind.TargetValue, Comparator: ind.Comparator, Direction: ind.Direction,
			TargetYear: ind.TargetYear, BaseYear: plan.StartYear, Cumulative: ind.Cumulative, Bounded: ind.Unit == "%"}
		inds[ind.ID] = ai
		years := period.Years(plan.StartYear, max(plan.EndYear, ind.TargetYear))
		yearsOf[ind.ID] = years
		for _, rg := range assess.Keys(ai, years, &asOf) {
			if !seen[rg] {
				seen[rg] = true
				ranges = append(ranges, rg)
			}
		}
	}
	// SkipHidden as the assessment's loader (resolvers/loaders.go): a range above the caller that
	// was not published reads as no value, not as an error of the whole export.
	vals, _, err := st.IndicatorValues(ctx, p, store.ValuesQuery{Regions: []string{d.Region.Code}, Periods: ranges, SkipHidden: true})
	if err != nil {
		return nil, err
	}

	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", DashboardSheet); err != nil {
		return nil, err
	}
	sh := DashboardSheet
	set := func(col, row int, v any) {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		if err := f.SetCellValue(sh, cell, v); err != nil {
			panic(err)
		}
	}
	set(1, 1, fmt.Sprintf("%s %s %s 指标看板", plan.Name, d.Region.Name, per))
	set(1, 2, "地区代码")
	set(2, 2, d.Region.Code)
	set(3, 2, "期间")
	set(4, 2, per.String())
	set(5, 2, "规划")
	set(6, 2, plan.Code)
	set(1, 3, "合计与各列为已审核数据;“已隐去”为发布时按小单元规则隐去的数 (approved figures; 已隐去: withheld by the small-cell rule)")
	for i, h := range dashboardHeaders {
		set(i+1, DashboardHeaderRow, h)
	}
	for j, col := range d.Columns {
		set(DashboardFirstChildColumn+j, DashboardHeaderRow, fmt.Sprintf("%s %s", col.Name, col.Code))
	}
	for i, row := range d.Rows {
		r := DashboardHeaderRow + 1 + i
		ind := row.Total.Indicator
		set(1, r, ind.Code)
		set(2, r, ind.Name)
		set(3, r, ind.Unit)
		writeValue(set, 4, r, row.Total)
		set(5, r, fmt.Sprintf("%d/%d", len(row.Total.Approved), len(row.Total.Expected)))
		if ind.TargetValue != nil {
			set(6, r, fmt.Sprintf("%s%s%s (%d)", comparatorWord[ind.Comparator], formatNum(*ind.TargetValue), ind.Unit, ind.TargetYear))
		} else {
			set(6, r, fmt.Sprintf("未知 XX (%d)", ind.TargetYear))
		}
		obs := map[period.Range]assess.Observation{}
		for _, rg := range ranges {
			for _, v := range vals[store.ValueKey{Region: d.Region.Code, Period: rg}] {
				if v.Indicator.ID == ind.ID {
					obs[rg] = assess.Observation{Value: v.Value, Partial: v.Partial, Expected: len(v.Expected), Approved: len(v.Approved)}
				}
			}
		}
		in, _ := assess.FromObservations(inds[ind.ID], yearsOf[ind.ID], &asOf, obs)
		res := assess.Assess(in)
		set(7, r, string(res.Status))
		set(8, r, res.Explanation)
		for j, c := range row.Cells {
			writeValue(set, DashboardFirstChildColumn+j, r, c)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	if err := f.SetRowStyle(sh, DashboardHeaderRow, DashboardHeaderRow, bold); err != nil {
		return nil, err
	}
	for col, w := range map[string]float64{"A": 8, "B": 36, "C": 10, "D": 12, "E": 10, "F": 16, "G": 18, "H": 60} {
		if err := f.SetColWidth(sh, col, col, w); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeValue writes a value as a number, or says why there is none.
func writeValue(set func(col, row int, v any), col, row int, v *store.IndicatorValue) {
	switch {
	case v == nil:
	case v.Withheld:
		set(col, row, "已隐去")
	case !v.Published:
		set(col, row, "未发布")
	case v.Value == nil:
		set(col, row, "—")
	default:
		set(col, row, *v.Value)
	}
}
