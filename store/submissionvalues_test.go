package store_test

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"planapi/db/migrations"
	"planapi/testenv"
)

// consistent checks that submission_values holds, for every submission with values, exactly
// its values from data_values (ids ascending, values in that order, the mask and the largest
// magnitude), and no row for any other; it returns how many submissions it compared.
func consistent(t *testing.T, e *testenv.Env) int {
	t.Helper()
	var bad, n int
	err := e.Owner.Raw(`
		SELECT count(*) FILTER (WHERE a.ids IS DISTINCT FROM s.ids OR a.vals IS DISTINCT FROM s.vals
			OR a.mask IS DISTINCT FROM s.mask OR a.maskable IS DISTINCT FROM s.maskable
			OR a.max_abs IS DISTINCT FROM s.max_abs OR a.region_path IS DISTINCT FROM s.region_path), count(*)
		FROM (
			SELECT submission_id, min(region_path) AS region_path,
				array_agg(element_id ORDER BY element_id) AS ids, array_agg(value ORDER BY element_id) AS vals,
				coalesce(bit_or(CASE WHEN element_id BETWEEN 0 AND 63 THEN CAST(1 AS bigint) << CAST(element_id AS int) END), 0) AS mask,
				bool_and(element_id BETWEEN 0 AND 63) AS maskable, max(abs(value)) AS max_abs
			FROM data_values GROUP BY submission_id
		) a FULL JOIN submission_values s USING (submission_id)`).Row().Scan(&bad, &n)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("submission_values differs from data_values for %d of %d submissions", bad, n)
	}
	return n
}

// scoped runs fn in a transaction of the application role scoped to path.
func scoped(t *testing.T, e *testenv.Env, path string, fn func(tx *gorm.DB) error) error {
	t.Helper()
	return e.DB.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, path).Error; err != nil {
			return err
		}
		return fn(tx)
	})
}

// TestSubmissionValuesFollowDataValues: the roll-up reads each submission's values from
// submission_values (migration 0011), which data_values' triggers keep in the writing
// transaction: after the demo's load, after an update, a delete and an insert by the
// application role, and after two transactions writing the same submission at once.
func TestSubmissionValuesFollowDataValues(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	if n := consistent(t, e); n == 0 {
		t.Fatal("no submission has values: the check compared nothing")
	}
	const county = "410000/419900/419902/"
	var sub int64
	var elems []int64
	if err := e.Owner.Raw(`SELECT submission_id FROM data_values WHERE region_path = ? GROUP BY submission_id
		HAVING count(*) >= 3 ORDER BY submission_id LIMIT 1`, county).Row().Scan(&sub); err != nil {
		t.Fatal(err)
	}
	if err := e.Owner.Raw(`SELECT element_id FROM data_values WHERE submission_id = ? ORDER BY element_id`, sub).Scan(&elems).Error; err != nil {
		t.Fatal(err)
	}

	// An update, a delete and the same row inserted again, each a statement of its own.
	err := scoped(t, e, county, func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE data_values SET value = value + 1 WHERE submission_id = ? AND element_id = ?`, sub, elems[0]).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM data_values WHERE submission_id = ? AND element_id = ?`, sub, elems[1]).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	consistent(t, e)
	err = scoped(t, e, county, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by) VALUES (?, ?, ?, -12345.5, 't')`,
			sub, elems[1], county).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	consistent(t, e)

	// Two transactions write two values of the same submission at once: the second's trigger
	// waits for the first to commit and rebuilds from both, rather than from what it saw
	// before (a row without the first's value, or a duplicate key).
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- scoped(t, e, county, func(tx *gorm.DB) error {
			if err := tx.Exec(`UPDATE data_values SET value = 111 WHERE submission_id = ? AND element_id = ?`, sub, elems[0]).Error; err != nil {
				return err
			}
			close(first)
			time.Sleep(300 * time.Millisecond) // the second transaction's trigger is waiting meanwhile
			return nil
		})
	}()
	<-first
	err = scoped(t, e, county, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE data_values SET value = 222 WHERE submission_id = ? AND element_id = ?`, sub, elems[2]).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	consistent(t, e)
	var got []float64
	if err := e.Owner.Raw(`SELECT unnest(vals) FROM submission_values WHERE submission_id = ?`, sub).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	has := map[float64]bool{}
	for _, v := range got {
		has[v] = true
	}
	if !has[111] || !has[222] {
		t.Errorf("after two concurrent writers, the submission's row holds %v: want both 111 and 222", got)
	}
}

// TestSubmissionValuesBackfill: migration 0011 fills submission_values for the values a
// database already holds (a DATA_DIR from before it), every region's, and leaves the policies
// forced. Here its closing statements run again on the demo's values after the rows are gone.
func TestSubmissionValuesBackfill(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	all, err := migrations.List()
	if err != nil {
		t.Fatal(err)
	}
	var backfill string
	for _, m := range all {
		if m.Version == 11 {
			_, backfill, _ = strings.Cut(m.SQL, "-- The values already there")
		}
	}
	if backfill == "" {
		t.Fatal("migration 0011 has no backfill")
	}
	if err := e.Owner.Exec(`DELETE FROM submission_values`).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.Owner.Transaction(func(tx *gorm.DB) error {
		return tx.Exec("-- The values already there" + backfill).Error
	}); err != nil {
		t.Fatal(err)
	}
	if n := consistent(t, e); n == 0 {
		t.Fatal("no submission has values: the check compared nothing")
	}
	var forced int
	if err := e.Owner.Raw(`SELECT count(*) FROM pg_class WHERE relname IN ('submissions', 'data_values', 'submission_values')
		AND relrowsecurity AND relforcerowsecurity`).Row().Scan(&forced); err != nil || forced != 3 {
		t.Errorf("after the backfill %d of 3 tables have forced row-level security (%v)", forced, err)
	}
}
