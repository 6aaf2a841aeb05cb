package server_test

// Issue 12, points 1 and 2: the entry form, the Excel entry sheet and its import, and the
// dashboard matrix in Excel — end to end through the real handler, with real tokens.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"planapi/auth"
	"planapi/excel"
	"planapi/testenv"
)

const entryFormQuery = `query($r: String!, $p: String!) {
  entryForm(regionCode: $r, period: $p) {
    region { code } period periodType planCode status version
    groups { indicator { code } fields { code name unit description valueType required rules { rule description }
      minValue maxValue wholeNumber partOf { code } value comment missingReason previousValue previousPeriod } }
  }
}`

type entryFieldJSON struct {
	Code, Name, Unit, Description, ValueType string
	Required                                 bool
	Rules                                    []struct{ Rule, Description string }
	MinValue, MaxValue                       float64
	WholeNumber                              bool
	PartOf                                   *struct{ Code string }
	Value                                    *float64
	Comment                                  *string
	MissingReason                            *string
	PreviousValue                            *float64
	PreviousPeriod                           *string
}

type entryFormJSON struct {
	Region                               struct{ Code string }
	Period, PeriodType, PlanCode, Status string
	Version                              int
	Groups                               []struct {
		Indicator *struct{ Code string }
		Fields    []entryFieldJSON
	}
}

func (f entryFormJSON) field(code string) *entryFieldJSON {
	for _, g := range f.Groups {
		for i := range g.Fields {
			if g.Fields[i].Code == code {
				return &g.Fields[i]
			}
		}
	}
	return nil
}

func mustEntryForm(tb testing.TB, e *testenv.Env, token, region, period string) entryFormJSON {
	tb.Helper()
	var out struct{ EntryForm entryFormJSON }
	e.MustOK(tb, token, entryFormQuery, map[string]any{"r": region, "p": period}, &out)
	return out.EntryForm
}

