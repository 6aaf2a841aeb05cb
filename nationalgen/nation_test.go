package nationalgen

import (
	"context"
	"testing"

	"planapi/testenv"
)

// TestNationRoot puts the provinces under the national root, so one roll-up covers them all.
func TestNationRoot(t *testing.T) {
	t.Parallel()
	_, code := planCode(t)
	e := testenv.New(t)
	opt := Options{Provinces: 2, CitiesPerProvince: 1, CountiesPerCity: 2, Years: []int{2021}, NoQuarters: true, Seed: 1, Nation: true}
	if _, err := Generate(context.Background(), e.OwnerDSN, code, opt); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, e.OwnerDSN)
	var level, path string
	if err := conn.QueryRow(context.Background(), `SELECT level, path FROM regions WHERE code = $1`, NationCode).Scan(&level, &path); err != nil {
		t.Fatal(err)
	}
	if level != "NATION" || path != NationCode+"/" {
		t.Errorf("root = %s %s", level, path)
	}
	var under, provinces int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE path LIKE '000000/%' AND code <> '000000'),
		count(*) FILTER (WHERE level = 'PROVINCE' AND parent_code = '000000') FROM regions`).Scan(&under, &provinces); err != nil {
		t.Fatal(err)
	}
	if provinces != 2 || under != 2+2+4 {
		t.Errorf("%d provinces under the root, %d regions below it; want 2 and 8", provinces, under)
	}
	var subs int
	conn.QueryRow(context.Background(), `SELECT count(*) FROM submissions WHERE region_path LIKE '000000/%'`).Scan(&subs)
	if subs != 2+4 {
		t.Errorf("%d submissions below the root, want 6 (2 cities and 4 counties, one year)", subs)
	}
}
