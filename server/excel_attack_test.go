package server_test

// Adversarial review of the entry form, the Excel endpoints and recall (issue 12): each
// subtest is one attack; those that pass are held, fixed ones carry the fix's test.

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"planapi/auth"
	"planapi/excel"
	"planapi/server"
	"planapi/testenv"
)

// rewriteSheet returns the workbook with its first worksheet's XML transformed.
func rewriteSheet(tb testing.TB, file []byte, fn func(string) string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "xl/worksheets/sheet1.xml" {
			b = []byte(fn(string(b)))
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	return out.Bytes()
}

func TestExcelAttackImport(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	submissions := func() int64 {
		var n int64
		e.Owner.Raw(`SELECT count(*) FROM submissions WHERE period = '2024' AND region_code = ?`, countyA).Scan(&n)
		return n
	}
	textCell := func(code, text string) []byte {
		f := mustTemplate(t, e, clerk, countyA, "2024")
		f.SetCellStr(excel.EntrySheet, fmt.Sprintf("C%d", rowOf(t, f, code)), text)
		return fill(t, f, nil)
	}

	t.Run("TextNumbers", func(t *testing.T) {
		for _, c := range []struct {
			text   string
			status int
		}{
			{"十二", 400}, {"１２", 400}, {"NaN", 400}, {"Inf", 400}, {"-Inf", 400}, {"1e400", 400}, {"1e308", 400},
			{"12,5", 400}, {"1,2,3", 400}, {"0x1p4", 400}, {"1_000", 400}, {"1,,000", 400}, {",1000", 400}, {"1 000", 400},
		} {
			rec := postImport(t, e, clerk, countyA, "2024", textCell("COMPLAINTS_RECEIVED", c.text), "0")
			if rec.Code != c.status {
				t.Fatalf("%q: %d %s", c.text, rec.Code, rec.Body.String())
			}
			if code, _ := errorCode(t, rec); code != "BAD_USER_INPUT" {
				t.Errorf("%q: %s", c.text, code)
			}
			if n := submissions(); n != 0 {
				t.Fatalf("%q: stored a submission", c.text)
			}
		}
	})

	t.Run("ManyRows", func(t *testing.T) {
		// 200k rows of codes within the 1 MiB body: refused, stored nothing, answer bounded.
		f := mustTemplate(t, e, clerk, countyA, "2024")
		file := fill(t, f, nil)
		var rows strings.Builder
		rows.WriteString(strings.Repeat(`<row><c t="inlineStr"><is><t>X</t></is></c><c/><c><v>1</v></c></row>`, 200000))
		file = rewriteSheet(t, file, func(x string) string { return strings.Replace(x, "</sheetData>", rows.String()+"</sheetData>", 1) })
		if len(file) > 1<<20 {
			t.Fatalf("file %d bytes", len(file))
		}
		rec := postImport(t, e, clerk, countyA, "2024", file, "0")
		if rec.Code != 400 || rec.Body.Len() > 64<<10 {
			t.Errorf("%d, %d bytes of answer", rec.Code, rec.Body.Len())
		}
		if submissions() != 0 {
			t.Fatal("stored")
		}
		// One cell far right in each of 1,500 rows: excelize pads every row to it.
		rows.Reset()
		for i := 100; i < 1600; i++ {
			fmt.Fprintf(&rows, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, i, i)
		}
		file = rewriteSheet(t, fill(t, mustTemplate(t, e, clerk, countyA, "2024"), nil), func(x string) string {
			return strings.Replace(x, "</sheetData>", rows.String()+"</sheetData>", 1)
		})
		if rec := postImport(t, e, clerk, countyA, "2024", file, "0"); rec.Code != 400 {
			t.Errorf("wide: %d", rec.Code)
		}
		if submissions() != 0 {
			t.Fatal("stored")
		}
	})

	t.Run("PercentFormattedCell", func(t *testing.T) {
		// A clerk types 95.3%% into a General cell: Excel stores 0.953 with a percent format.
		cityClerk := e.Token(t, city, auth.RoleReporter)
		f := mustTemplate(t, e, cityClerk, city, "2024")
		cell := fmt.Sprintf("C%d", rowOf(t, f, "SMART_PLATFORM_INTEGRATION"))
		st, _ := f.NewStyle(&excelize.Style{NumFmt: 10, Protection: &excelize.Protection{Locked: false}})
		f.SetCellStyle(excel.EntrySheet, cell, cell, st)
		f.SetCellFloat(excel.EntrySheet, cell, 0.953, -1, 64)
		rec := postImport(t, e, cityClerk, city, "2024", fill(t, f, nil), "0")
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
		if v := storedValues(t, e, city, "2024")["SMART_PLATFORM_INTEGRATION"]; v != 95.3 {
			t.Errorf("typed 95.3%%, stored %v", v)
		}
	})

	t.Run("FormulaAndInjection", func(t *testing.T) {
		f := mustTemplate(t, e, clerk, countyA, "2024")
		r := rowOf(t, f, "COMPLAINTS_RECEIVED")
		f.SetCellFormula(excel.EntrySheet, fmt.Sprintf("C%d", r), "1/0")
		f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", rowOf(t, f, "TIPS_RECEIVED")), 4)
		rec := postImport(t, e, clerk, countyA, "2024", fill(t, f, nil), "")
		if code, ext := errorCode(t, rec); rec.Code != 400 || code != "BAD_USER_INPUT" || ext["refused"] == nil {
			t.Errorf("formula without cached value: %d %s", rec.Code, rec.Body.String())
		}
		// A comment and a reason starting with '=' come back as text, never as a formula.
		f = mustTemplate(t, e, clerk, countyA, "2024")
		f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", r), 5)
		f.SetCellStr(excel.EntrySheet, fmt.Sprintf("E%d", r), `=HYPERLINK("http://evil/","x")`)
		f.SetCellStr(excel.EntrySheet, fmt.Sprintf("D%d", rowOf(t, f, "TIPS_RECEIVED")), `=cmd|' /C calc'!A0`)
		if rec := postImport(t, e, clerk, countyA, "2024", fill(t, f, nil), ""); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
		for _, tok := range []string{clerk, e.Token(t, city, auth.RoleReviewer)} {
			g := mustTemplate(t, e, tok, countyA, "2024")
			for _, c := range []string{fmt.Sprintf("E%d", r), fmt.Sprintf("D%d", rowOf(t, g, "TIPS_RECEIVED"))} {
				if fo, _ := g.GetCellFormula(excel.EntrySheet, c); fo != "" {
					t.Errorf("%s is a formula: %q", c, fo)
				}
				if v, _ := g.GetCellValue(excel.EntrySheet, c); !strings.HasPrefix(v, "=") {
					t.Errorf("%s = %q", c, v)
				}
			}
		}
	})

	t.Run("NotXLSX", func(t *testing.T) {
		var empty bytes.Buffer
		zw := zip.NewWriter(&empty)
		zw.Close()
		for name, b := range map[string][]byte{"empty": {}, "emptyZip": empty.Bytes(), "ole": append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...),
			"csv": []byte("a,b\n1,2\n")} {
			rec := postImport(t, e, clerk, countyA, "2024", b, "")
			if code, _ := errorCode(t, rec); rec.Code != 400 || code != "BAD_USER_INPUT" {
				t.Errorf("%s: %d %s", name, rec.Code, rec.Body.String())
			}
		}
	})

	t.Run("RowsAndCodes", func(t *testing.T) {
		before := storedValues(t, e, countyA, "2024")
		for name, c := range map[string]struct {
			edit func(f *excelize.File)
			rule string
		}{
			"DuplicateCode": {func(f *excelize.File) {
				r := rowOf(t, f, "IP_BATCHES_INSPECTED")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("A%d", r+1), "IP_BATCHES_INSPECTED")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", r), 1)
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", r+1), 2)
			}, "DUPLICATE_ELEMENT"},
			"CityElement": {func(f *excelize.File) {
				r := rowOf(t, f, "IP_BATCHES_INSPECTED")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("A%d", r), "SMART_PLATFORM_INTEGRATION")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", r), 50)
			}, "WRONG_LEVEL"},
			"TaskCode": {func(f *excelize.File) {
				r := rowOf(t, f, "IP_BATCHES_INSPECTED")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("A%d", r), "2.3.3")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", r), 50)
			}, "UNKNOWN_ELEMENT"},
			"ValueAndReason": {func(f *excelize.File) {
				r := rowOf(t, f, "IP_BATCHES_INSPECTED")
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", r), 5)
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("D%d", r), "无")
			}, "VALUE_AND_MISSING_REASON"},
			"DateCell": {func(f *excelize.File) {
				f.SetCellValue(excel.EntrySheet, fmt.Sprintf("C%d", rowOf(t, f, "IP_BATCHES_INSPECTED")), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
			}, "NOT_A_NUMBER"},
			"BoolCell": {func(f *excelize.File) {
				f.SetCellBool(excel.EntrySheet, fmt.Sprintf("C%d", rowOf(t, f, "IP_BATCHES_INSPECTED")), true)
			}, ""},
		} {
			f := mustTemplate(t, e, clerk, countyA, "2024")
			c.edit(f)
			rec := postImport(t, e, clerk, countyA, "2024", fill(t, f, nil), "")
			if rec.Code == 200 {
				t.Errorf("%s: accepted", name)
				continue
			}
			code, ext := errorCode(t, rec)
			got := ""
			if ref, ok := ext["refused"].([]any); ok && len(ref) > 0 {
				got, _ = ref[0].(map[string]any)["rule"].(string)
			}
			if code != "BAD_USER_INPUT" || (c.rule != "" && got != c.rule) {
				t.Errorf("%s: %s %s", name, code, rec.Body.String())
			}
		}
		if after := storedValues(t, e, countyA, "2024"); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("changed: %v → %v", before, after)
		}
	})

	t.Run("GraphQLMultipart", func(t *testing.T) {
		file := fill(t, mustTemplate(t, e, clerk, countyA, "2024"), map[string]float64{"TIPS_RECEIVED": 3})
		for name, c := range map[string]struct{ mapping, part string }{
			"MapToRegion": {`{"0": ["variables.r"]}`, "0"},
			"MapMissing":  {`{"1": ["variables.f"]}`, "0"},
			"BadMap":      {`{`, "0"},
			"NoFile":      {`{"0": ["variables.f"]}`, "x"},
		} {
			ops := `{"query":"mutation($f: Upload!, $r: String!) { importWorkbook(file: $f, regionCode: $r, period: \"2024\", expectedVersion: 0) { version } }","variables":{"f":null,"r":"419902"}}`
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("operations", ops)
			mw.WriteField("map", c.mapping)
			fw, _ := mw.CreateFormFile(c.part, "entry.xlsx")
			fw.Write(file)
			mw.Close()
			req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+clerk)
			rec := httptest.NewRecorder()
			e.Handler.ServeHTTP(rec, req)
			if rec.Code >= 500 || strings.Contains(rec.Body.String(), "INTERNAL") || !strings.Contains(rec.Body.String(), "errors") {
				t.Errorf("%s: %d %s", name, rec.Code, rec.Body.String())
			}
		}
	})

	t.Run("Multipart", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/excel/import", strings.NewReader("region=419902&period=2024"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+clerk)
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		if code, _ := errorCode(t, rec); rec.Code != 400 || code != "BAD_USER_INPUT" {
			t.Errorf("urlencoded: %d %s", rec.Code, rec.Body.String())
		}
	})
}

