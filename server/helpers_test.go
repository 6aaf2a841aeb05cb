package server_test

import (
	"context"
	"fmt"
	"testing"

	"planapi/auth"
	"planapi/models"
	"planapi/setup"
	"planapi/testenv"
)

// MustAddOtherCity adds a second city, 419800 YY市, under the demo province with n counties
// (419801…), and reloads the region snapshot.
func MustAddOtherCity(tb testing.TB, e *testenv.Env, n int) {
	tb.Helper()
	prov, other := "410000", "419800"
	regions := []models.Region{{Code: other, Name: "YY市", Level: "CITY", ParentCode: &prov}}
	for i := 1; i <= n; i++ {
		regions = append(regions, models.Region{Code: fmt.Sprintf("4198%02d", i), Name: fmt.Sprintf("YY%d县", i), Level: "COUNTY", ParentCode: &other})
	}
	ctx := context.Background()
	if err := setup.UpsertRegions(ctx, e.Owner, regions); err != nil {
		tb.Fatal(err)
	}
	if err := e.Cache.Reload(ctx, e.DB); err != nil {
		tb.Fatal(err)
	}
}

// MustInsertSubmission stores a yearly submission with values directly as the owner, past the
// service's rules, and returns its id.
func MustInsertSubmission(tb testing.TB, e *testenv.Env, region, period, status string, values map[string]float64) int64 {
	tb.Helper()
	r := e.Cache.Regions().Get(region)
	var id int64
	if err := e.Owner.Raw(`INSERT INTO submissions (plan_id, region_code, region_path, period, period_year, period_quarter, status, version, updated_by)
		VALUES ((SELECT id FROM plans LIMIT 1), ?, ?, ?, ?, 0, ?, 1, 'test') RETURNING id`, region, r.Path, period, period, status).Scan(&id).Error; err != nil {
		tb.Fatalf("insert submission: %v", err)
	}
	for code, v := range values {
		if err := e.Owner.Exec(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
			VALUES (?, (SELECT id FROM data_elements WHERE code = ?), ?, ?, 'test')`, id, code, r.Path, v).Error; err != nil {
			tb.Fatalf("insert value %s: %v", code, err)
		}
	}
	return id
}

// MustDeclareRestMissing declares, directly as the owner, every figure required of the region's
// submission for the period that it neither has nor declared, so that a test about something
// else can submit a partly filled submission. It changes neither the version nor the audit trail.
func MustDeclareRestMissing(tb testing.TB, e *testenv.Env, region, period string) {
	tb.Helper()
	err := e.Owner.Exec(`INSERT INTO missing_values (submission_id, element_id, region_path, reason, updated_by)
		SELECT s.id, de.id, s.region_path, '测试:本期无此数据', 'test'
		FROM submissions s
		JOIN regions r ON r.code = s.region_code
		JOIN data_elements de ON de.plan_id = s.plan_id AND de.collected_at = r.level AND de.required AND NOT de.retired
			AND (CASE WHEN s.period_quarter = 0 THEN 'YEARLY' ELSE 'QUARTERLY' END) = ANY (de.period_types)
		WHERE s.region_code = ? AND s.period = ?
			AND NOT EXISTS (SELECT 1 FROM data_values v WHERE v.submission_id = s.id AND v.element_id = de.id)
		ON CONFLICT DO NOTHING`, region, period).Error
	if err != nil {
		tb.Fatalf("declare missing %s %s: %v", region, period, err)
	}
}

// MustPublish publishes a region's totals for a period as its admin, so that the regions
// below it read them.
func MustPublish(tb testing.TB, e *testenv.Env, region, period string) {
	tb.Helper()
	var out map[string]any
	e.MustOK(tb, e.Token(tb, region, auth.RoleAdmin), `mutation($r: String!, $p: String!) { publishPeriod(regionCode: $r, period: $p) { version } }`,
		map[string]any{"r": region, "p": period}, &out)
}
