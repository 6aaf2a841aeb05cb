package gap

import (
	"math"
	"strconv"
	"strings"

	"planapi/msg"
)

// Gap is an indicator's gap at a region for a period, with what a reader needs to say it:
// the names and units. The store fills it (store.Gaps); the report writes it (Paragraph).
type Gap struct {
	IndicatorCode string
	IndicatorName string
	Unit          string // the indicator's unit: %, 份/百万人口…
	RegionCode    string
	RegionName    string
	// Period is the year judged ("2022"), or for a cumulative indicator the running total's
	// range ("2021..2023Q1").
	Period     string
	TargetYear int
	Target     *float64
	Comparator string
	Figures
	// What the numerator change is said of: the numerator's element (药品不良反应报告数, in
	// 份), or, for a numerator "whole − part" over the whole (inspected − failed over
	// inspected), the part to cut (不合格批次): ChangeIsPart.
	ChangeName   string
	ChangeUnit   string
	ChangeIsPart bool
	// ChildrenWithheld: the caller may not see the per-child breakdown (the region is above
	// the caller's own); Children is then empty.
	ChildrenWithheld bool
	Result
}

// Note says in words why a gap has no decomposition (achieved, no target, no data, withheld,
// not published) or that its children are withheld; zero for a decomposed shortfall.
func (g *Gap) Note() msg.Text {
	switch g.Status {
	case Achieved:
		return msg.T(msg.GapAchieved, "period", periodText(g.Period), "indicator", g.IndicatorName,
			"value", amount(g.Value, g.Unit), "targetYear", strconv.Itoa(g.TargetYear), "target", amount(g.Target, g.Unit))
	case NoTarget:
		return msg.T(msg.GapNoTarget, "indicator", g.IndicatorName)
	case NoData:
		return msg.T(msg.GapNoData, "indicator", g.IndicatorName, "region", g.RegionName)
	case Withheld:
		return msg.T(msg.GapWithheld, "region", g.RegionName, "period", periodText(g.Period))
	case NotPublished:
		return msg.T(msg.GapNotPublished, "region", g.RegionName, "period", periodText(g.Period))
	}
	if g.ChildrenWithheld {
		return msg.T(msg.GapChildrenWithheld, "region", g.RegionName)
	}
	return msg.Text{}
}

// Paragraph writes the gap as one paragraph of the evaluation report, in Chinese:
//
//	2022年重点工业产品监督抽查合格率为95.6%,距2025年目标96.5%尚差0.9个百分点,需减少重点工业产品监督抽查不合格批次5批次(达标需484/501);其中南山县(93.7%,拉低0.4个百分点)最多,其次为东城区(95.8%,拉低0.3个百分点)、北河县(95.1%,拉低0.2个百分点)。
//
// A gap that is not a shortfall gives its note as a sentence.
func Paragraph(g *Gap) string { return ParagraphIn(g, msg.Zh) }

// ParagraphIn is Paragraph in language l.
func ParagraphIn(g *Gap, l msg.Lang) string {
	if g.Status != Shortfall || g.Shortfall == nil {
		return g.Note().In(l) + fullStop(l)
	}
	lower := Target{Comparator: g.Comparator}.sign() < 0
	if g.Comparator == "EQ" && g.Value != nil && g.Target != nil {
		lower = *g.Value > *g.Target // missed from above: an excess, as Decompose measures it
	}
	short := g.inUnit(*g.Shortfall, l)
	key := msg.GapParaShort
	if lower {
		key = msg.GapParaExcess
	}
	var b strings.Builder
	b.WriteString(msg.T(key, "period", periodTextIn(g.Period, l), "indicator", g.IndicatorName, "value", amount(g.Value, g.Unit),
		"targetYear", strconv.Itoa(g.TargetYear), "target", amount(g.Target, g.Unit), "shortfall", short).In(l))
	if c := g.NumeratorChange; c != nil && *c != 0 && g.ChangeName != "" {
		change := number(math.Abs(*c), "") + g.ChangeUnit
		ratio := g.Denominator != nil && g.RequiredNumerator != nil
		args := []any{"what", g.ChangeName, "change", change}
		if ratio {
			args = append(args, "required", number(*g.RequiredNumerator, ""), "denominator", number(*g.Denominator, ""))
		}
		var k msg.Key
		switch {
		case g.ChangeIsPart && ratio:
			k = msg.GapParaCutPart // the numerator grows as the part is cut
		case *c > 0 && ratio:
			k = msg.GapParaAdd
		case *c > 0:
			k = msg.GapParaAddSum
		default:
			k = msg.GapParaCut
		}
		b.WriteString(msg.T(k, args...).In(l))
	}
	if g.ChildrenWithheld {
		b.WriteString(msg.T(msg.GapParaChildrenWithheld).In(l))
	} else {
		var named []msg.Text
		for _, c := range g.Children {
			if c.Contribution == nil || *c.Contribution <= 0 || len(named) == 3 {
				continue
			}
			named = append(named, msg.T(msg.GapParaChild, "name", c.Name, "value", amount(c.Value, g.Unit), "contribution", g.inUnit(*c.Contribution, l)))
		}
		if len(named) > 0 {
			b.WriteString(msg.T(msg.GapParaLeader, "child", named[0]).In(l))
		}
		if len(named) > 1 {
			b.WriteString(msg.T(msg.GapParaOthers, "children", named[1:]).In(l))
		}
	}
	b.WriteString(fullStop(l))
	return b.String()
}

// number writes a figure as the report does: whole numbers from 100 (1585), one decimal for
// a percentage (95.6, 0.9 points), two otherwise (15.19, 0.05); trailing zeros dropped, and
// two significant digits where that would round a figure that is not zero to 0.
func number(x float64, unit string) string {
	d := 2
	switch {
	case math.Abs(x) >= 100:
		d = 0
	case unit == "%":
		d = 1
	}
	s := trim(strconv.FormatFloat(x, 'f', d, 64))
	if s == "0" && x != 0 {
		s = trim(strconv.FormatFloat(x, 'g', 2, 64))
	}
	return s
}

func trim(s string) string {
	if strings.Contains(s, ".") && !strings.ContainsAny(s, "eE") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// amount is a figure with its unit (95.6%, 1585份/百万人口); empty for none.
func amount(x *float64, unit string) string {
	if x == nil {
		return ""
	}
	return number(*x, unit) + unit
}

// inUnit writes a difference in the indicator's unit: percentage points for a percentage
// (0.9个百分点), else the unit (15.19份/百万人口).
func (g *Gap) inUnit(x float64, l msg.Lang) string {
	if g.Unit == "%" {
		return msg.T(msg.GapPercentPoints, "value", number(x, g.Unit)).In(l)
	}
	return amount(&x, g.Unit)
}

func periodText(label string) string { return periodTextIn(label, msg.Zh) }

// periodTextIn writes a period or range label in words: 2022年, 2023年第一季度,
// 2021年至2023年第一季度 (English keeps the label).
func periodTextIn(label string, l msg.Lang) string {
	if l == msg.En {
		return label
	}
	if from, to, ok := strings.Cut(label, ".."); ok {
		return periodTextIn(from, l) + "至" + periodTextIn(to, l)
	}
	y, q, ok := strings.Cut(label, "Q")
	if !ok {
		return label + "年"
	}
	n, _ := strconv.Atoi(q)
	if n < 1 || n > 4 {
		return label
	}
	return y + "年第" + []string{"一", "二", "三", "四"}[n-1] + "季度"
}

// fullStop ends a paragraph: 。 in Chinese.
func fullStop(l msg.Lang) string {
	if l == msg.En {
		return "."
	}
	return "。"
}
