package assess

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The Chinese explanation, sentence for sentence the English one (assess.go), in the words
// the evaluation report uses for its verdicts.

// both adds what the two languages share to each: the as-of period and the years left out for
// incomplete figures.
func (e explainer) both(zh, en string) (string, string) {
	if l := e.in.AsOfLabel; l != "" {
		zh = "截至" + zhPeriod(l) + ":" + zh
		en = "As of " + l + ": " + en
	}
	for _, y := range e.in.Incomplete {
		v := ""
		if y.Value != nil {
			v = "(" + num(*y.Value) + ")"
		}
		zh += fmt.Sprintf("%d年数据不完整%s:应报%d个单位,已计入%d个,未作为全年数据评估。", y.Year, v, y.Expected, y.Approved)
		en += fmt.Sprintf(" %d is not judged as a full year: the figures of %d of %d units are in it.", y.Year, y.Approved, y.Expected)
	}
	return zh, en
}

// zhPeriod writes a period or range label in words: 2022年, 2023年第一季度,
// 2021年至2023年第一季度.
func zhPeriod(label string) string {
	if from, to, ok := strings.Cut(label, ".."); ok {
		return zhPeriod(from) + "至" + zhPeriod(to)
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

func (e explainer) targetZH() string {
	return fmt.Sprintf("%d年目标 %s %s", e.in.TargetYear, symbols[e.comparator], num(*e.in.Target))
}

func (e explainer) valueZH() string {
	if e.in.Cumulative {
		l := e.current.label()
		if _, to, ok := strings.Cut(l, ".."); ok {
			l = to
		}
		return fmt.Sprintf("%d年以来累计%s(截至%s)", e.in.BaseYear, num(e.current.Value), zhPeriod(l))
	}
	return zhPeriod(e.current.label()) + "为" + num(e.current.Value)
}

func (e explainer) projectionZH() string {
	p := e.res.Projected
	if p == nil {
		return ""
	}
	s := fmt.Sprintf(";按现有趋势预计%d年为%s", e.in.TargetYear, num(*p))
	switch {
	case e.clamp == 100:
		s += "(以100为上限)"
	case e.clamp == 0:
		s += "(以0为下限)"
	}
	return s
}

func (e explainer) partialNoteZH() string {
	if e.partial == nil {
		return ""
	}
	return fmt.Sprintf(";%s为%s,系非全年数据,未用于评估", zhPeriod(e.partial.label()), num(e.partial.Value))
}

func (e explainer) noTargetZH() string {
	s := "目标值未公开,无法评估"
	if e.in.Target != nil {
		s = "目标未设年份,无法评估"
	}
	if e.current != nil {
		s += ";" + e.valueZH()
		if e.in.Target == nil {
			s += e.projectionZH()
		}
		s += e.partialNoteZH()
	}
	return s + "。"
}

func (e explainer) noDataZH() string {
	return fmt.Sprintf("暂无数据,无法评估(%s)。", e.targetZH())
}

func (e explainer) achievedZH() string {
	return fmt.Sprintf("已完成既定目标:%s,%s%s。", e.valueZH(), e.targetZH(), e.partialNoteZH())
}

func (e explainer) noTrendZH(partialOnly bool) string {
	why := "仅有一年数据,无法判断趋势"
	if partialOnly {
		why = "尚无全年数据,仅一个数值无法判断趋势"
	}
	return fmt.Sprintf("无法预期:%s,%s,%s。", e.valueZH(), e.targetZH(), why)
}

func (e explainer) passedZH(first Point) string {
	lead := "未完成既定目标"
	if e.res.Status == Deteriorating {
		lead = "未完成既定目标,且偏离目标"
	}
	return fmt.Sprintf("%s:%s,%s,目标年份已过;%s%s%s。",
		lead, e.valueZH(), e.targetZH(), changeZH(*e.res.ActualPerYear, first.Year), e.projectionZH(), e.partialNoteZH())
}

func (e explainer) trendZH(first Point, dir float64) string {
	lead := map[Status]string{
		OnTrack:           fmt.Sprintf("预计到%d年可完成", e.in.TargetYear),
		NeedsAcceleration: "需加快进度",
		AtRisk:            "存在较大差距",
		Deteriorating:     "存在较大差距,且偏离目标",
	}[e.res.Status]
	actual := *e.res.ActualPerYear
	needed := *e.res.NeededPerYear
	var need string
	switch {
	case num(needed) == "0":
		need = "任何增长即可达到"
		if dir < 0 {
			need = "任何下降即可达到"
		}
	case needed > 0:
		need = "尚需年均增长" + num(needed)
	default:
		need = "尚需年均下降" + num(-needed)
	}
	return fmt.Sprintf("%s:%s,%s;%s,%s%s%s。",
		lead, e.valueZH(), e.targetZH(), changeZH(actual, first.Year), need, e.projectionZH(), e.partialNoteZH())
}

func changeZH(perYear float64, since int) string {
	switch {
	case num(perYear) == "0":
		return fmt.Sprintf("%d年以来无变化", since)
	case perYear > 0:
		return fmt.Sprintf("%d年以来年均增长%s", since, num(perYear))
	default:
		return fmt.Sprintf("%d年以来年均下降%s", since, num(math.Abs(perYear)))
	}
}
