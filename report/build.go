package report

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"planapi/apperr"
	"planapi/assess"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/gap"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
	"planapi/refrollup"
	"planapi/snapshot"
	"planapi/store"
)

// Build makes the evaluation report of a region as of a period from the approved figures up
// to that period: the region's totals (store.IndicatorValues), the assessments as of asOf (package assess), the key-task roll-up since
// the plan's start (store.TaskRollups) with the counties' narratives, and the texts the region
// saved (store.ReportSections). Nothing after asOf is read, so figures entered later do not
// change a report once made.
//
// SECURITY: the caller must be the region's admin, reviewer or analyst, or above
// (auth.ReadReport, in store.ReportRegion); every read below is the store's own scoped read.
// Under that rule the caller is never below the region, so its totals are live; were the rule
// widened, IndicatorValues and TaskRollups would answer a caller below it with the published
// totals and their small-cell rules, and TaskNarratives (raw data) with nothing.
func Build(ctx context.Context, st *store.Store, p *auth.Principal, regionCode, asOf string) (*Report, error) {
	r, err := st.ReportRegion(p, regionCode)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("asOf", asOf)
	if err != nil {
		return nil, err
	}
	cat := st.Cache().Catalogue()
	plan := cat.Current()
	if plan == nil {
		return nil, fmt.Errorf("report: no current plan")
	}
	if per.Year < plan.StartYear {
		return nil, apperr.New(apperr.Invalid, msg.ReportBeforePlan, "asOf", per.String(), "start", plan.StartYear).With("field", "asOf")
	}
	b := &builder{ctx: ctx, st: st, p: p, region: r, asOf: per, cat: cat, plan: plan}
	rep := &Report{RegionCode: r.Code, RegionName: r.Name, AsOf: per.String(), AsOfText: AsOfText(per),
		Title: r.Name + "市场监管现代化“十四五”规划中期评估报告"}

	indicators, err := b.indicators()
	if err != nil {
		return nil, err
	}
	tasks, err := b.tasks()
	if err != nil {
		return nil, err
	}
	texts, err := st.ReportSections(ctx, p, r.Code, per.String())
	if err != nil {
		return nil, err
	}
	rep.Indicators = b.entries
	rep.Sections = []Section{
		{Key: "progress", Level: 1, Number: "一、", Heading: "规划实施总体进展情况", Children: []Section{indicators, tasks}},
		textSection("problems", "二、", "存在的问题", texts[store.SectionProblems]),
		textSection("nextSteps", "三、", "下一步工作", texts[store.SectionNextSteps]),
	}
	gaps, err := gapSection(ctx, st, p, r.Code, per)
	if err != nil {
		return nil, err
	}
	rep.Sections = append(rep.Sections, gaps)
	rep.Annex = b.annex()
	return rep, nil
}

// AsOfText says the report's period in words: 截至2023年第一季度, 截至2024年底.
func AsOfText(p period.Period) string {
	if p.Quarter == 0 {
		return fmt.Sprintf("截至%d年底", p.Year)
	}
	return "截至" + zhPeriod(period.Single(p))
}

type builder struct {
	ctx    context.Context
	st     *store.Store
	p      *auth.Principal
	region *models.Region
	asOf   period.Period
	cat    *snapshot.Catalogue
	plan   *models.Plan

	entries []IndicatorEntry
	// rows of the annex, and its year columns
	rows  [][]string
	years []period.Period
}

// reportYears are the plan's years whose whole-year figures the report prints: from the
// start to the as-of year, that year only when asOf is its end.
func (b *builder) reportYears() []period.Period {
	var out []period.Period
	// The plan's years only: a report as of a year after the plan's end still prints them.
	for _, y := range period.Years(b.plan.StartYear, min(b.asOf.Year, max(b.plan.EndYear, b.plan.StartYear))) {
		if !b.asOf.End().Before(y.End()) {
			out = append(out, y)
		}
	}
	return out
}