func TestEntryForm(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	els := mustElements(t, e)

	t.Run("EveryCountyYearlyElementOnceInOrder", func(t *testing.T) {
		f := mustEntryForm(t, e, clerk, countyA, "2024")
		if f.Region.Code != countyA || f.Period != "2024" || f.PeriodType != "YEARLY" || f.Status != "NOT_STARTED" || f.Version != 0 || f.PlanCode == "" {
			t.Fatalf("form header %+v", f)
		}
		want := map[string]bool{}
		for _, el := range els {
			for _, pt := range el.PeriodTypes {
				if el.CollectedAt == "COUNTY" && pt == "YEARLY" {
					want[el.Code] = true
				}
			}
		}
		seen := map[string]bool{}
		lastIndicator := ""
		for _, g := range f.Groups {
			if g.Indicator == nil {
				lastIndicator = "~"
			} else if lastIndicator == "~" {
				t.Errorf("a group after the no-indicator group")
			}
			for _, fl := range g.Fields {
				if seen[fl.Code] {
					t.Errorf("%s appears twice", fl.Code)
				}
				seen[fl.Code] = true
				if !want[fl.Code] {
					t.Errorf("%s is not collected by a county for years", fl.Code)
				}
				if len(fl.Rules) == 0 || fl.Rules[0].Rule != "NEGATIVE" || fl.Name == "" || fl.Unit == "" {
					t.Errorf("%s: rules %+v name %q unit %q", fl.Code, fl.Rules, fl.Name, fl.Unit)
				}
				if fl.ValueType == "COUNT" && !fl.WholeNumber {
					t.Errorf("%s: a count must be whole", fl.Code)
				}
				if (fl.ValueType == "PERCENT" || fl.ValueType == "SCORE") && fl.MaxValue != 100 {
					t.Errorf("%s: max %v", fl.Code, fl.MaxValue)
				}
			}
		}
		if len(seen) != len(want) {
			t.Errorf("form has %d fields, the county collects %d elements yearly", len(seen), len(want))
		}
		failed := f.field("IP_BATCHES_FAILED")
		if failed == nil || failed.PartOf == nil || failed.PartOf.Code != "IP_BATCHES_INSPECTED" {
			t.Fatalf("IP_BATCHES_FAILED: %+v", failed)
		}
		if r := failed.Rules[len(failed.Rules)-1]; r.Rule != "PART_EXCEEDS_WHOLE" {
			t.Errorf("IP_BATCHES_FAILED's last rule %+v", r)
		}
		for _, code := range requiredOf(els, "COUNTY", "YEARLY") {
			if fl := f.field(code); fl == nil || !fl.Required {
				t.Errorf("%s should be required", code)
			}
		}
	})

	t.Run("PreviousComparablePeriod", func(t *testing.T) {
		// 2023 has only Q1 in the demo: a flow compares with 2022, a stock with 2023Q1.
		var sub struct {
			Submission struct {
				Values []struct {
					Element struct{ Code string }
					Value   float64
				}
			}
		}
		f := mustEntryForm(t, e, clerk, countyA, "2024")
		for _, p := range []string{"2022", "2023Q1"} {
			e.MustOK(t, clerk, `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { values { element { code } value } } }`,
				map[string]any{"r": countyA, "p": p}, &sub)
			for _, v := range sub.Submission.Values {
				fl := f.field(v.Element.Code)
				if fl == nil || fl.PreviousPeriod == nil || *fl.PreviousPeriod != p {
					continue
				}
				if fl.PreviousValue == nil || *fl.PreviousValue != v.Value {
					t.Errorf("%s: previous %v, the %s figure is %v", fl.Code, fl.PreviousValue, p, v.Value)
				}
			}
		}
		flow := f.field("COMPLAINTS_RECEIVED")
		if flow == nil || flow.PreviousPeriod == nil || *flow.PreviousPeriod != "2022" {
			t.Errorf("COMPLAINTS_RECEIVED (a flow) should compare with 2022: %+v", flow)
		}
		stock := f.field("RESIDENT_POPULATION")
		if stock == nil || stock.PreviousPeriod == nil || *stock.PreviousPeriod != "2023Q1" {
			t.Errorf("RESIDENT_POPULATION (a stock) should compare with 2023Q1: %+v", stock)
		}
	})

	t.Run("CurrentFiguresStatusAndVersion", func(t *testing.T) {
		e.MustOK(t, clerk, saveMutation, saveVars(countyA, "2024", 0,
			vals{"element": "IP_BATCHES_INSPECTED", "value": 130, "comment": "含专项抽查"},
			vals{"element": "DEVICE_PRODUCERS_PLANNED", "missingReason": "本县无医疗器械生产企业"}), &struct{}{})
		f := mustEntryForm(t, e, clerk, countyA, "2024")
		if f.Status != "DRAFT" || f.Version != 1 {
			t.Fatalf("status %s version %d", f.Status, f.Version)
		}
		if fl := f.field("IP_BATCHES_INSPECTED"); fl.Value == nil || *fl.Value != 130 || fl.Comment == nil || *fl.Comment != "含专项抽查" {
			t.Errorf("IP_BATCHES_INSPECTED: %+v", fl)
		}
		if fl := f.field("DEVICE_PRODUCERS_PLANNED"); fl != nil && (fl.MissingReason == nil || fl.Value != nil) {
			t.Errorf("DEVICE_PRODUCERS_PLANNED: %+v", fl)
		}
	})

	t.Run("Denied", func(t *testing.T) {
		for name, token := range map[string]string{
			"SiblingCounty": e.Token(t, countyB, auth.RoleReporter),
			"OtherCity":     e.Token(t, "419700", auth.RoleAdmin),
		} {
			if r := e.Do(t, token, entryFormQuery, map[string]any{"r": countyA, "p": "2024"}); r.Code() != "NOT_FOUND" {
				t.Errorf("%s: got %s, want NOT_FOUND", name, r.Code())
			}
		}
		if r := e.Do(t, "", entryFormQuery, map[string]any{"r": countyA, "p": "2024"}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous: got %s", r.Code())
		}
		// The city reads its county's form.
		if f := mustEntryForm(t, e, e.Token(t, city, auth.RoleReviewer), countyA, "2024"); f.Version != 1 {
			t.Errorf("city reviewer: version %d", f.Version)
		}
	})
}

