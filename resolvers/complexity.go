package resolvers

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"planapi/graph"
	"planapi/graph/model"
)

// The cost model of the request budget (see server.Budget for the limit it is held to).
//
// gqlgen's complexity limit only bounds what these functions say: by default every field costs
// 1 plus its selection, whatever it returns, so a list of 500 submissions costs the same as one
// and a roll-up costs as much as a name. Here
//
//   - a list multiplies its selection by how many items it can hold: the page size asked
//     (first), the number of periods asked, or an upper bound of what the catalogue and the
//     region tree hold (the list* constants); and
//   - a field that does real work adds what that work costs: a loader batch or a roll-up
//     statement (the cost* constants), on top of the items it returns.
//
// The numbers are estimates of work, in units of "one cheap field", not promises. They are
// chosen so that every document a client of the service sends today (the tests, the
// benchmarks, the README's examples) stays well under the limit, while one that multiplies
// the work — a tree walk through children and parent, hundreds of submissions with their
// values and history, aliases of roll-ups — does not.
const (
	// Upper bounds of the lists the catalogue holds (the plan has 26 indicators in 3
	// categories, 41 data elements, 6 tasks with their sub-tasks and measures).
	listIndicators   = 30
	listCategories   = 5
	listElements     = 50
	listTasks        = 10 // top-level tasks, or a task's children
	listTaskRollups  = 60 // every task, sub-task and measure
	listTaskOutputs  = 5
	listFormulaTerms = 5
	// Upper bounds of the region tree: a region's children (a province's cities, a city's
	// counties), and what Query.regions returns for a caller.
	listChildren = 20
	listRegions  = 100
	// Rows of a submission and its trail.
	listValues       = listElements
	listMissing      = listElements
	listTaskProgress = listTaskRollups
	listHistory      = 100 // audit entries of a submission
	listValueHistory = 10  // audit entries of one value
	listFlags        = 2   // quality flags of one value
	// Rows of the status board and the dashboard: the units of a region.
	listUnits     = listChildren + 1
	listPeriods   = 20 // reporting periods
	listYearly    = 10 // yearly values of an assessment
	listCompleted = listChildren
	// The evaluation report: its headings (categories, indicators, tasks, sub-tasks), its
	// indicator entries, and the saved versions of a section.
	listReportSections = 200
	listReportHistory  = 100

	// The work of a field, on top of its items.
	costLoader  = 5   // one batch of a per-request loader (values, history, flags…)
	costFlags   = 2   // quality flags of a value: one batch computes them for the whole answer
	costRollup  = 100 // one roll-up statement over a subtree for a period (or range)
	costStatus  = 50  // the reporting status board
	costList    = 10  // a page of submissions, a list of periods
	costMutate  = 50  // a write: a transaction, its checks and its audit rows
	costDefault = 50  // Query.submissions' page size when first is not given
)

// times is n items of a selection, saturating rather than overflowing (gqlgen adds costs
// with a saturating add too, so an absurd document cannot wrap around to a small number).
func times(n, child int) int {
	if n <= 0 || child <= 0 {
		return 0
	}
	const maxInt = int(^uint(0) >> 1)
	if child > maxInt/n {
		return maxInt
	}
	return n * child
}

func plus(a, b int) int {
	const maxInt = int(^uint(0) >> 1)
	if a > maxInt-b {
		return maxInt
	}
	return a + b
}

func list(n int) func(int) int { return func(c int) int { return plus(1, times(n, c)) } }

func work(cost int) func(int) int { return func(c int) int { return plus(cost, c) } }

func workList(cost, n int) func(int) int { return func(c int) int { return plus(cost, times(n, c)) } }

