package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"planapi/auth"
)

// nestedList is the city's nested list of issue 14: a page of fifty submissions with every
// value, the shape PostGraphile was compared on (no totalCount asked).
const nestedList = `query { submissions(regionCode: "110100", first: 50) { edges { node { region { code } period status version values { element { code } value comment } } } } }`

// BenchmarkCitySubmissionsNested is a city's first fifty submissions with their values
// (about 50 submissions and 1,500 values on the national data set).
func BenchmarkCitySubmissionsNested(b *testing.B) {
	e := national(b)
	e.run(b, "110100", nestedList)
}

// BenchmarkCitySubmissionsNestedTotal is the same page asking totalCount too, which costs a
// count(*) over the city's submissions.
func BenchmarkCitySubmissionsNestedTotal(b *testing.B) {
	e := national(b)
	e.run(b, "110100", `query { submissions(regionCode: "110100", first: 50) { totalCount edges { node { region { code } period status version values { element { code } value comment } } } } }`)
}

// BenchmarkCitySubmissionsNestedParallel is the nested list from several clients at once
// (b.RunParallel, 4 per CPU): throughput with both CPUs busy, where the garbage collector's
// share shows (compare GOGC=100 and GOGC=400 in the environment).
func BenchmarkCitySubmissionsNestedParallel(b *testing.B) {
	e := national(b)
	do := e.client(b, "110100", nestedList)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do()
		}
	})
}

// client returns a function that posts query with a token for region, after checking one
// answer (which also warms the pool).
func (e *env) client(b *testing.B, region, query string) func() []byte {
	b.Helper()
	tok, err := auth.Mint(e.secret, auth.MintClaims{Subject: "bench", Region: region, Role: auth.RoleAnalyst}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": query})
	do := func() []byte {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec.Body.Bytes()
	}
	var out struct {
		Errors []any `json:"errors"`
	}
	if first := do(); json.Unmarshal(first, &out) != nil || len(out.Errors) > 0 {
		b.Fatalf("query failed: %s", first)
	}
	return do
}

// BenchmarkCityReportingStatus is the city's reporting status board for one year: its
// counties' submissions found by subtree, their values and missing figures counted.
func BenchmarkCityReportingStatus(b *testing.B) {
	e := national(b)
	e.run(b, "110100", `query { reportingStatus(regionCode: "110100", period: "2023") { region { code } status filled declaredMissing required } }`)
}
