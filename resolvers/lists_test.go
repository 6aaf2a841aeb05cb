package resolvers

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"planapi/graph"
)

// listSelection is the selection under the first list field named list in query.
func listSelection(t *testing.T, query, list string) ast.SelectionSet {
	t.Helper()
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	var find func(ast.SelectionSet) ast.SelectionSet
	find = func(sel ast.SelectionSet) ast.SelectionSet {
		for _, s := range sel {
			if f, ok := s.(*ast.Field); ok {
				if f.Name == list {
					return f.SelectionSet
				}
				if got := find(f.SelectionSet); got != nil {
					return got
				}
			}
		}
		return nil
	}
	got := find(doc.Operations[0].SelectionSet)
	if got == nil {
		t.Fatalf("no field %s in %s", list, query)
	}
	return got
}

// A list is marshalled inline (one goroutine) unless a field selected under it may wait and the
// list does not excuse it (graph/generated_marshal.go, decided by cmd/gqlgen).
func TestListMayWait(t *testing.T) {
	for _, c := range []struct {
		name, elem, list, query string
		waits                   bool
	}{
		{"the nested submissions list: values primed with the page", "SubmissionEdge", "edges",
			`{ submissions(regionCode: "419900", first: 50) { edges { node { region { code } status values { element { code } value } } } } }`, false},
		{"a page's trail and task progress: loaded in one batch", "SubmissionEdge", "edges",
			`{ submissions(regionCode: "419900") { edges { node { returnReason history { action } taskProgress { status } values { history { action } flags { code } } } } } }`, false},
		{"one submission's values with their trail: one key", "DataValue", "values",
			`{ submission(regionCode: "419902", period: "2023") { values { value history { action } flags { code } } } }`, false},
		{"the dashboard's grid", "DashboardRow", "rows",
			`{ dashboard(regionCode: "419900", period: "2023") { rows { indicator { code name category { name } } total { value completeness { expected missing { code parent { code } } } } cells { value region { code } } } } }`, false},
		{"a gap per dashboard row: each reads the store", "DashboardRow", "rows",
			`{ dashboard(regionCode: "419900", period: "2023") { rows { indicator { gap(regionCode: "419900") { status } } } } }`, true},
		{"an indicator's values per row, deep under a fragment", "DashboardRow", "rows",
			`query { dashboard(regionCode: "419900", period: "2023") { rows { total { ...v } } } } fragment v on IndicatorValue { indicator { values(regionCode: "419900", periods: ["2023"]) { value } } }`, true},
		{"each unit's submission's values: one key per unit, not prefetched", "UnitStatus", "reportingStatus",
			`{ reportingStatus(regionCode: "419900", period: "2023") { filled submission { values { value } } } }`, true},
		{"the status board without values", "UnitStatus", "reportingStatus",
			`{ reportingStatus(regionCode: "419900", period: "2023") { filled region { name } submission { status version } } }`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := graph.ListMayWait(c.elem, listSelection(t, c.query, c.list)); got != c.waits {
				t.Errorf("ListMayWait(%s) = %v, want %v", c.elem, got, c.waits)
			}
		})
	}
}
