package main

import (
	"os"
	"strings"
	"testing"
)

// The resolvers' analysis on the project's own resolvers: what reads the store or a loader
// may wait, what computes from memory does not, whatever the call depth.
func TestResolversThatMayWait(t *testing.T) {
	a, err := analyse("../../graph")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		object, method string
		waits          bool
	}{
		{"Submission", "Values", true},       // the values loader
		{"Submission", "ReturnReason", true}, // the history loader, after a status test
		{"DataValue", "History", true},
		{"Indicator", "Gap", true},       // r.Store.Gap, no loader
		{"Indicator", "Values", true},    // the roll-up loader
		{"Query", "Dashboard", true},     // through helpers of the package
		{"Region", "Parent", false},      // the region cache
		{"Indicator", "Category", false}, // the catalogue
		{"Submission", "Region", false},
		{"Submission", "Status", false},
		{"QualityFlag", "Message", false},
		{"Indicator", "NoSuchField", true}, // not found: counts as waiting
	} {
		if got := a.waits(c.object, c.method); got != c.waits {
			t.Errorf("%s.%s may wait: %v, want %v", c.object, c.method, got, c.waits)
		}
	}
}

// The committed executor is what this command writes: lists of objects go through
// marshalList with their element type, none through gqlgen's MarshalSliceConcurrently directly,
// and objects make their deferred group only when a field is deferred.
func TestExecutorRewritten(t *testing.T) {
	src, err := os.ReadFile("../../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if strings.Contains(s, concurrent) {
		t.Errorf("graph/generated.go still calls %s: run go generate ./...", concurrent)
	}
	if strings.Contains(s, deferGroup) || !strings.Contains(s, lazyGroup) {
		t.Errorf("graph/generated.go still builds a deferred group for every object: run go generate ./...")
	}
	for _, want := range []string{`marshalList(ctx, sel, "DataValue", len(v), `, `marshalList(ctx, sel, "DashboardRow", len(v), `,
		`marshalList(ctx, sel, "SubmissionEdge", len(v), `, `marshalListInline(ctx, len(v), `} {
		if !strings.Contains(s, want) {
			t.Errorf("graph/generated.go lacks %s", want)
		}
	}
}
