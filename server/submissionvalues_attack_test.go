package server_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestSubmissionValuesNotReadAcrossTenants: the roll-up reads each region's exact submission
// from submission_values (migration 0011). Nothing a county may ask depends on a sibling
// county's row, nor on another city's: after both rows are changed (by the owner, as no
// request can), every answer the county gets is what it was, while the city's own live
// roll-up, which reads the sibling's row, changes (so the change is one the roll-up sees).
func TestSubmissionValuesNotReadAcrossTenants(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	county := e.Token(t, countyA, auth.RoleAdmin)
	cityToken := e.Token(t, city, auth.RoleAnalyst)
	asked := []string{
		`{ indicatorValues(regionCode: "` + countyA + `", period: "2021") { value numerator denominator } }`,
		`{ indicatorValues(regionCode: "` + countyB + `", period: "2021") { value } }`,
		`{ indicatorValues(regionCode: "419701", period: "2021") { value } }`,
		`{ indicatorValues(regionCode: "419700", period: "2021") { value } }`,
		`{ indicatorValues(regionCode: "` + city + `", period: "2021") { value numerator denominator } }`,
		`{ indicatorValues(regionCode: "410000", period: "2021") { value } }`,
		`{ indicatorValues(regionCode: "` + city + `", period: "2021", includeUnapproved: true) { value } }`,
		`{ dashboard(regionCode: "` + city + `", period: "2021") { columns { code } rows { total { value } cells { value } } } }`,
		`{ dashboard(regionCode: "` + countyA + `", period: "2021..2022") { columns { code } rows { total { value } cells { value } } } }`,
		`{ dashboard(regionCode: "410000", period: "2021") { columns { code } rows { total { value } cells { value } } } }`,
	}
	answer := func(token, q string) []byte {
		r := e.Do(t, token, q, nil)
		b, err := json.Marshal(struct {
			D json.RawMessage
			E []testenv.Error
		}{r.Data, r.Errors})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := make([][]byte, len(asked))
	for i, q := range asked {
		before[i] = answer(county, q)
	}
	for i := 1; i <= 3; i++ { // the sibling's and the other city's are unknown to it
		if r := e.Do(t, county, asked[i], nil); r.Code() != "NOT_FOUND" {
			t.Errorf("county asks %s: %s %v, want NOT_FOUND", asked[i], r.Data, r.Errors)
		}
	}
	cityBefore := answer(cityToken, asked[4])

	// The sibling's and the other city's counties' rows, doubled.
	pathB := e.Cache.Regions().Get(countyB).Path
	res := e.Owner.Exec(`UPDATE submission_values SET vals = ARRAY(SELECT v * 2 + 1 FROM unnest(vals) v), max_abs = max_abs * 2 + 1
		WHERE region_path = ? OR region_path LIKE '410000/419700/%'`, pathB)
	if res.Error != nil || res.RowsAffected == 0 {
		t.Fatalf("change the rows: %v (%d)", res.Error, res.RowsAffected)
	}
	for i, q := range asked {
		if after := answer(county, q); !bytes.Equal(after, before[i]) {
			t.Errorf("county's answer to %s depends on other regions' submission_values:\nbefore %s\nafter  %s", q, before[i], after)
		}
	}
	if bytes.Equal(answer(cityToken, asked[4]), cityBefore) {
		t.Error("the city's own roll-up did not change with its county's row: the test changed nothing the roll-up reads")
	}
}
