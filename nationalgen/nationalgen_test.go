package nationalgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"planapi/catalogue"
	"planapi/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var small = Options{Provinces: 2, CitiesPerProvince: 2, CountiesPerCity: 3, Years: []int{2021, 2022}, Seed: 42}

func planCode(t *testing.T) (*catalogue.Plan, string) {
	t.Helper()
	plan, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	return plan, plan.Code
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// generated restricts a query to the generated regions: the demo tree lives under 410000.
const generated = `NOT (%s LIKE '410000/%%')`

func TestLayoutDefaults(t *testing.T) {
	l, err := planLayout(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l.provinces != 31 || l.cities != 333 || l.counties != 2844 || len(l.regions) != 31+333+2844 {
		t.Fatalf("got %d provinces, %d cities, %d counties (%d regions); want 31/333/2844",
			l.provinces, l.cities, l.counties, len(l.regions))
	}
	seen := map[string]region{}
	children := map[string]int{}
	for _, r := range l.regions {
		if _, dup := seen[r.code]; dup {
			t.Fatalf("duplicate code %s", r.code)
		}
		if strings.HasPrefix(r.code, "41") {
			t.Fatalf("code %s may collide with the demo tree", r.code)
		}
		if r.parent != "" {
			p, ok := seen[r.parent]
			if !ok {
				t.Fatalf("%s comes before its parent %s", r.code, r.parent)
			}
			if r.path != p.path+r.code+"/" {
				t.Fatalf("%s: path %s, parent path %s", r.code, r.path, p.path)
			}
			children[r.parent]++
		}
		seen[r.code] = r
	}
	lo, hi := 1000, 0
	for _, r := range l.regions {
		if r.level == "CITY" {
			lo, hi = min(lo, children[r.code]), max(hi, children[r.code])
		}
	}
	if lo < 1 || hi > 99 || lo == hi {
		t.Errorf("counties per city range %d..%d: want an uneven spread within 1..99", lo, hi)
	}
	t.Logf("counties per city: %d..%d", lo, hi)
}

func TestLayoutRefusesBadShapes(t *testing.T) {
	for _, o := range []Options{{Provinces: 34}, {Provinces: -1}, {CitiesPerProvince: 100}, {CountiesPerCity: -2}} {
		if _, err := planLayout(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := checkYears([]int{2021, 2021}); err == nil {
		t.Error("duplicate year: no error")
	}
	if _, err := checkYears([]int{}); err == nil {
		t.Error("no years: no error")
	}
}

func TestGenerateSmall(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t)
	plan, code := planCode(t)
	conn := connect(t, e.OwnerDSN)

	var demoSubs, demoValues int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM data_values)`).Scan(&demoSubs, &demoValues); err != nil {
		t.Fatal(err)
	}

	res, err := Generate(ctx, e.OwnerDSN, code, Options{
		Provinces: small.Provinces, CitiesPerProvince: small.CitiesPerProvince, CountiesPerCity: small.CountiesPerCity,
		Years: small.Years, Seed: small.Seed, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)

	// What the catalogue says each kind of submission holds.
	expect := map[string]map[catalogue.PeriodType][]string{}
	rules := map[string]catalogue.ElementRules{}
	for _, de := range plan.DataElements {
		rules[de.Code] = catalogue.RulesOf(de)
		lv := string(de.CollectedAt)
		if expect[lv] == nil {
			expect[lv] = map[catalogue.PeriodType][]string{}
		}
		for _, pt := range de.PeriodTypes {
			expect[lv][pt] = append(expect[lv][pt], de.Code)
		}
	}
	const periods = 2 * 5
	wantValues := 12*(len(expect["COUNTY"][catalogue.Yearly])*2+len(expect["COUNTY"][catalogue.Quarterly])*8) +
		4*(len(expect["CITY"][catalogue.Yearly])*2+len(expect["CITY"][catalogue.Quarterly])*8)
	if res.Provinces != 2 || res.Cities != 4 || res.Counties != 12 || res.Submissions != 16*periods || res.Values != wantValues {
		t.Fatalf("result %+v: want 2/4/12 regions, %d submissions, %d values", res, 16*periods, wantValues)
	}

	// Regions by level, and their paths and parents.
	levels := map[string]int{}
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT level, count(*) FROM regions WHERE `+generated+` GROUP BY level`, "path"))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var lv string
		var n int
		if err := rows.Scan(&lv, &n); err != nil {
			t.Fatal(err)
		}
		levels[lv] = n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if levels["PROVINCE"] != 2 || levels["CITY"] != 4 || levels["COUNTY"] != 12 || len(levels) != 3 {
		t.Errorf("regions by level: %v", levels)
	}
	var bad int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM regions c LEFT JOIN regions p ON p.code = c.parent_code
		WHERE c.path <> coalesce(p.path, '') || c.code || '/'
		   OR (c.level = 'PROVINCE') <> (p.code IS NULL)
		   OR (c.level = 'CITY' AND p.level <> 'PROVINCE')
		   OR (c.level = 'COUNTY' AND p.level <> 'CITY')`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d regions with a wrong path, parent or level", bad)
	}

	// Submissions: one per region with elements and period, approved, consistent with its region.
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM submissions s JOIN regions r ON r.code = s.region_code
		WHERE s.updated_by = 'nationalgen' AND (s.region_path <> r.path OR s.status <> 'APPROVED' OR s.version <> 1
		   OR s.period <> s.period_year::text || CASE WHEN s.period_quarter = 0 THEN '' ELSE 'Q' || s.period_quarter END
		   OR r.level = 'PROVINCE' OR s.plan_id <> (SELECT id FROM plans WHERE code = $1))`, code).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d inconsistent submissions", bad)
	}
	if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (
			SELECT r.code, count(s.id) AS n, count(DISTINCT s.period) AS d,
			       string_agg(s.period, ',' ORDER BY s.period) AS ps
			FROM regions r LEFT JOIN submissions s ON s.region_code = r.code
			WHERE r.level <> 'PROVINCE' AND `+generated+` GROUP BY r.code) x
		WHERE n <> %d OR d <> %d OR ps <> '2021,2021Q1,2021Q2,2021Q3,2021Q4,2022,2022Q1,2022Q2,2022Q3,2022Q4'`, "r.path", periods, periods)).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d regions without exactly one submission per period", bad)
	}
	var subs, values int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM data_values)`).Scan(&subs, &values); err != nil {
		t.Fatal(err)
	}
	if subs != demoSubs+res.Submissions || values != demoValues+res.Values {
		t.Errorf("tables hold %d submissions and %d values, want %d and %d", subs, values, demoSubs+res.Submissions, demoValues+res.Values)
	}
	// Referential integrity (the load may skip the checks).
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM data_values v
		LEFT JOIN submissions s ON s.id = v.submission_id LEFT JOIN data_elements e ON e.id = v.element_id
		WHERE s.id IS NULL OR e.id IS NULL OR v.region_path <> s.region_path OR e.plan_id <> s.plan_id`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d data values with a dangling or inconsistent reference", bad)
	}

	// Every value valid, every submission holding exactly what the catalogue collects.
	type key struct{ region, period string }
	type sub struct {
		level  catalogue.Level
		values map[string]float64
	}
	subsByKey := map[key]*sub{}
	rows, err = conn.Query(ctx, `SELECT r.code, r.level, s.period, e.code, v.value
		FROM data_values v JOIN submissions s ON s.id = v.submission_id
		JOIN regions r ON r.code = s.region_code JOIN data_elements e ON e.id = v.element_id
		WHERE s.updated_by = 'nationalgen'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var rc, lv, per, ec string
		var v float64
		if err := rows.Scan(&rc, &lv, &per, &ec, &v); err != nil {
			t.Fatal(err)
		}
		k := key{rc, per}
		s := subsByKey[k]
		if s == nil {
			s = &sub{level: catalogue.Level(lv), values: map[string]float64{}}
			subsByKey[k] = s
		}
		s.values[ec] = v
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if len(subsByKey) != res.Submissions {
		t.Errorf("%d submissions hold values, want %d", len(subsByKey), res.Submissions)
	}
	violations := 0
	for k, s := range subsByKey {
		pt := catalogue.Yearly
		if strings.Contains(k.period, "Q") {
			pt = catalogue.Quarterly
		}
		want := expect[string(s.level)][pt]
		if len(s.values) != len(want) {
			t.Errorf("%s %s: %d values, want %d", k.region, k.period, len(s.values), len(want))
		}
		for _, c := range want {
			if _, ok := s.values[c]; !ok {
				t.Errorf("%s %s: no %s", k.region, k.period, c)
			}
		}
		for c, v := range s.values {
			for _, viol := range catalogue.CheckValue(rules[c], s.level, pt, k.period, v) {
				if violations++; violations < 20 {
					t.Errorf("%s %s: %v", k.region, k.period, viol)
				}
			}
		}
		for _, viol := range catalogue.CheckParts(rules, s.values) {
			if violations++; violations < 20 {
				t.Errorf("%s %s: %v", k.region, k.period, viol)
			}
		}
		if s.level == catalogue.County {
			if p := s.values["RESIDENT_POPULATION"]; p < 100000 || p > 2000000 {
				t.Errorf("%s %s: population %v", k.region, k.period, p)
			}
		}
	}

	// Time consistency: quarterly flows add up to the year, a stock's year is its Q4.
	for k, s := range subsByKey {
		if strings.Contains(k.period, "Q") {
			continue
		}
		for c, v := range s.values {
			de, _ := plan.DataElement(c)
			if !containsPT(de.PeriodTypes, catalogue.Quarterly) {
				continue
			}
			q := func(i int) float64 { return subsByKey[key{k.region, fmt.Sprintf("%sQ%d", k.period, i)}].values[c] }
			switch de.Aggregation.Time {
			case catalogue.TimeSum:
				if sum := q(1) + q(2) + q(3) + q(4); math.Abs(sum-v) > 1e-9 {
					t.Errorf("%s %s %s: quarters add up to %v, year %v", k.region, k.period, c, sum, v)
				}
			case catalogue.TimeLast:
				if q(4) != v {
					t.Errorf("%s %s %s: Q4 %v, year %v", k.region, k.period, c, q(4), v)
				}
			}
		}
	}
	// Every county inspects some industrial product batches every year.
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM data_values v JOIN submissions s ON s.id = v.submission_id
		JOIN data_elements e ON e.id = v.element_id
		WHERE s.updated_by = 'nationalgen' AND e.code = 'IP_BATCHES_INSPECTED' AND s.period_quarter = 0 AND v.value = 0`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d county-years without an inspected batch", bad)
	}

	// A second run refuses and changes nothing.
	_, err = Generate(ctx, e.OwnerDSN, code, small)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second Generate: %v, want ErrExists", err)
	}
	t.Logf("second run: %v", err)
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM data_values)`).Scan(&subs, &values); err != nil {
		t.Fatal(err)
	}
	if subs != demoSubs+res.Submissions || values != demoValues+res.Values {
		t.Errorf("after the refused run: %d submissions, %d values", subs, values)
	}
}