func TestExcelAttackReads(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerkA := e.Token(t, countyA, auth.RoleReporter)
	// countyA's 2023 (previous) figures exist only in the demo's approved submissions; a
	// sibling's and the city's forms must not show through.
	t.Run("FormAndTemplateScope", func(t *testing.T) {
		for name, c := range map[string]struct{ token, region string }{
			"Sibling": {clerkA, countyB}, "City": {clerkA, city}, "OtherCity": {clerkA, "419700"},
			"OtherCitysCounty": {clerkA, "419701"}, "Province": {clerkA, "410000"},
			"OtherCityAdmin": {e.Token(t, "419700", auth.RoleAdmin), countyA},
		} {
			r := e.Do(t, c.token, entryFormQuery, map[string]any{"r": c.region, "p": "2024"})
			if r.Code() != "NOT_FOUND" {
				t.Errorf("%s entryForm: %s %s", name, r.Code(), string(r.Data))
			}
			if rec := get(t, e, c.token, "/excel/template?region="+c.region+"&period=2024"); rec.Code != 404 {
				t.Errorf("%s template: %d", name, rec.Code)
			}
		}
		// The previous column holds only countyA's own figures.
		form := mustEntryForm(t, e, clerkA, countyA, "2024")
		var own []struct {
			Code string
			V    float64
		}
		e.Owner.Raw(`SELECT de.code, dv.value AS v FROM data_values dv JOIN submissions s ON s.id = dv.submission_id JOIN data_elements de ON de.id = dv.element_id WHERE s.region_code = ? AND s.period = '2022'`, countyA).Scan(&own)
		ownBy := map[string]float64{}
		for _, o := range own {
			ownBy[o.Code] = o.V
		}
		for _, g := range form.Groups {
			for _, f := range g.Fields {
				if f.PreviousValue != nil && f.PreviousPeriod != nil && *f.PreviousPeriod == "2022" && ownBy[f.Code] != *f.PreviousValue {
					t.Errorf("%s previous %v, own 2022 %v", f.Code, *f.PreviousValue, ownBy[f.Code])
				}
			}
		}
	})

	t.Run("DashboardExportSmallCells", func(t *testing.T) {
		// 2024: only countyA and countyB approved, published: every total is withheld from a county.
		vals := map[string]float64{"COMPLAINTS_RECEIVED": 100, "COMPLAINTS_CLOSED_ON_TIME": 90, "IP_BATCHES_INSPECTED": 50, "IP_BATCHES_FAILED": 2, "RESIDENT_POPULATION": 400000}
		MustInsertSubmission(t, e, countyA, "2024", "APPROVED", vals)
		MustInsertSubmission(t, e, countyB, "2024", "APPROVED", vals)
		MustPublish(t, e, city, "2024")
		rec := get(t, e, clerkA, "/excel/dashboard?region="+city+"&period=2024")
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
		f, _ := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		rows, _ := f.GetRows(excel.DashboardSheet)
		var gql struct {
			Dashboard struct {
				Columns []struct{ Code string }
				Rows    []struct {
					Indicator struct{ Code string }
					Total     struct {
						Value    *float64
						Withheld bool
					}
				}
			}
		}
		e.MustOK(t, clerkA, `{ dashboard(regionCode: "419900", period: "2024") { columns { code } rows { indicator { code } total { value withheld } } } }`, nil, &gql)
		if len(gql.Dashboard.Columns) != 1 {
			t.Errorf("columns %v", gql.Dashboard.Columns)
		}
		for i, r := range gql.Dashboard.Rows {
			x := rows[excel.DashboardHeaderRow+i]
			if len(x) > 8 && len(x) > 9 {
				t.Errorf("%s: more than one child column: %v", r.Indicator.Code, x)
			}
			if r.Total.Withheld != (x[3] == "已隐去") {
				t.Errorf("%s: gql withheld %v, export %q", r.Indicator.Code, r.Total.Withheld, x[3])
			}
			if r.Total.Value == nil && x[3] != "已隐去" && x[3] != "—" && x[3] != "" {
				t.Errorf("%s: export total %q, gql null", r.Indicator.Code, x[3])
			}
			for _, c := range x[4:8] {
				if strings.Contains(c, "100") || strings.Contains(c, "90") && r.Indicator.Code == "3.3" {
					t.Logf("%s: %v", r.Indicator.Code, x[:8])
				}
			}
		}
		// The range and another city's dashboard.
		for name, c := range map[string]struct{ token, region, period string }{
			"Range":      {clerkA, city, "2021..2024"},
			"RangeDemo":  {clerkA, city, "2021..2022"},
			"OtherCity":  {clerkA, "419700", "2022"},
			"Sibling":    {clerkA, countyB, "2022"},
			"OtherAdmin": {e.Token(t, "419700", auth.RoleAdmin), city, "2022"},
		} {
			if rec := get(t, e, c.token, "/excel/dashboard?region="+c.region+"&period="+c.period); rec.Code != 404 {
				t.Errorf("%s: %d %s", name, rec.Code, rec.Body.String())
			}
		}
	})

	t.Run("HTTP", func(t *testing.T) {
		for name, c := range map[string]struct {
			method, url, token string
			status             int
		}{
			"TokenInQuery": {"GET", "/excel/template?region=419902&period=2024&access_token=" + clerkA, "", 401},
			"WrongMethod":  {"PUT", "/excel/template?region=419902&period=2024", clerkA, 405},
			"HEAD":         {"HEAD", "/excel/dashboard?region=419900&period=2022", clerkA, 405},
			"GETImport":    {"GET", "/excel/import", clerkA, 405},
			"Unknown":      {"GET", "/excel/../graphql", clerkA, 0},
			"Huge":         {"GET", "/excel/template?region=419902&period=" + strings.Repeat("9", 1<<16), clerkA, 400},
			"BadPeriod":    {"GET", "/excel/dashboard?region=419900&period=2024%0d%0aX-Evil:1", clerkA, 400},
			"NoArgs":       {"GET", "/excel/dashboard", clerkA, 400},
		} {
			req := httptest.NewRequest(c.method, c.url, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			rec := httptest.NewRecorder()
			e.Handler.ServeHTTP(rec, req)
			if c.status != 0 && rec.Code != c.status {
				t.Errorf("%s: %d %s", name, rec.Code, rec.Body.String())
			}
			if rec.Code >= 500 {
				t.Errorf("%s: %d", name, rec.Code)
			}
		}
	})
}

func TestRecallAttack(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	MustOpen(t, e, "2024")
	MustSubmitted(t, e, clerk, "2024")

	t.Run("RaceWithApprove", func(t *testing.T) {
		done := make(chan *testenv.Response, 2)
		go func() { done <- e.Do(t, clerk, recallMutation, recallVars(countyA, "2024", 2)) }()
		go func() {
			done <- e.Do(t, reviewer, `mutation { approveSubmission(regionCode: "419902", period: "2024", expectedVersion: 2) { status } }`, nil)
		}()
		a, b := <-done, <-done
		if (len(a.Errors) == 0) == (len(b.Errors) == 0) {
			t.Fatalf("both or neither won: %+v / %+v", a.Errors, b.Errors)
		}
		for _, r := range []*testenv.Response{a, b} {
			if len(r.Errors) > 0 && r.Code() != "CONFLICT" {
				t.Errorf("loser: %s", r.Code())
			}
		}
		var n int64
		e.Owner.Raw(`SELECT count(*) FROM audit_log a JOIN submissions s ON s.id = a.submission_id WHERE s.region_code = ? AND s.period = '2024' AND a.action IN ('RECALL', 'APPROVE')`, countyA).Scan(&n)
		if n != 1 {
			t.Errorf("%d transitions audited", n)
		}
	})

	t.Run("OddNames", func(t *testing.T) {
		// A bidi override or a zero-width name is refused (fixed); a long one is bounded by the
		// 8 KiB token limit.
		for name, n := range map[string]string{"10KB": strings.Repeat("王", 10000), "bidi": "王\u202e丽", "zeroWidth": "\u200b"} {
			tok, err := auth.Mint(e.Secret, auth.MintClaims{Subject: "x", Name: n, Region: countyA, Role: auth.RoleReporter}, time.Hour, time.Now())
			if err != nil {
				continue // refused at minting; the server's check is auth's TestClaimsStrict
			}
			if r := e.Do(t, tok, `{ submission(regionCode: "419902", period: "2024") { status } }`, nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("%s: token accepted", name)
			}
		}
	})
}

func TestRecallAfterClose(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	clerk := e.Token(t, countyA, auth.RoleReporter)
	MustOpen(t, e, "2024")
	MustSubmitted(t, e, clerk, "2024")
	var out map[string]any
	e.MustOK(t, e.Token(t, city, auth.RoleAdmin), `mutation { closePeriod(period: "2024") { open } }`, nil, &out)
	before := fingerprint(t, e, "2024")
	r := e.Do(t, clerk, recallMutation, recallVars(countyA, "2024", 2))
	if len(r.Errors) == 0 || r.Code() == "INTERNAL" {
		t.Errorf("recall after close: %s %s", r.Code(), string(r.Data))
	}
	if after := fingerprint(t, e, "2024"); after != before {
		t.Errorf("changed")
	}
}

func TestExcelCORS(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	allowed := "https://dashboard.example.gov.cn"
	h := testenv.HandlerWith(t, e.DB, e.Cache, func(d *server.Deps) { d.CORSOrigins = []string{allowed} })
	tok := e.Token(t, city, auth.RoleAnalyst)
	for name, c := range map[string]struct {
		method, origin, token string
		wantACAO              bool
	}{
		"PreflightAllowed": {"OPTIONS", allowed, "", true},
		"PreflightRefused": {"OPTIONS", "https://evil.example", "", false},
		"GetAllowed":       {"GET", allowed, tok, true},
		"GetRefused":       {"GET", "https://evil.example", tok, false},
		"NullOrigin":       {"GET", "null", tok, false},
	} {
		req := httptest.NewRequest(c.method, "/excel/dashboard?region=419900&period=2022", nil)
		req.Header.Set("Origin", c.origin)
		if c.method == "OPTIONS" {
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", "authorization")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("Access-Control-Allow-Origin")
		if (got != "") != c.wantACAO || (got != "" && got != c.origin) || rec.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: %d ACAO %q", name, rec.Code, got)
		}
		if c.method == "OPTIONS" && rec.Code >= 400 && c.wantACAO {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
	// An expired token is 401 on /excel as on /graphql.
	exp, _ := auth.Mint(e.Secret, auth.MintClaims{Subject: "x", Region: city, Role: auth.RoleAnalyst}, time.Minute, time.Now().Add(-time.Hour))
	if rec := get(t, e, exp, "/excel/dashboard?region=419900&period=2022"); rec.Code != 401 {
		t.Errorf("expired: %d", rec.Code)
	}
}

func TestExcelAttackFormFields(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	MustOpen(t, e, "2024")
	clerk := e.Token(t, countyA, auth.RoleReporter)
	file := fill(t, mustTemplate(t, e, clerk, countyA, "2024"), map[string]float64{"TIPS_RECEIVED": 3})
	// The form fields name the target, as documented (-F region=…): a query string does not
	// override them.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("region", countyA)
	mw.WriteField("period", "2024")
	fw, _ := mw.CreateFormFile("file", "entry.xlsx")
	fw.Write(file)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/excel/import?region=419903&period=2025&expectedVersion=7", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+clerk)
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("query string overrode the form: %d %s", rec.Code, rec.Body.String())
	}
	for _, p := range []string{"2021..2023Q1", "2024Q5", "2024q1", "", "99999"} {
		if r := e.Do(t, clerk, entryFormQuery, map[string]any{"r": countyA, "p": p}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("entryForm %q: %s", p, r.Code())
		}
	}
}
