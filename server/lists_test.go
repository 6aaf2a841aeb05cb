package server_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

// TestNestedListSameValues shows that a page's values, read in the page's own transaction and
// primed into the loader, are byte for byte what the loader reads for each submission alone,
// and that totalCount is counted only when asked and then right.
func TestNestedListSameValues(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	const vals = `values { element { code } value comment updatedAt updatedBy }`
	var page struct {
		Submissions struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					Region struct {
						Code string `json:"code"`
					} `json:"region"`
					Period string          `json:"period"`
					Values json.RawMessage `json:"values"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"submissions"`
	}
	e.MustOK(t, tok, `{ submissions(regionCode: "`+city+`", first: 50) { totalCount edges { node { region { code } period `+vals+` } } } }`, nil, &page)
	if len(page.Submissions.Edges) == 0 {
		t.Fatal("no submissions in the demo city")
	}
	if page.Submissions.TotalCount != len(page.Submissions.Edges) {
		t.Errorf("totalCount %d, %d edges on a page of 50", page.Submissions.TotalCount, len(page.Submissions.Edges))
	}
	nonEmpty := 0
	for _, edge := range page.Submissions.Edges {
		n := edge.Node
		var one struct {
			Submission struct {
				Values json.RawMessage `json:"values"`
			} `json:"submission"`
		}
		e.MustOK(t, tok, `query($r: String!, $p: String!) { submission(regionCode: $r, period: $p) { `+vals+` } }`, map[string]any{"r": n.Region.Code, "p": n.Period}, &one)
		if !bytes.Equal(n.Values, one.Submission.Values) {
			t.Errorf("%s %s: the page's values\n%s\ndiffer from the submission's own\n%s", n.Region.Code, n.Period, n.Values, one.Submission.Values)
		}
		if len(n.Values) > 2 {
			nonEmpty++
		}
	}
	if nonEmpty == 0 {
		t.Error("no submission with values: the comparison shows nothing")
	}
	// Without totalCount the count is not run; the field is still answered when asked alone.
	var noCount struct {
		Submissions struct {
			TotalCount int `json:"totalCount"`
		} `json:"submissions"`
	}
	e.MustOK(t, tok, `{ submissions(regionCode: "`+city+`", first: 1) { ... on SubmissionConnection { totalCount } } }`, nil, &noCount)
	if noCount.Submissions.TotalCount != page.Submissions.TotalCount {
		t.Errorf("totalCount through a fragment: %d, want %d", noCount.Submissions.TotalCount, page.Submissions.TotalCount)
	}
}
