// Package report is the plan's mid-term evaluation report as data: the structure of the seed
// report (../shared/seed, DOMAIN.md), built from approved figures as of a period (Build), and
// rendered as a Word document, printable HTML and the annex table in Excel (render files).
//
// The Report value is the contract between the builder and the renderers: a renderer reads only
// these types, never the store.
package report

// Report is one evaluation report of a region as of a period.
type Report struct {
	// RegionCode and RegionName: the region the report is about (the city).
	RegionCode string
	RegionName string
	// AsOf is the period the report is made as of ("2023Q1"); AsOfText says it in words
	// ("截至2023年第一季度").
	AsOf     string
	AsOfText string
	// Title: "<城市名>市场监管现代化“十四五”规划中期评估报告".
	Title string
	// Sections in reading order: 一、规划实施总体进展情况 (with (一) 主要指标进展情况 and (二) 重点任务举措进展
	// as children), 二、存在的问题, 三、下一步工作, and 四、未达目标指标差距分析 (the gaps).
	Sections []Section
	// Annex is 附表: the indicator table.
	Annex Table
	// Indicators are the indicator paragraphs of (一) 主要指标进展情况 as structured entries,
	// in plan order (added for the GraphQL query and the gap section; renderers need not read
	// them: the same paragraphs are in Sections).
	Indicators []IndicatorEntry
}

// IndicatorEntry is one indicator's paragraph and verdict.
type IndicatorEntry struct {
	Code, Name, Unit string
	// Category is the indicator's category name (市场活力指标…).
	Category string
	// Status is the assessment's status as of the report's period (ACHIEVED, ON_TRACK,
	// NEEDS_ACCELERATION, AT_RISK, DETERIORATING, NO_DATA, NO_TARGET); Verdict says it in the
	// report's words (已完成既定目标…).
	Status, Verdict string
	// Paragraph is the indicator's paragraph as the report prints it, without its number.
	Paragraph string
}

// Section is a heading with its paragraphs and sub-sections.
type Section struct {
	// Key is a stable English identifier ("progress", "indicators", "tasks", "problems",
	// "nextSteps", "gaps", or "indicator:2.10", "task:1", "task:1.2", "category:1").
	Key string
	// Level is the heading's depth: 1 for 一、, 2 for (一), 3 for 1. / (1), 4 below.
	Level int
	// Number is the heading's numbering as printed ("一、", "(一)", "1.", "(1)"); may be empty.
	Number string
	// Heading is the heading's text without its number.
	Heading string
	// Paragraphs are the section's body text, each one paragraph, before its children.
	Paragraphs []string
	Children   []Section
}

// Table is a table with a header row.
type Table struct {
	Title   string
	Columns []string
	Rows    [][]string
}