// latestRange is the partial year the report names after the whole years: the year to date
// of an as-of quarter (2023Q1; 2024Q1..2024Q3); none when asOf ends a year.
func (b *builder) latestRange() (period.Range, bool) {
	switch b.asOf.Quarter {
	case 0, 4:
		return period.Range{}, false
	case 1:
		return period.Single(b.asOf), true
	}
	return period.Range{From: period.Quarter(b.asOf.Year, 1), To: b.asOf}, true
}

func (b *builder) sinceRange() period.Range {
	return period.Range{From: period.Year(b.plan.StartYear), To: b.asOf}
}

func (b *builder) assessIndicator(ind *models.Indicator) assess.Indicator {
	return assess.Indicator{Target: ind.TargetValue, Comparator: ind.Comparator, Direction: ind.Direction,
		TargetYear: ind.TargetYear, BaseYear: b.plan.StartYear, Cumulative: ind.Cumulative, Bounded: ind.Unit == "%"}
}

func (b *builder) assessYears(ind *models.Indicator) []period.Period {
	return period.Years(b.plan.StartYear, max(b.plan.EndYear, ind.TargetYear))
}

// indicators writes (一) 主要指标进展情况 and the annex rows, from one roll-up of every
// indicator over every period and range the paragraphs and the assessments read.
func (b *builder) indicators() (Section, error) {
	inds := b.cat.Indicators[b.plan.ID]
	seen := map[period.Range]bool{}
	var ranges []period.Range
	add := func(rg period.Range) {
		if !seen[rg] {
			seen[rg] = true
			ranges = append(ranges, rg)
		}
	}
	for _, ind := range inds {
		for _, rg := range assess.Keys(b.assessIndicator(ind), b.assessYears(ind), &b.asOf) {
			add(rg)
		}
	}
	b.years = b.reportYears()
	for _, y := range b.years {
		add(period.Single(y))
	}
	if rg, ok := b.latestRange(); ok {
		add(rg)
	}
	add(b.sinceRange())
	vals, _, err := b.st.IndicatorValues(b.ctx, b.p, store.ValuesQuery{Regions: []string{b.region.Code}, Periods: ranges,
		Indicators: inds, SkipHidden: true})
	if err != nil {
		return Section{}, err
	}
	value := func(rg period.Range, i int) *store.IndicatorValue {
		list := vals[store.ValueKey{Region: b.region.Code, Period: rg}]
		if i < len(list) {
			return list[i]
		}
		return nil
	}

	sec := Section{Key: "indicators", Level: 2, Number: "(一)", Heading: "主要指标进展情况"}
	var byCat []*Section
	catIndex := map[int64]int{}
	for i, ind := range inds {
		if ind.Retired {
			continue
		}
		c := b.cat.Category(ind.CategoryID)
		ci, ok := catIndex[ind.CategoryID]
		if !ok {
			ci = len(byCat)
			catIndex[ind.CategoryID] = ci
			name, code := "", ""
			if c != nil {
				name, code = c.Name, c.Code
			}
			byCat = append(byCat, &Section{Key: "category:" + code, Level: 3, Number: strconv.Itoa(ci+1) + ".", Heading: name})
		}
		cs := byCat[ci]

		// The assessment as of asOf, exactly as Indicator.assessment computes it.
		ai := b.assessIndicator(ind)
		years := b.assessYears(ind)
		obs := map[period.Range]assess.Observation{}
		for _, rg := range assess.Keys(ai, years, &b.asOf) {
			if v := value(rg, i); v != nil {
				obs[rg] = assess.Observation{Value: v.Value, Partial: v.Partial, Expected: len(v.Expected), Approved: len(v.Approved)}
			}
		}
		in, _ := assess.FromObservations(ai, years, &b.asOf, obs)
		res := assess.Assess(in)

		para, row := b.paragraph(ind, res, func(rg period.Range) *store.IndicatorValue { return value(rg, i) })
		verdict := verdictWords(res.Status)
		cat := ""
		if c != nil {
			cat = c.Name
		}
		b.entries = append(b.entries, IndicatorEntry{Code: ind.Code, Name: ind.Name, Unit: ind.Unit, Category: cat,
			Status: string(res.Status), Verdict: verdict, Paragraph: para})
		n := len(cs.Children) + 1
		cs.Children = append(cs.Children, Section{Key: "indicator:" + ind.Code, Level: 4, Number: "(" + strconv.Itoa(n) + ")",
			Heading: targetSentence(ind), Paragraphs: []string{para}})
		b.rows = append(b.rows, append(row, verdict))
	}
	for _, c := range byCat {
		sec.Children = append(sec.Children, *c)
	}
	return sec, nil
}

