package bench

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"planapi/pgcluster/pgtest"
)

// The subtree reads under row-level security: a region's subtree asked with LIKE 'path%' is
// applied only after the policy (LIKE is not leakproof), row by row over every submission in
// the country; the byte-order range (~>=~, ~<~) reaches an index first.

var (
	taskReportsOnce sync.Once
	taskReportsErr  error
)

// withTaskReports gives the national data set key-task progress (nationalgen writes none):
// every county submission reports on about a sixth of the measures, with outputs, one of the
// three statuses and, for a third of them, a narrative. Once per test binary, after the
// benchmarks that do not read task reports (this file's run last).
func withTaskReports(b *testing.B) *env {
	b.Helper()
	e := national(b)
	taskReportsOnce.Do(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, pgtest.Server(b).DSN("planapi_bench"))
		if err != nil {
			taskReportsErr = err
			return
		}
		defer conn.Close(ctx)
		t := time.Now()
		// h: a fixed pseudo-random number per (submission, measure), which picks the measures
		// reported, the status, whether there is a narrative and the figures.
		tag, err := conn.Exec(ctx, `INSERT INTO task_reports (submission_id, task_id, region_path, status, narrative, outputs, updated_by)
			SELECT s.id, t.id, s.region_path,
				(ARRAY['NOT_STARTED', 'IN_PROGRESS', 'DONE'])[1 + (x.h / 6) % 3],
				CASE WHEN (x.h / 18) % 3 = 0 THEN s.region_code || '在' || s.period || '推进了' || t.code || '。' ELSE '' END,
				(SELECT coalesce(jsonb_object_agg(e.v->>'key', 1 + (x.h / 54 + e.n) % 40), '{}')
				 FROM jsonb_array_elements(t.outputs) WITH ORDINALITY e(v, n)),
				'bench'
			FROM submissions s
			JOIN regions r ON r.code = s.region_code AND r.level = 'COUNTY'
			JOIN tasks t ON t.plan_id = s.plan_id AND t.level = 3 AND NOT t.retired
			CROSS JOIN LATERAL (SELECT hashint8(s.id * 1000 + t.id)::bigint & 2147483647 AS h) x
			WHERE x.h % 6 = 0`)
		if err != nil {
			taskReportsErr = err
			return
		}
		if _, err := conn.Exec(ctx, `ANALYZE task_reports`); err != nil {
			taskReportsErr = err
			return
		}
		b.Logf("task reports: %d in %v", tag.RowsAffected(), time.Since(t).Round(time.Millisecond))
	})
	if taskReportsErr != nil {
		b.Fatalf("task reports: %v", taskReportsErr)
	}
	return e
}

// BenchmarkCityTaskRollup is a city's key-task roll-up for one year (store/taskrollup.sql).
func BenchmarkCityTaskRollup(b *testing.B) {
	e := withTaskReports(b)
	e.run(b, "110100", `query { taskRollup(regionCode: "110100", period: "2023") { task { code } outputs { code unit value } expected reporting done } }`)
}

// BenchmarkCityTaskRollupSince is the same over 2021..2023, the range the evaluation report
// asks as of 2023: a county's year counted once, from its yearly submission or its quarters.
func BenchmarkCityTaskRollupSince(b *testing.B) {
	e := withTaskReports(b)
	e.run(b, "110100", `query { taskRollup(regionCode: "110100", period: "2021..2023") { task { code } outputs { code unit value } expected reporting done } }`)
}

// BenchmarkCityEvaluationReport is a city's evaluation report as of 2023: among its
// statements the task roll-up over 2021..2023 and the counties' narratives
// (store.TaskNarratives).
func BenchmarkCityEvaluationReport(b *testing.B) {
	e := withTaskReports(b)
	e.run(b, "110100", `query { evaluationReport(regionCode: "110100", asOf: "2023") { title sections { key paragraphs } indicators { code } } }`)
}

// BenchmarkProvinceReportingPeriods is a province's reporting periods: those of its cities,
// found by subtree (store.Periods; a city's own are found by its code).
func BenchmarkProvinceReportingPeriods(b *testing.B) {
	e := national(b)
	e.run(b, "110000", `query { reportingPeriods { region { code } period open } }`)
}

// BenchmarkCityReportingStatusFlags is the city's status board with each unit's quality
// flags: the peer statistics (store/quality_peers.sql) over the city's submissions.
func BenchmarkCityReportingStatusFlags(b *testing.B) {
	e := national(b)
	e.run(b, "110100", `query { reportingStatus(regionCode: "110100", period: "2023") { region { code } status flags } }`)
}