// get sends a GET through the real handler; token "" sends none.
func get(tb testing.TB, e *testenv.Env, token, url string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return rec
}

func errorCode(tb testing.TB, rec *httptest.ResponseRecorder) (string, map[string]any) {
	tb.Helper()
	var out struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) == 0 {
		tb.Fatalf("not an error answer (%d): %s", rec.Code, rec.Body.String())
	}
	c, _ := out.Errors[0].Extensions["code"].(string)
	return c, out.Errors[0].Extensions
}

func mustTemplate(tb testing.TB, e *testenv.Env, token, region, period string) *excelize.File {
	tb.Helper()
	rec := get(tb, e, token, "/excel/template?region="+region+"&period="+period)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != excel.ContentType {
		tb.Fatalf("template: %d %s", rec.Code, rec.Body.String())
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		tb.Fatalf("open template: %v", err)
	}
	return f
}

// rowOf is the row of an element's code in the entry sheet.
func rowOf(tb testing.TB, f *excelize.File, code string) int {
	tb.Helper()
	rows, err := f.GetRows(excel.EntrySheet)
	if err != nil {
		tb.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == code {
			return i + 1
		}
	}
	tb.Fatalf("no row for %s", code)
	return 0
}

// fill types figures into the value column as a clerk would (numbers), and returns the file.
func fill(tb testing.TB, f *excelize.File, figures map[string]float64) []byte {
	tb.Helper()
	for code, v := range figures {
		if err := f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", rowOf(tb, f, code)), v); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// postImport sends POST /excel/import.
func postImport(tb testing.TB, e *testenv.Env, token, region, period string, file []byte, expectedVersion string, acceptLanguage ...string) *httptest.ResponseRecorder {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("region", region)
	mw.WriteField("period", period)
	if expectedVersion != "" {
		mw.WriteField("expectedVersion", expectedVersion)
	}
	fw, _ := mw.CreateFormFile("file", "entry.xlsx")
	fw.Write(file)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/excel/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, l := range acceptLanguage {
		req.Header.Set("Accept-Language", l)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return rec
}

// importWorkbook sends the GraphQL mutation as a multipart request (the GraphQL multipart
// request specification).
func importWorkbook(tb testing.TB, e *testenv.Env, token, region, period string, version int, file []byte) *testenv.Response {
	tb.Helper()
	ops, _ := json.Marshal(map[string]any{
		"query": `mutation($f: Upload!, $r: String!, $p: String!, $v: Int!) {
		  importWorkbook(file: $f, regionCode: $r, period: $p, expectedVersion: $v) { status version values { element { code } value } } }`,
		"variables": map[string]any{"f": nil, "r": region, "p": period, "v": version},
	})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", `{"0": ["variables.f"]}`)
	fw, _ := mw.CreateFormFile("0", "entry.xlsx")
	fw.Write(file)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	var out struct {
		Data   json.RawMessage
		Errors []testenv.Error
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		tb.Fatalf("not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return &testenv.Response{Status: rec.Code, Data: out.Data, Errors: out.Errors}
}

// storedValues is a submission's values as the owner reads them, by element code.
func storedValues(tb testing.TB, e *testenv.Env, region, period string) map[string]float64 {
	tb.Helper()
	var rows []struct {
		Code  string
		Value float64
	}
	if err := e.Owner.Raw(`SELECT de.code, dv.value FROM data_values dv JOIN submissions s ON s.id = dv.submission_id
		JOIN data_elements de ON de.id = dv.element_id WHERE s.region_code = ? AND s.period = ?`, region, period).Scan(&rows).Error; err != nil {
		tb.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range rows {
		out[r.Code] = r.Value
	}
	return out
}

func TestExcelRoundTrip(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	figures := map[string]float64{"IP_BATCHES_INSPECTED": 130, "IP_BATCHES_FAILED": 6, "COMPLAINTS_RECEIVED": 2480,
		"COMPLAINTS_CLOSED_ON_TIME": 2480, "RESIDENT_POPULATION": 415000}

	// The same figures through saveDataValues, by the neighbour's clerk.
	var list []vals
	for code, v := range figures {
		list = append(list, vals{"element": code, "value": v})
	}
	e.MustOK(t, e.Token(t, countyB, auth.RoleReporter), saveMutation, saveVars(countyB, "2024", 0, list...), &struct{}{})

	t.Run("TemplateIsTheForm", func(t *testing.T) {
		f := mustTemplate(t, e, clerk, countyA, "2024")
		defer f.Close()
		for cell, want := range map[string]string{"B2": countyA, "D2": "2024", "H2": "0"} {
			if got, _ := f.GetCellValue(excel.EntrySheet, cell); got != want {
				t.Errorf("%s = %q, want %q", cell, got, want)
			}
		}
		form := mustEntryForm(t, e, clerk, countyA, "2024")
		n := 0
		for _, g := range form.Groups {
			for _, fl := range g.Fields {
				n++
				r := rowOf(t, f, fl.Code)
				if unit, _ := f.GetCellValue(excel.EntrySheet, fmt.Sprintf("F%d", r)); unit != fl.Unit {
					t.Errorf("%s: unit %q, want %q", fl.Code, unit, fl.Unit)
				}
				if fl.PreviousValue != nil {
					prev, _ := f.GetCellValue(excel.EntrySheet, fmt.Sprintf("G%d", r), excelize.Options{RawCellValue: true})
					if v, err := strconv.ParseFloat(prev, 64); err != nil || v != *fl.PreviousValue {
						t.Errorf("%s: previous %q, want %v", fl.Code, prev, *fl.PreviousValue)
					}
				}
			}
		}
		dvs, err := f.GetDataValidations(excel.EntrySheet)
		if err != nil || len(dvs) != n {
			t.Errorf("%d data validations for %d fields (%v)", len(dvs), n, err)
		}
		// Only the value, missing-reason and comment cells are unlocked, under sheet protection.
		r := rowOf(t, f, "IP_BATCHES_INSPECTED")
		for col, locked := range map[string]bool{"A": true, "C": false, "D": false, "E": false, "G": true} {
			id, _ := f.GetCellStyle(excel.EntrySheet, fmt.Sprintf("%s%d", col, r))
			st, _ := f.GetStyle(id)
			isLocked := st == nil || st.Protection == nil || st.Protection.Locked
			if isLocked != locked {
				t.Errorf("%s%d locked %v, want %v", col, r, isLocked, locked)
			}
		}
	})

	t.Run("ImportStoresWhatSaveDataValuesStores", func(t *testing.T) {
		f := mustTemplate(t, e, clerk, countyA, "2024")
		r := importWorkbook(t, e, clerk, countyA, "2024", 0, fill(t, f, figures))
		var out struct {
			ImportWorkbook struct {
				Status  string
				Version int
			}
		}
		r.Decode(t, &out)
		if out.ImportWorkbook.Status != "DRAFT" || out.ImportWorkbook.Version != 1 {
			t.Fatalf("import: %+v", out)
		}
		got, want := storedValues(t, e, countyA, "2024"), storedValues(t, e, countyB, "2024")
		if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(figures) {
			t.Errorf("imported %v, saveDataValues stored %v", got, want)
		}
		// The template now carries the figures and version 1; an unchanged re-import is a save
		// that changes nothing but the version.
		f2 := mustTemplate(t, e, clerk, countyA, "2024")
		if v, _ := f2.GetCellValue(excel.EntrySheet, "H2"); v != "1" {
			t.Errorf("version cell %q", v)
		}
		if v, _ := f2.GetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", rowOf(t, f2, "COMPLAINTS_RECEIVED"))); v != "2480" {
			t.Errorf("COMPLAINTS_RECEIVED cell %q", v)
		}
	})

	t.Run("TwoBadCellsStoreNothingAndNameBoth", func(t *testing.T) {
		before := storedValues(t, e, countyA, "2024")
		f := mustTemplate(t, e, clerk, countyA, "2024")
		badNeg, badFrac := rowOf(t, f, "IP_BATCHES_FAILED"), rowOf(t, f, "COMPLAINTS_RECEIVED")
		file := fill(t, f, map[string]float64{"IP_BATCHES_FAILED": -3, "COMPLAINTS_RECEIVED": 2480.5, "IP_BATCHES_INSPECTED": 200})
		rec := postImport(t, e, clerk, countyA, "2024", file, "")
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		code, ext := errorCode(t, rec)
		if code != "BAD_USER_INPUT" {
			t.Fatalf("code %s", code)
		}
		cells := map[string]string{}
		for _, x := range ext["refused"].([]any) {
			m := x.(map[string]any)
			if m["sheet"] != excel.EntrySheet || m["message"] == "" {
				t.Errorf("refused %+v", m)
			}
			cells[m["cell"].(string)] = m["rule"].(string)
		}
		want := map[string]string{fmt.Sprintf("C%d", badNeg): "NEGATIVE", fmt.Sprintf("C%d", badFrac): "NOT_INTEGER"}
		if fmt.Sprint(cells) != fmt.Sprint(want) {
			t.Errorf("refused cells %v, want %v", cells, want)
		}
		if after := storedValues(t, e, countyA, "2024"); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused import changed the values: %v → %v", before, after)
		}
		// The words are Chinese and name both cells; Accept-Language: en gives English, with
		// the same codes and cells.
		var body struct {
			Errors []struct {
				Message    string
				Extensions struct {
					Refused []struct{ Cell, Rule, Message string }
				}
			}
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		top := body.Errors[0].Message
		for cell := range want {
			if !strings.Contains(top, cell+" 单元格") {
				t.Errorf("message %q does not name cell %s", top, cell)
			}
		}
		if !strings.HasPrefix(top, "2个单元格被拒绝,未保存任何数据") {
			t.Errorf("message %q: want Chinese", top)
		}
		for _, r := range body.Errors[0].Extensions.Refused {
			if !strings.Contains(r.Message, "负数") && !strings.Contains(r.Message, "不是整数") {
				t.Errorf("refusal %+v: want the Chinese message", r)
			}
		}
		en := postImport(t, e, clerk, countyA, "2024", file, "", "en-US,en;q=0.9")
		var enBody struct {
			Errors []struct {
				Message    string
				Extensions struct {
					Refused []struct{ Cell, Rule, Message string }
				}
			}
		}
		json.Unmarshal(en.Body.Bytes(), &enBody)
		if en.Code != http.StatusBadRequest || len(enBody.Errors) != 1 || !strings.HasPrefix(enBody.Errors[0].Message, "2 cells refused, nothing was saved") {
			t.Fatalf("Accept-Language: en: %d %s", en.Code, en.Body.String())
		}
		for _, r := range enBody.Errors[0].Extensions.Refused {
			if want[r.Cell] != r.Rule || !strings.Contains(r.Message, "negative") && !strings.Contains(r.Message, "whole number") {
				t.Errorf("English refusal %+v", r)
			}
		}
	})

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		f := mustTemplate(t, e, clerk, countyA, "2024")
		file := fill(t, f, map[string]float64{"IP_BATCHES_INSPECTED": 140})
		if rec := postImport(t, e, clerk, countyA, "2024", file, "0"); rec.Code != http.StatusConflict {
			t.Errorf("stale version: %d %s", rec.Code, rec.Body.String())
		}
		// Without expectedVersion the sheet's own version (cell H2) is used.
		if rec := postImport(t, e, clerk, countyA, "2024", file, ""); rec.Code != http.StatusOK {
			t.Errorf("import: %d %s", rec.Code, rec.Body.String())
		}
		if v := storedValues(t, e, countyA, "2024")["IP_BATCHES_INSPECTED"]; v != 140 {
			t.Errorf("IP_BATCHES_INSPECTED = %v", v)
		}
		// Empty cells are "not entered": the other figures stay.
		if got := len(storedValues(t, e, countyA, "2024")); got != len(figures) {
			t.Errorf("%d values stored, want %d", got, len(figures))
		}
	})
}

func TestExcelWrongSheet(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	MustOpen(t, e, "2025")
	clerkA := e.Token(t, countyA, auth.RoleReporter)
	clerkB := e.Token(t, countyB, auth.RoleReporter)
	sheet := func(mutate func(f *excelize.File)) []byte {
		f := mustTemplate(t, e, clerkA, countyA, "2024")
		if mutate != nil {
			mutate(f)
		}
		return fill(t, f, map[string]float64{"IP_BATCHES_INSPECTED": 130})
	}
	nothingStored := func(t *testing.T) {
		t.Helper()
		var n int64
		e.Owner.Raw(`SELECT count(*) FROM submissions WHERE period IN ('2024', '2025') AND region_code IN (?, ?)`, countyA, countyB).Scan(&n)
		if n != 0 {
			t.Errorf("%d submissions stored", n)
		}
	}

	for _, c := range []struct {
		name, token, region, period string
		file                        []byte
		status                      int
		code, cell                  string
	}{
		{"OtherRegion", clerkB, countyB, "2024", sheet(nil), 400, "BAD_USER_INPUT", "B2"},
		{"OtherPeriod", clerkA, countyA, "2025", sheet(nil), 400, "BAD_USER_INPUT", "D2"},
		{"OtherPlan", clerkA, countyA, "2024", sheet(func(f *excelize.File) {
			f.SetCellValue(excel.EntrySheet, "F2", "OTHER_PLAN")
		}), 400, "BAD_USER_INPUT", "F2"},
		{"NotAWorkbook", clerkA, countyA, "2024", []byte("region,period\n419902,2024\n"), 400, "BAD_USER_INPUT", ""},
		// Denials: the same checks as saveDataValues (NOT_FOUND outside the caller's scope).
		{"SiblingCounty", clerkB, countyA, "2024", sheet(nil), 404, "NOT_FOUND", ""},
		{"OtherCity", e.Token(t, "419700", auth.RoleReporter), countyA, "2024", sheet(nil), 404, "NOT_FOUND", ""},
		{"CityReviewer", e.Token(t, city, auth.RoleReviewer), countyA, "2024", sheet(nil), 403, "FORBIDDEN", ""},
		{"NoToken", "", countyA, "2024", sheet(nil), 401, "UNAUTHENTICATED", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := postImport(t, e, c.token, c.region, c.period, c.file, "0")
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body.String())
			}
			code, ext := errorCode(t, rec)
			if code != c.code || (c.cell != "" && ext["cell"] != c.cell) {
				t.Errorf("got %s %v, want %s at %s", code, ext, c.code, c.cell)
			}
			nothingStored(t)
		})
	}

	t.Run("GraphQLNotAWorkbook", func(t *testing.T) {
		if r := importWorkbook(t, e, clerkA, countyA, "2024", 0, []byte("%PDF-1.4")); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("got %s %+v", r.Code(), r.Errors)
		}
		nothingStored(t)
	})

	t.Run("TemplateDenied", func(t *testing.T) {
		for name, c := range map[string]struct {
			token  string
			status int
		}{
			"SiblingCounty": {clerkB, 404},
			"OtherCity":     {e.Token(t, "419700", auth.RoleAdmin), 404},
			"NoToken":       {"", 401},
			"BadToken":      {"not-a-token", 401},
		} {
			if rec := get(t, e, c.token, "/excel/template?region="+countyA+"&period=2024"); rec.Code != c.status {
				t.Errorf("%s: %d, want %d", name, rec.Code, c.status)
			}
		}
	})

	t.Run("TooLarge", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 2<<20)
		if rec := postImport(t, e, clerkA, countyA, "2024", big, "0"); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", rec.Code)
		}
	})
}

