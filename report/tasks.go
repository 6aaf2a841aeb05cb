package report

import (
	"fmt"
	"strconv"
	"strings"

	"planapi/catalogue"
	"planapi/models"
	"planapi/store"
)

// outputWords names an output code in the report's words (累计查办案件28起, 罚没款233.77万元).
var outputWords = map[string]string{
	catalogue.OutputCases:       "查办案件",
	catalogue.OutputFines:       "罚没款",
	catalogue.OutputInspections: "检查",
	catalogue.OutputBatches:     "抽检",
	catalogue.OutputTrainees:    "培训",
	catalogue.OutputStations:    "建成站点",
	catalogue.OutputEvents:      "开展活动",
	catalogue.OutputItems:       "完成",
}

var ordinalWords = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// chineseOrdinal writes 1–99 in Chinese numerals (一, 十, 十一, 二十三); others in digits.
func chineseOrdinal(n int) string {
	switch {
	case n >= 1 && n <= len(ordinalWords):
		return ordinalWords[n-1]
	case n > 10 && n < 20:
		return "十" + ordinalWords[n-11]
	case n >= 20 && n < 100:
		s := ordinalWords[n/10-1] + "十"
		if n%10 != 0 {
			s += ordinalWords[n%10-1]
		}
		return s
	}
	return strconv.Itoa(n)
}

// tasks writes (二) 重点任务举措进展: per task and sub-task, the outputs since the plan's start
// (store.TaskRollups over the range from the start to asOf), the share of counties that
// finished, and, per measure (一是, 二是…), what the counties reported and wrote.
func (b *builder) tasks() (Section, error) {
	sec := Section{Key: "tasks", Level: 2, Number: "(二)", Heading: "重点任务举措进展"}
	rollups, err := b.st.TaskRollups(b.ctx, b.p, b.region.Code, b.sinceRange(), false)
	if err != nil {
		return Section{}, err
	}
	byTask := map[int64]*store.TaskRollup{}
	for _, t := range rollups {
		byTask[t.Task.ID] = t
	}
	narratives, err := b.st.TaskNarratives(b.ctx, b.p, b.region.Code, b.sinceRange())
	if err != nil {
		return Section{}, err
	}
	// The latest narrative of each county on each measure.
	latest := map[int64]map[string]string{}
	var order = map[int64][]string{}
	for _, n := range narratives {
		if latest[n.TaskID] == nil {
			latest[n.TaskID] = map[string]string{}
		}
		if _, ok := latest[n.TaskID][n.RegionCode]; !ok {
			order[n.TaskID] = append(order[n.TaskID], n.RegionCode)
		}
		latest[n.TaskID][n.RegionCode] = n.Narrative // oldest first: the last one wins
	}
	since := fmt.Sprintf("%d年以来", b.plan.StartYear)
	for i, t := range b.cat.TaskChildren(b.plan.ID, "") {
		ts := Section{Key: "task:" + t.Code, Level: 3, Number: strconv.Itoa(i+1) + ".", Heading: t.Title}
		subs := b.cat.TaskChildren(b.plan.ID, t.Code)
		// A node's totals are said where they add up more than one child's; with one child
		// reporting they are that child's, said there.
		if p := b.progress(byTask[t.ID], since); p != "" && b.reportingChildren(byTask, subs, since) > 1 {
			ts.Paragraphs = append(ts.Paragraphs, p)
		}
		for j, sub := range subs {
			ss := Section{Key: "task:" + sub.Code, Level: 4, Number: "(" + strconv.Itoa(j+1) + ")", Heading: sub.Title}
			measures := b.cat.TaskChildren(b.plan.ID, sub.Code)
			if p := b.progress(byTask[sub.ID], since); p != "" && b.reportingChildren(byTask, measures, since) > 1 {
				ss.Paragraphs = append(ss.Paragraphs, p)
			}
			for k, m := range measures {
				para := chineseOrdinal(k+1) + "是" + strings.TrimRight(m.Title, "。") + "。"
				if p := b.progress(byTask[m.ID], since); p != "" {
					para += p
				}
				for _, county := range order[m.ID] {
					para += latest[m.ID][county]
				}
				ss.Paragraphs = append(ss.Paragraphs, para)
			}
			ts.Children = append(ts.Children, ss)
		}
		sec.Children = append(sec.Children, ts)
	}
	return sec, nil
}

// reportingChildren counts the nodes with outputs or progress to say.
func (b *builder) reportingChildren(byTask map[int64]*store.TaskRollup, nodes []*models.Task, since string) int {
	n := 0
	for _, x := range nodes {
		if b.progress(byTask[x.ID], since) != "" {
			n++
		}
	}
	return n
}

// progress says a node's outputs since the plan's start and the share of counties that
// finished it: 2021年以来,累计查办案件28起,罚没款233.77万元;5个县区中3个已完成(60%).
func (b *builder) progress(t *store.TaskRollup, since string) string {
	if t == nil {
		return ""
	}
	var outs []string
	for _, o := range t.Outputs {
		word := outputWords[o.Code]
		if o.Code == catalogue.OutputItems {
			if name := b.singleOutputName(t.Task, o.Code); name != "" {
				word = name
			}
		}
		outs = append(outs, word+strconv.FormatFloat(o.Value, 'f', -1, 64)+o.Unit)
	}
	var s string
	if len(outs) > 0 {
		s = since + ",累计" + strings.Join(outs, ",")
	}
	if t.Expected > 0 && t.Reporting > 0 && !t.DoneWithheld {
		if s != "" {
			s += ";"
		}
		s += fmt.Sprintf("%d个县区中%d个报告了进展,%d个已完成(占%s%%)", t.Expected, t.Reporting, t.Done,
			strconv.FormatFloat(float64(int(float64(t.Done)/float64(t.Expected)*1000+0.5))/10, 'f', -1, 64))
	}
	if s == "" {
		return ""
	}
	return s + "。"
}

// singleOutputName is the catalogue name of the one output of a code below a node, if there
// is exactly one.
func (b *builder) singleOutputName(t *models.Task, code string) string {
	var names []string
	var walk func(x *models.Task)
	walk = func(x *models.Task) {
		for _, o := range b.cat.TaskOutputs(x) {
			if o.Code == code {
				names = append(names, o.Name)
			}
		}
		for _, ch := range b.cat.TaskChildren(b.plan.ID, x.Code) {
			walk(ch)
		}
	}
	walk(t)
	if len(names) == 1 {
		return names[0]
	}
	return ""
}