// targetSentence is the indicator's heading as the report writes it: 2025年重点工业产品监督抽查合格率
// 达到96.5%. A redacted target is said to be unknown.
func targetSentence(ind *models.Indicator) string {
	if ind.TargetValue == nil {
		return fmt.Sprintf("%d年%s目标值未公开", ind.TargetYear, ind.Name)
	}
	return fmt.Sprintf("%d年%s%s%s", ind.TargetYear, ind.Name, comparatorWord(ind.Comparator), withUnit(*ind.TargetValue, ind.Unit))
}

func comparatorWord(c string) string {
	switch c {
	case assess.GT:
		return "大于"
	case assess.LTE:
		return "不高于"
	case assess.LT:
		return "低于"
	case assess.EQ:
		return "为"
	}
	return "达到"
}

// paragraph writes an indicator's paragraph: the target, each whole year's figure with its
// parts, the partial year to date, the running total since the plan's start where the report
// gives one, and the verdict. It returns the annex row too (without the verdict).
func (b *builder) paragraph(ind *models.Indicator, res assess.Result, value func(period.Range) *store.IndicatorValue) (string, []string) {
	f := b.cat.Formula(ind.ID)
	var sb strings.Builder
	sb.WriteString(targetSentence(ind) + "。")
	target := "—"
	if ind.TargetValue != nil {
		target = comparatorWord(ind.Comparator) + withUnit(*ind.TargetValue, ind.Unit)
	} else {
		target = "未公开"
	}
	row := []string{ind.Code, ind.Name, ind.Unit, target}
	var figures []string
	for _, y := range b.years {
		v := value(period.Single(y))
		if ind.Cumulative {
			if c := value(period.Range{From: period.Year(b.plan.StartYear), To: y}); c != nil && !(period.Range{From: period.Year(b.plan.StartYear), To: y}).IsSingle() {
				v = c
			}
		}
		row = append(row, b.cell(ind, v))
		if v == nil || v.Value == nil {
			continue
		}
		label := strconv.Itoa(y.Year) + "年"
		if ind.Cumulative {
			label = "截至" + label + "底累计"
		}
		figures = append(figures, label+b.figure(ind, f, v))
	}
	latestCell := "—"
	if rg, ok := b.latestRange(); ok {
		v := value(rg)
		if ind.Cumulative {
			v = value(b.sinceRange())
		}
		latestCell = b.cell(ind, v)
		if v != nil && v.Value != nil {
			label := zhPeriod(rg)
			if ind.Cumulative {
				label = "截至" + zhPeriod(period.Single(b.asOf)) + "累计"
			}
			figures = append(figures, label+b.figure(ind, f, v))
		}
	} else if len(b.years) > 0 {
		latestCell = row[len(row)-1]
	}
	row = append(row, latestCell)
	if len(figures) > 0 {
		sb.WriteString(strings.Join(figures, ";") + "。")
	}
	// The running total since the plan's start (2021年以来,累计接收消费者投诉18165件): for a
	// cumulative indicator its value; for a rate of flows, its parts summed over the range.
	if rg := b.sinceRange(); !rg.IsSingle() && !ind.Cumulative && ind.Unit == "%" && b.allFlows(f) {
		if v := value(rg); v != nil && v.Value != nil {
			s := fmt.Sprintf("%d年以来,", b.plan.StartYear)
			if parts := b.parts(f, v); len(parts) > 0 {
				s += "累计" + strings.Join(parts, ",") + ","
			}
			sb.WriteString(s + ind.Name + "为" + withUnit(*v.Value, ind.Unit) + b.completeness(v) + "。")
		}
	}
	sb.WriteString(verdictSentence(ind, res))
	return sb.String(), row
}