func containsPT(pts []catalogue.PeriodType, pt catalogue.PeriodType) bool {
	for _, p := range pts {
		if p == pt {
			return true
		}
	}
	return false
}

// checksum digests the generated figures by region, period and element code, so databases
// with different ids compare equal.
func checksum(t *testing.T, dsn string) string {
	t.Helper()
	var sum string
	err := connect(t, dsn).QueryRow(context.Background(), `SELECT md5(string_agg(s.region_code || ' ' || s.period || ' ' || e.code || '=' || v.value::text, ','
			ORDER BY s.region_code, s.period, e.code))
		FROM data_values v JOIN submissions s ON s.id = v.submission_id JOIN data_elements e ON e.id = v.element_id
		WHERE s.updated_by = 'nationalgen'`).Scan(&sum)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	_, code := planCode(t)
	var sums []string
	for _, seed := range []int64{7, 7, 8} {
		e := testenv.New(t)
		o := small
		o.Seed = seed
		if _, err := Generate(ctx, e.OwnerDSN, code, o); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, checksum(t, e.OwnerDSN))
	}
	if sums[0] != sums[1] {
		t.Errorf("same seed, different figures: %s vs %s", sums[0], sums[1])
	}
	if sums[0] == sums[2] {
		t.Errorf("seeds 7 and 8 give the same figures")
	}
}

