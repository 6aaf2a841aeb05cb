package bench

import "testing"

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