// complexity sets the cost of every list and of every field that does real work.
func complexity(c *graph.ComplexityRoot) {
	q := &c.Query
	q.Regions = list(listRegions)
	q.ReportingPeriods = func(child int, _ *string) int { return workList(costList, listPeriods)(child) }
	q.Publications = func(child int, _ string) int { return workList(costList, listPeriods)(child) }
	q.Submission = func(child int, _, _ string) int { return plus(costLoader, child) }
	q.Submissions = func(child int, _, _ *string, _ *model.SubmissionStatus, first *int, _ *string) int {
		n := costDefault
		if first != nil {
			n = *first // out of 1–500 it is refused before any work; cost it as asked
		}
		return plus(costList, times(max(n, 1), child))
	}
	q.IndicatorValues = func(child int, _, _ string, codes []string, _ *bool) int {
		n := listIndicators
		if codes != nil {
			n = min(len(codes), listIndicators)
		}
		return plus(costRollup, times(max(n, 1), child))
	}
	q.Dashboard = func(child int, _, _ string, _ *bool) int { return plus(costRollup, child) }
	q.TaskRollup = func(child int, _, _ string, _ *bool) int {
		return plus(costRollup, times(listTaskRollups, child))
	}
	// The entry form: the submission, its values and missing figures, and the previous figures
	// (one statement), in one transaction.
	q.EntryForm = func(child int, _, _ string) int { return plus(costStatus, child) }
	// Each element is in one group only: the fields of all groups together are at most the
	// plan's elements, so the groups count once and the fields carry the list size.
	c.EntryForm.Groups = list(1)
	c.EntryGroup.Fields = list(listElements)
	// The evaluation report: a roll-up of every indicator over every period it reads, the
	// key-task roll-up, the narratives and the gaps (a fourth roll-up); built whole whatever is
	// selected.
	q.EvaluationReport = func(child int, _, _ string) int { return plus(4*costRollup, child) }
	c.EvaluationReport.Sections = list(listReportSections)
	c.EvaluationReport.Indicators = list(listIndicators)
	c.ReportSection.History = workList(costLoader, listReportHistory)
	q.ReportingStatus = func(child int, _, _ string) int { return plus(costStatus, times(listUnits, child)) }

	// The catalogue: in memory, but its lists multiply what is asked of each item.
	c.Plan.Categories = list(listCategories)
	c.Plan.Indicators = list(listIndicators)
	c.Plan.DataElements = list(listElements)
	c.Plan.Tasks = list(listTasks)
	c.IndicatorCategory.Indicators = list(listIndicators)
	c.Indicator.DataElements = list(listFormulaTerms * 2)
	c.Formula.Numerator = list(listFormulaTerms)
	c.Formula.Denominator = list(listFormulaTerms)
	c.Task.Children = list(listTasks)
	c.Task.Outputs = list(listTaskOutputs)

	// Roll-ups reached from an indicator: batched per request, but each distinct region and
	// period is a roll-up of its own.
	c.Indicator.Values = func(child int, _ string, periods []string, _ *bool) int {
		n := max(len(periods), 1)
		return plus(times(n, costRollup/10), times(n, child))
	}
	c.Indicator.Assessment = func(child int, _ string, _ *string) int {
		return plus(costRollup/5, child)
	}
	c.Assessment.YearlyValues = list(listYearly)
	// A gap is a roll-up of its own (the region and its children over the years up to asOf,
	// one statement), not batched with the others.
	c.Indicator.Gap = func(child int, _ string, _ *string) int { return plus(costRollup, child) }
	c.Gap.Children = list(listChildren)
	c.Dashboard.Columns = list(listChildren)
	c.Dashboard.Rows = list(listIndicators)
	c.DashboardRow.Cells = list(listChildren)
	c.Completeness.Incomplete = list(listCompleted)
	c.Completeness.Missing = list(listCompleted)
	c.TaskRollup.Outputs = list(listTaskOutputs)

	// The region tree: children multiply, and parent leads back up to them.
	c.Region.Children = list(listChildren)

	// A submission's rows: one loader batch each, and the rows they return.
	c.Submission.Values = workList(costLoader, listValues)
	c.Submission.MissingFigures = workList(costLoader, listMissing)
	c.Submission.TaskProgress = workList(costLoader, listTaskProgress)
	c.Submission.History = workList(costLoader, listHistory)
	c.Submission.ReturnReason = work(costLoader) // reads the trail through the history loader
	c.SubmissionConnection.Edges = list(1)       // Query.submissions multiplies by first
	c.TaskProgress.Outputs = list(listTaskOutputs)
	c.DataValue.History = workList(costLoader, listValueHistory)
	c.DataValue.Flags = workList(costFlags, listFlags)
	c.UnitStatus.Submission = work(costLoader)

	// Writes.
	m := &c.Mutation
	m.SaveDataValues = func(child int, _ model.SaveDataValuesInput) int { return plus(costMutate, child) }
	// Importing a workbook is a save, after reading the file.
	m.ImportWorkbook = func(child int, _ graphql.Upload, _, _ string, _ int) int { return plus(costMutate, child) }
	m.SubmitSubmission = func(child int, _, _ string, _ int) int { return plus(costMutate, child) }
	m.RecallSubmission = func(child int, _, _ string, _ int, _ *string) int { return plus(costMutate, child) }
	m.ApproveSubmission = func(child int, _, _ string, _ int, _ *string) int { return plus(costMutate, child) }
	m.ReturnSubmission = func(child int, _, _ string, _ int, _ string) int { return plus(costMutate, child) }
	m.ReopenSubmission = func(child int, _, _, _ string) int { return plus(costMutate, child) }
	m.OpenPeriod = func(child int, _ string, _ *time.Time, _ *string) int { return plus(costMutate, child) }
	m.ClosePeriod = func(child int, _ string, _ *string) int { return plus(costMutate, child) }
	// Publishing rolls up every indicator and key task of the region: a roll-up and a write.
	m.PublishPeriod = func(child int, _, _ string) int { return plus(costRollup+costMutate, child) }
	m.SaveReportSection = func(child int, _, _ string, _ model.ReportSectionKey, _ string, _ int) int {
		return plus(costMutate, child)
	}
	m.UnpublishPeriod = func(child int, _, _, _ string) int { return plus(costMutate, child) }
}
