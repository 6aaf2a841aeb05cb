package bench

import (
	"testing"
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
	do := e.request(b, "110100", nestedList)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do()
		}
	})
}

// BenchmarkCityReportingStatus is the city's reporting status board for one year: its
// counties' submissions found by subtree, their values and missing figures counted.
func BenchmarkCityReportingStatus(b *testing.B) {
	e := national(b)
	e.run(b, "110100", `query { reportingStatus(regionCode: "110100", period: "2023") { region { code } status filled declaredMissing required } }`)
}