// allFlows: every element of the formula adds up over time (cases, complaints), so a range's
// total is a running total.
func (b *builder) allFlows(f catalogue.Formula) bool {
	els := refrollup.Elements(f)
	if len(els) == 0 {
		return false
	}
	for _, code := range els {
		e := b.cat.Element(b.plan.ID, code)
		if e == nil || e.TimeRule != string(catalogue.TimeSum) {
			return false
		}
	}
	return true
}

// figure is a value with its parts and its completeness: 为95.3%(重点工业产品监督抽查批次538批次,
// 重点工业产品监督抽查不合格批次25批次).
func (b *builder) figure(ind *models.Indicator, f catalogue.Formula, v *store.IndicatorValue) string {
	s := "为" + withUnit(*v.Value, ind.Unit)
	if parts := b.parts(f, v); len(parts) > 0 {
		s += "(" + strings.Join(parts, ",") + ")"
	}
	return s + b.completeness(v)
}

// parts are the totals of the elements behind a ratio, population left out (it is the
// denominator of every per-capita rate, not a figure of the indicator).
func (b *builder) parts(f catalogue.Formula, v *store.IndicatorValue) []string {
	var parts []string
	if len(f.Denominator) == 0 && len(refrollup.Elements(f)) < 2 {
		return nil
	}
	for _, code := range refrollup.Elements(f) {
		e := b.cat.Element(b.plan.ID, code)
		x, ok := v.Elements[code]
		if e == nil || !ok || code == "RESIDENT_POPULATION" {
			continue
		}
		parts = append(parts, e.Name+withUnit(x, e.Unit))
	}
	return parts
}

// completeness says how much of the region a figure covers when it is not all of it.
func (b *builder) completeness(v *store.IndicatorValue) string {
	s := ""
	if v.Partial {
		s += "(部分单位数据未覆盖整个期间)"
	}
	if n, a := len(v.Expected), len(v.Approved); a < n {
		s += fmt.Sprintf("(数据不完整:应报%d个单位,已计入%d个)", n, a)
	}
	return s
}

// cell is a value in the annex, with a mark when incomplete.
func (b *builder) cell(ind *models.Indicator, v *store.IndicatorValue) string {
	if v == nil || v.Value == nil {
		return "—"
	}
	s := formatValue(*v.Value, ind.Unit)
	if n, a := len(v.Expected), len(v.Approved); a < n {
		s += fmt.Sprintf("(%d/%d)", a, n)
	}
	return s
}

// verdictWords is the status in the report's words.
func verdictWords(s assess.Status) string {
	switch s {
	case assess.Achieved:
		return "已完成既定目标"
	case assess.OnTrack:
		return "预计到2025年可达到目标"
	case assess.NeedsAcceleration:
		return "需加快推进"
	case assess.AtRisk:
		return "需加快推进,能否如期完成无法预期"
	case assess.Deteriorating:
		return "与目标差距扩大,需加快推进"
	case assess.NoTarget:
		return "目标值未公开,无法评估"
	}
	return "暂无数据,无法评估"
}

// verdictSentence closes the paragraph with the verdict and the expectation for the target
// year, in the report's words.
func verdictSentence(ind *models.Indicator, res assess.Result) string {
	name := ind.Name
	switch res.Status {
	case assess.Achieved:
		return fmt.Sprintf("已完成既定目标。预计到%d年将保持%s%s。", ind.TargetYear, name, comparatorWord(ind.Comparator)+withUnit(*ind.TargetValue, ind.Unit))
	case assess.OnTrack:
		s := fmt.Sprintf("预计到%d年%s可达到%s", ind.TargetYear, name, withUnit(*ind.TargetValue, ind.Unit))
		if res.Projected != nil {
			s += fmt.Sprintf("(按现有趋势预计为%s)", withUnit(*res.Projected, ind.Unit))
		}
		return s + "。"
	case assess.NeedsAcceleration, assess.AtRisk, assess.Deteriorating:
		s := "尚未达到目标,需加快推进"
		if res.Status == assess.AtRisk {
			s = "尚未达到目标,现有数据不足以判断能否如期完成,需加快推进"
		}
		if res.Status == assess.Deteriorating {
			s = "尚未达到目标且与目标差距扩大,需加快推进"
		}
		if res.Projected != nil {
			s += fmt.Sprintf("(按现有趋势预计%d年为%s)", ind.TargetYear, withUnit(*res.Projected, ind.Unit))
		}
		return s + "。"
	case assess.NoTarget:
		return "目标值在规划中未公开,无法评估是否完成。"
	}
	return "暂无数据,无法评估。"
}