func TestNoQuarters(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t)
	_, code := planCode(t)
	o := small
	o.NoQuarters = true
	o.Years = []int{2023}
	res, err := Generate(ctx, e.OwnerDSN, code, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Submissions != 16 {
		t.Errorf("%d submissions, want 16", res.Submissions)
	}
}

func TestRefusesUnknownPlanAndRLSRole(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t)
	if _, err := Generate(ctx, e.OwnerDSN, "NO_SUCH_PLAN", small); err == nil || !strings.Contains(err.Error(), "NO_SUCH_PLAN") {
		t.Errorf("unknown plan: %v", err)
	}
	conn := connect(t, e.OwnerDSN)
	if err := checkPrivileges(ctx, conn); err != nil {
		t.Fatalf("superuser refused: %v", err)
	}
	if _, err := conn.Exec(ctx, `SET ROLE planapi_app`); err != nil {
		t.Fatal(err)
	}
	err := checkPrivileges(ctx, conn)
	if err == nil || !strings.Contains(err.Error(), "BYPASSRLS") {
		t.Errorf("planapi_app: %v, want a BYPASSRLS error", err)
	}
	t.Logf("planapi_app: %v", err)
}

// TestFull generates the whole default data set. It runs only with NATIONALGEN_FULL=1 and
// without -short: go test -run TestFull -v ./nationalgen/ with NATIONALGEN_FULL=1.
func TestFull(t *testing.T) {
	if testing.Short() || os.Getenv("NATIONALGEN_FULL") != "1" {
		t.Skip("set NATIONALGEN_FULL=1 (and no -short) to generate the full national data set")
	}
	ctx := context.Background()
	e := testenv.New(t)
	_, code := planCode(t)
	res, err := Generate(ctx, e.OwnerDSN, code, Options{Seed: 1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("full data set: %d provinces, %d cities, %d counties, %d submissions, %d values in %v",
		res.Provinces, res.Cities, res.Counties, res.Submissions, res.Values, res.Took)
	if res.Provinces != 31 || res.Cities != 333 || res.Counties != 2844 || res.Submissions != (333+2844)*25 {
		t.Errorf("result %+v", res)
	}
	var n int
	if err := connect(t, e.OwnerDSN).QueryRow(ctx, `SELECT count(*) FROM data_values WHERE updated_by = 'nationalgen'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != res.Values {
		t.Errorf("%d values in the table, result says %d", n, res.Values)
	}
}

// TestGenericElements runs the model on elements the profile table does not know, at both
// levels, including a flow that is part of a stock and a chain of parts: every figure must
// still be valid and no part may exceed its whole.
func TestGenericElements(t *testing.T) {
	mk := func(code, vt, level, time, partOf string) element {
		return element{code: code, valueType: vt, level: level, timeRule: time, partOf: partOf, yearly: true, quarterly: true, hash: hashString(code)}
	}
	for _, level := range []string{"COUNTY", "CITY"} {
		le := &levelElements{els: []element{
			mk("GEN_PART_OF_PART", "COUNT", level, "SUM", "GEN_PART_FLOW"),
			mk("GEN_PART_FLOW", "COUNT", level, "SUM", "GEN_STOCK"),
			mk("GEN_STOCK", "COUNT", level, "LAST", ""),
			mk("GEN_PART_STOCK", "NUMBER", level, "AVERAGE", "GEN_STOCK"),
			mk("GEN_PERCENT", "PERCENT", level, "AVERAGE", ""),
			mk("GEN_SCORE", "SCORE", level, "LAST", ""),
			mk("GEN_FLOW", "NUMBER", level, "SUM", ""),
			mk("RI_ENTITIES_CHECKED", "COUNT", level, "SUM", ""), // a known part without its whole
		}}
		le.resolve()
		sim := newSimulator(3, 5, le.els, le.order)
		for i := 0; i < 300; i++ {
			sim.run(fmt.Sprintf("%06d", i), level)
			for k, e := range le.els {
				for slot, v := range sim.vals[k] {
					if math.IsNaN(v) || v < 0 || (e.valueType == "COUNT" && v != math.Trunc(v)) ||
						((e.valueType == "PERCENT" || e.valueType == "SCORE") && v > 100) {
						t.Fatalf("%s %s slot %d: %v", level, e.code, slot, v)
					}
					if e.whole >= 0 && v > sim.vals[e.whole][slot] {
						t.Fatalf("%s %s slot %d: %v exceeds %s = %v", level, e.code, slot, v, e.partOf, sim.vals[e.whole][slot])
					}
				}
			}
		}
	}
}