func TestDashboardExport(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	analyst := e.Token(t, city, auth.RoleAnalyst)
	var gql struct {
		Dashboard struct {
			Columns []struct{ Code, Name string }
			Rows    []struct {
				Indicator struct{ Code string }
				Total     struct {
					Value        *float64
					Completeness struct{ Expected, Approved int }
				}
			}
		}
	}
	e.MustOK(t, analyst, `{ dashboard(regionCode: "419900", period: "2022") { columns { code name } rows { indicator { code } total { value completeness { expected approved } } } } }`, nil, &gql)

	rec := get(t, e, analyst, "/excel/dashboard?region=419900&period=2022")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	cell := func(col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col, row)
		v, _ := f.GetCellValue(excel.DashboardSheet, name, excelize.Options{RawCellValue: true})
		return v
	}
	for i, h := range []string{"指标 code", "指标名称 indicator", "单位 unit", "合计 total"} {
		if got := cell(i+1, excel.DashboardHeaderRow); got != h {
			t.Errorf("header %d = %q, want %q", i+1, got, h)
		}
	}
	for j, c := range gql.Dashboard.Columns {
		if got := cell(excel.DashboardFirstChildColumn+j, excel.DashboardHeaderRow); !strings.Contains(got, c.Code) {
			t.Errorf("column %d = %q, want %s", j, got, c.Code)
		}
	}
	checked := 0
	for i, row := range gql.Dashboard.Rows {
		r := excel.DashboardHeaderRow + 1 + i
		if got := cell(1, r); got != row.Indicator.Code {
			t.Fatalf("row %d is %q, want %s", r, got, row.Indicator.Code)
		}
		if want := fmt.Sprintf("%d/%d", row.Total.Completeness.Approved, row.Total.Completeness.Expected); cell(5, r) != want {
			t.Errorf("%s completeness %q, want %q", row.Indicator.Code, cell(5, r), want)
		}
		if row.Total.Value == nil {
			continue
		}
		got, err := strconv.ParseFloat(cell(4, r), 64)
		if err != nil || math.Abs(got-*row.Total.Value) > 1e-9 {
			t.Errorf("%s: total cell %q, GraphQL total %v", row.Indicator.Code, cell(4, r), *row.Total.Value)
		}
		if row.Indicator.Code == "2.10" {
			checked++
		}
		if cell(7, r) == "" {
			t.Errorf("%s: no assessment", row.Indicator.Code)
		}
	}
	if checked != 1 {
		t.Errorf("indicator 2.10 has no total in the export")
	}

	t.Run("SamePermissionsAsTheQuery", func(t *testing.T) {
		for name, c := range map[string]struct {
			token, region string
			status        int
		}{
			"CountyReadsItsCityPublished": {e.Token(t, countyA, auth.RoleReporter), city, 200},
			"SiblingCounty":               {e.Token(t, countyB, auth.RoleAnalyst), countyA, 404},
			"OtherCity":                   {e.Token(t, "419700", auth.RoleAdmin), city, 404},
			"NoToken":                     {"", city, 401},
		} {
			rec := get(t, e, c.token, "/excel/dashboard?region="+c.region+"&period=2022")
			if rec.Code != c.status {
				t.Errorf("%s: %d, want %d (%s)", name, rec.Code, c.status, rec.Body.String())
			}
		}
		// Unpublished above the caller: as the query, NOT_FOUND.
		if rec := get(t, e, e.Token(t, countyA, auth.RoleReporter), "/excel/dashboard?region="+city+"&period=2024"); rec.Code != 404 {
			t.Errorf("unpublished: %d", rec.Code)
		}
	})
}
