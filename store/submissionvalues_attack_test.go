package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"planapi/testenv"
)

// The attacks on submission_values (migration 0011) by the application role: whatever SQL it
// runs in a county's scope, it must neither read nor write another region's summary rows,
// leave a summary row that disagrees with data_values, or run anything with the owner's
// rights.

const (
	attackCounty  = "410000/419900/419902/" // the attacker's scope
	attackSibling = "410000/419900/419903/" // a sibling county: out of scope
	attackCity    = "410000/419900/"
)

// pgCode is err's SQLSTATE, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// firstSub is the first submission of path with values (owner's view).
func firstSub(t *testing.T, e *testenv.Env, path string) int64 {
	t.Helper()
	var id int64
	if err := e.Owner.Raw(`SELECT min(submission_id) FROM data_values WHERE region_path = ?`, path).Row().Scan(&id); err != nil || id == 0 {
		t.Fatalf("no submission with values under %s: %v", path, err)
	}
	return id
}

// TestSubmissionValuesSyncNotCallableByApp: the rebuild runs with its owner's rights, and the
// owner of the schema is a superuser (the private cluster's postgres, the tests' too), which
// row-level security never binds. Called by the service's role directly it rebuilt and locked
// any region's submission (a county locking a sibling's submission, FOR UPDATE, until it
// commits, so the sibling's saves wait on it). Only data_values' triggers may call it.
func TestSubmissionValuesSyncNotCallableByApp(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	own, other := firstSub(t, e, attackCounty), firstSub(t, e, attackSibling)
	for _, arg := range []string{
		fmt.Sprintf("ARRAY[%d]::bigint[]", other), // out of scope
		fmt.Sprintf("ARRAY[%d]::bigint[]", own),   // in scope
		"NULL",
		"ARRAY(SELECT generate_series(1, 1000000))::bigint[]",
	} {
		held := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- scoped(t, e, attackCounty, func(tx *gorm.DB) error {
				err := tx.Exec(`SELECT submission_values_sync(` + arg + `)`).Error
				close(held)
				<-release
				return err
			})
		}()
		<-held
		// Meanwhile the sibling county saves a value of its own submission.
		blocked := scoped(t, e, attackSibling, func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL lock_timeout = '300ms'`).Error; err != nil {
				return err
			}
			return tx.Exec(`UPDATE data_values SET value = value WHERE submission_id = ?`, other).Error
		})
		close(release)
		err := <-done
		if code := pgCode(err); code != "42501" {
			t.Errorf("county calls submission_values_sync(%.40s): %v (SQLSTATE %q), want permission denied (42501)", arg, err, code)
		}
		if blocked != nil {
			t.Errorf("county's call of submission_values_sync(%.40s) held the sibling's save: %v", arg, blocked)
		}
	}
	consistent(t, e)
}

// TestSubmissionValuesSyncIgnoresTempObjects: the rebuild ran with the owner's (a
// superuser's) rights under the search_path captured at migration time ("$user", public),
// where pg_temp, not listed, comes first for tables and views. The service's role may create
// temporary objects, so a temporary data_values of its own became what the rebuild read:
// any values in any region's summary row, and, through a view over its own function, any SQL
// run as the superuser.
func TestSubmissionValuesSyncIgnoresTempObjects(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx := context.Background()
	own, other := firstSub(t, e, attackCounty), firstSub(t, e, attackSibling)

	// A view over the caller's function, and a write of the county's own submission, whose
	// trigger rebuilds its summary row.
	tx := appTx(t, e, attackCounty)
	for _, sql := range []string{
		`CREATE TEMP TABLE loot (who text, rows bigint)`,
		// What it would run as the owner: note who it is and how many rows it sees (all regions').
		`CREATE FUNCTION pg_temp.evil() RETURNS TABLE (submission_id bigint, element_id bigint, region_path text, value double precision)
			LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO pg_temp.loot SELECT current_user, (SELECT count(*) FROM public.data_values);
				RETURN QUERY SELECT d.submission_id, d.element_id, d.region_path, d.value + 1000000 FROM public.data_values d;
			END $$`,
		`CREATE TEMP VIEW data_values AS SELECT * FROM pg_temp.evil()`,
		fmt.Sprintf(`UPDATE public.data_values SET value = value + 1 WHERE submission_id = %d`, own),
	} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatalf("%.60s: %v", sql, err)
		}
	}
	var who []string
	rows, err := tx.Query(ctx, `SELECT who || ' saw ' || rows FROM loot`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		who = append(who, w)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if len(who) > 0 {
		t.Errorf("the rebuild ran the caller's temporary view, as %v", who)
	}
	consistent(t, e)

	// A temporary table of the same name holding values for the county's own submission and
	// a sibling's; a write of its own, and a direct call for both.
	tx = appTx(t, e, attackCounty)
	for _, sql := range []string{
		`CREATE TEMP TABLE data_values (submission_id bigint, element_id bigint, region_path text, value double precision)`,
		fmt.Sprintf(`INSERT INTO pg_temp.data_values SELECT %d, 1, '%s', 1e9 UNION ALL SELECT %d, 1, '%s', 1e9`, own, attackCounty, other, attackSibling),
		fmt.Sprintf(`UPDATE public.data_values SET value = value - 1 WHERE submission_id = %d`, own),
	} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatalf("%.60s: %v", sql, err)
		}
	}
	if _, err := tx.Exec(ctx, `SELECT submission_values_sync(ARRAY[$1, $2]::bigint[])`, own, other); err != nil {
		if pgCode(err) != "42501" {
			t.Fatal(err)
		}
		_ = tx.Rollback(ctx)
	} else if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	consistent(t, e)
}

// appTx begins a transaction of the service's role scoped to path, on a connection of its
// own (closed at the end of the test), so that temporary objects never reach the pool.
func appTx(t *testing.T, e *testenv.Env, path string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.AppDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('planapi.scope', $1, true)`, path); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestSubmissionValuesWritesAroundTheTriggers: the ways the service's role might write
// data_values without the triggers, or in shapes they might miss. Each is refused or leaves
// submission_values consistent.
func TestSubmissionValuesWritesAroundTheTriggers(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx := context.Background()
	own := firstSub(t, e, attackCounty)
	var own2 int64 // another submission of the same county
	if err := e.Owner.Raw(`SELECT min(submission_id) FROM data_values WHERE region_path = ? AND submission_id <> ?`, attackCounty, own).Row().Scan(&own2); err != nil {
		t.Fatal(err)
	}
	var free int64 // an element own does not hold
	if err := e.Owner.Raw(`SELECT min(id) FROM data_elements WHERE id NOT IN (SELECT element_id FROM data_values WHERE submission_id = ?)`, own).Row().Scan(&free); err != nil {
		t.Fatal(err)
	}

	refused := []struct{ sql, code string }{
		{`TRUNCATE data_values`, "42501"},
		{`ALTER TABLE data_values DISABLE TRIGGER submission_values_update`, "42501"},
		{`ALTER TABLE data_values DISABLE TRIGGER ALL`, "42501"},
		{`SET LOCAL session_replication_role = replica`, "42501"},
		{`DROP TRIGGER submission_values_update ON data_values`, "42501"},
		{`ALTER TABLE submission_values DISABLE ROW LEVEL SECURITY`, "42501"},
		{`DELETE FROM submissions WHERE region_path = '` + attackCounty + `'`, "42501"},
		// The path of a value is its submission's (composite foreign key).
		{fmt.Sprintf(`UPDATE data_values SET region_path = '%s' WHERE submission_id = %d`, attackSibling, own), "42501"}, // WITH CHECK
		{fmt.Sprintf(`UPDATE submissions SET region_path = '%s' WHERE id = %d`, attackCounty+"x/", own), "23503"},
		{fmt.Sprintf(`UPDATE submissions SET id = id + 100000 WHERE id = %d`, own), "23503"},
	}
	for _, c := range refused {
		err := scoped(t, e, attackCounty, func(tx *gorm.DB) error { return tx.Exec(c.sql).Error })
		if pgCode(err) != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", c.sql, err, c.code)
		}
	}
	consistent(t, e)

	held := []string{
		// Moving a value between two of the county's submissions rebuilds both.
		fmt.Sprintf(`UPDATE data_values SET submission_id = %d WHERE submission_id = %d AND element_id = (SELECT max(element_id) FROM data_values WHERE submission_id = %d AND element_id NOT IN (SELECT element_id FROM data_values WHERE submission_id = %d))`, own2, own, own, own2),
		// An upsert: both the insert and the update triggers.
		fmt.Sprintf(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
			SELECT submission_id, element_id, region_path, value + 7, 't' FROM data_values WHERE submission_id = %d
			UNION ALL SELECT %d, %d, '%s', 77, 't'
			ON CONFLICT (submission_id, element_id) DO UPDATE SET value = EXCLUDED.value`, own, own, free, attackCounty),
		// Writable CTEs: a delete and an insert of the same table in one statement.
		fmt.Sprintf(`WITH d AS (DELETE FROM data_values WHERE submission_id = %d AND element_id = %d RETURNING *)
			INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
			SELECT submission_id, element_id, region_path, value * 2, 't' FROM d`, own, free),
		fmt.Sprintf(`WITH u AS (UPDATE data_values SET value = value + 1 WHERE submission_id = %d RETURNING 1)
			DELETE FROM data_values WHERE submission_id = %d AND element_id = %d`, own, own2, free),
		// MERGE (PostgreSQL 15): update, delete and insert in one statement.
		fmt.Sprintf(`MERGE INTO data_values d USING (SELECT element_id, value FROM data_values WHERE submission_id = %d
				UNION ALL SELECT min(id), 5 FROM data_elements WHERE id NOT IN (SELECT element_id FROM data_values WHERE submission_id = %d)) s
				ON d.submission_id = %d AND d.element_id = s.element_id
			WHEN MATCHED AND s.value > 100 THEN DELETE
			WHEN MATCHED THEN UPDATE SET value = d.value + 3
			WHEN NOT MATCHED THEN INSERT (submission_id, element_id, region_path, value, updated_by) VALUES (%d, s.element_id, '%s', s.value, 't')`,
			own2, own2, own2, own2, attackCounty),
		// The scope changed in the middle of the write: the trigger runs after the statement,
		// in whatever scope the transaction then has.
		fmt.Sprintf(`UPDATE data_values SET value = value + 1 WHERE submission_id = %d RETURNING set_config('planapi.scope', '%s', true)`, own, attackSibling),
		fmt.Sprintf(`UPDATE data_values SET value = value + 1 WHERE submission_id = %d RETURNING set_config('planapi.scope', '', true)`, own),
		// A write undone by a savepoint: the summary row goes back with it.
		fmt.Sprintf(`SAVEPOINT a; UPDATE data_values SET value = -1 WHERE submission_id = %d; ROLLBACK TO SAVEPOINT a`, own),
	}
	for _, sql := range held {
		err := scoped(t, e, attackCounty, func(tx *gorm.DB) error { return tx.Exec(sql).Error })
		if err != nil && pgCode(err) != "P0001" { // P0001: refused by the rebuild's check
			t.Errorf("%.80s: %v", sql, err)
		}
		if consistent(t, e) == 0 {
			t.Fatal("nothing compared")
		}
	}

	// COPY into a table under row-level security is refused (COPY FROM does not apply
	// policies), so it cannot go around the triggers either.
	tx := appTx(t, e, attackCounty)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"data_values"}, []string{"submission_id", "element_id", "region_path", "value", "updated_by"},
		pgx.CopyFromRows([][]any{{own, free, attackCounty, 4242.0, "t"}}))
	if pgCode(err) != "0A000" {
		t.Errorf("COPY data_values as the service's role: %v, want SQLSTATE 0A000", err)
	}
	_ = tx.Rollback(ctx)
	consistent(t, e)
}

// TestSubmissionValuesConcurrentWriters: writers that share a submission, in any order of
// statements, end with the summary row their committed values make, without a deadlock
// between writers of one submission.
func TestSubmissionValuesConcurrentWriters(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	ctx := context.Background()
	own := firstSub(t, e, attackCounty)
	var elems []int64
	if err := e.Owner.Raw(`SELECT id FROM data_elements WHERE id NOT IN (SELECT element_id FROM data_values WHERE submission_id = ?) ORDER BY id LIMIT 3`, own).Scan(&elems).Error; err != nil || len(elems) < 3 {
		t.Fatalf("free elements: %v %v", elems, err)
	}
	open := func() pgx.Tx { return appTx(t, e, attackCounty) }
	// 1. T1 declares a value missing (its foreign key takes KEY SHARE on the submission),
	//    T2 inserts a value (KEY SHARE, then the trigger locks the submission), T1 inserts a
	//    value (KEY SHARE, then the trigger waits for T2, which waits for T1's KEY SHARE when
	//    the trigger's lock is FOR UPDATE: a deadlock).
	t1, t2 := open(), open()
	if _, err := t1.Exec(ctx, `INSERT INTO missing_values (submission_id, element_id, region_path, reason, updated_by) VALUES ($1, $2, $3, 'n/a', 't')`, own, elems[0], attackCounty); err != nil {
		t.Fatal(err)
	}
	t2done := make(chan error, 1)
	go func() {
		_, err := t2.Exec(ctx, `INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by) VALUES ($1, $2, $3, 2, 't')`, own, elems[1], attackCounty)
		if err == nil {
			err = t2.Commit(ctx)
		}
		t2done <- err
	}()
	time.Sleep(300 * time.Millisecond) // T2's trigger takes its lock, or waits for one
	_, err1 := t1.Exec(ctx, `INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by) VALUES ($1, $2, $3, 1, 't')`, own, elems[2], attackCounty)
	if err1 == nil {
		err1 = t1.Commit(ctx)
	} else {
		_ = t1.Rollback(ctx)
	}
	err2 := <-t2done
	if err1 != nil || err2 != nil {
		t.Errorf("two writers of one submission: %v / %v (40P01 is a deadlock)", err1, err2)
	}
	consistent(t, e)

	// 2. Writers of two submissions in opposite orders: one may be chosen as a deadlock's
	//    victim (it locks both submissions, as rows of data_values would be), never a
	//    summary row left wrong.
	var own2 int64
	if err := e.Owner.Raw(`SELECT min(submission_id) FROM data_values WHERE region_path = ? AND submission_id <> ?`, attackCounty, own).Row().Scan(&own2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, order := range [][2]int64{{own, own2}, {own2, own}} {
		tx := open()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, s := range order {
				if _, err := tx.Exec(ctx, `UPDATE data_values SET value = value + 1 WHERE submission_id = $1`, s); err != nil {
					errs[i] = err
					_ = tx.Rollback(ctx)
					return
				}
				if j == 0 {
					time.Sleep(200 * time.Millisecond)
				}
			}
			errs[i] = tx.Commit(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && pgCode(err) != "40P01" {
			t.Errorf("writers in opposite orders: %v", err)
		}
	}
	t.Logf("writers in opposite orders: %v", errs)
	consistent(t, e)
}

// TestSubmissionValuesReadersSeeCommittedRows: a reader (the city, as the roll-up reads)
// racing writers, some rolled back, always finds a submission's summary row equal to its
// values in the same snapshot: never a half-rebuilt or missing row.
func TestSubmissionValuesReadersSeeCommittedRows(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	own := firstSub(t, e, attackCounty)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_ = scoped(t, e, attackCounty, func(tx *gorm.DB) error {
					if err := tx.Exec(`UPDATE data_values SET value = value + 1 WHERE submission_id = ? AND element_id = (SELECT min(element_id) FROM data_values WHERE submission_id = ?)`, own, own).Error; err != nil {
						return err
					}
					if err := tx.Exec(`DELETE FROM data_values WHERE submission_id = ? AND element_id = (SELECT max(element_id) FROM data_values WHERE submission_id = ?)`, own, own).Error; err != nil {
						return err
					}
					if err := tx.Exec(`INSERT INTO data_values (submission_id, element_id, region_path, value, updated_by)
						SELECT ?, max(id), ?, ?, 't' FROM data_elements WHERE id NOT IN (SELECT element_id FROM data_values WHERE submission_id = ?)`,
						own, attackCounty, float64(i), own).Error; err != nil {
						return err
					}
					if i%3 == 0 {
						return errors.New("roll back")
					}
					return nil
				})
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	reads := 0
	for time.Now().Before(deadline) {
		var same bool
		err := scoped(t, e, attackCity, func(tx *gorm.DB) error {
			return tx.Raw(`SELECT (SELECT (ids, vals) FROM submission_values WHERE submission_id = ?)
				IS NOT DISTINCT FROM (SELECT (array_agg(element_id ORDER BY element_id), array_agg(value ORDER BY element_id))
					FROM data_values WHERE submission_id = ?)`, own, own).Row().Scan(&same)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Fatal("a reader saw a summary row that differs from the values in its snapshot")
		}
		reads++
	}
	close(stop)
	wg.Wait()
	t.Logf("%d reads", reads)
	consistent(t, e)
}