// formatValue writes a figure as the report does. A percentage is cut, not rounded, to one
// decimal, as the report's rates are ((538−25)/538 = 95.35% is printed 95.3%), which never
// states a rate above what it is; a rate per million people is a whole number (1584.81 is
// 1585); anything else keeps up to two decimals (84.39分, 233.77万元).
func formatValue(v float64, unit string) string {
	switch unit {
	case "%":
		v = math.Floor(v*10+1e-9) / 10
		return strconv.FormatFloat(v, 'f', -1, 64)
	case "份/百万人口":
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

func withUnit(v float64, unit string) string { return formatValue(v, unit) + unit }

// zhPeriod writes a period or range in words: 2022年, 2023年第一季度, 2024年第一季度至第三季度.
func zhPeriod(r period.Range) string {
	one := func(p period.Period) string {
		if p.Quarter == 0 {
			return strconv.Itoa(p.Year) + "年"
		}
		return strconv.Itoa(p.Year) + "年第" + []string{"一", "二", "三", "四"}[p.Quarter-1] + "季度"
	}
	if r.IsSingle() {
		return one(r.From)
	}
	if r.From.Year == r.To.Year && r.From.Quarter > 0 && r.To.Quarter > 0 {
		return one(r.From) + "至第" + []string{"一", "二", "三", "四"}[r.To.Quarter-1] + "季度"
	}
	return one(r.From) + "至" + one(r.To)
}

// textSection is 二、存在的问题 or 三、下一步工作: the text the region saved, a paragraph per
// line, or 尚未填写.
func textSection(key, number, heading string, saved *models.ReportSection) Section {
	s := Section{Key: key, Level: 1, Number: number, Heading: heading}
	if saved != nil {
		for _, line := range strings.Split(saved.Text, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				s.Paragraphs = append(s.Paragraphs, line)
			}
		}
	}
	if len(s.Paragraphs) == 0 {
		s.Paragraphs = []string{"尚未填写。"}
	}
	return s
}

// gapSection is 四、未达目标指标差距分析: for each indicator short of its target as of the
// report's period (store.Gaps: the year the assessment judges), where the shortfall lies and
// which regions below pull the total down (gap.Paragraph), one sub-section each.
func gapSection(ctx context.Context, st *store.Store, p *auth.Principal, regionCode string, asOf period.Period) (Section, error) {
	sec := Section{Key: "gaps", Level: 1, Number: "四、", Heading: "未达目标指标差距分析"}
	gaps, err := st.Gaps(ctx, p, regionCode, asOf.String())
	if err != nil {
		return sec, err
	}
	if len(gaps) == 0 {
		sec.Paragraphs = []string{"各项有目标值和数据的指标均已达到目标,无差距。"}
		return sec, nil
	}
	for i, g := range gaps {
		sec.Children = append(sec.Children, Section{Key: "gap:" + g.IndicatorCode, Level: 2,
			Number: "(" + chineseOrdinal(i+1) + ")", Heading: g.IndicatorCode + " " + g.IndicatorName,
			Paragraphs: []string{gap.Paragraph(g)}})
	}
	return sec, nil
}

// annex is 附表: the indicator table.
func (b *builder) annex() Table {
	cols := []string{"编号", "指标", "单位", "2025年目标"}
	for _, y := range b.years {
		cols = append(cols, strconv.Itoa(y.Year)+"年")
	}
	if rg, ok := b.latestRange(); ok {
		cols = append(cols, zhPeriod(rg))
	} else {
		cols = append(cols, "最新")
	}
	cols = append(cols, "评估")
	rows := b.rows
	if rows == nil {
		rows = [][]string{}
	}
	return Table{Title: "附表:主要指标进展情况", Columns: cols, Rows: rows}
}
