package refrollup

import (
	"slices"
	"strings"

	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
)

// Submission is what completeness needs of one submission: whose it is, its period, its
// status, and the elements it holds a value for.
type Submission struct {
	Region   string
	Period   period.Period
	Status   string
	Elements []string
}

// Coverage says how complete a figure at a target region is. Each list holds region codes,
// sorted; Reported, Approved and Missing are subsets of Expected, Approved of Reported, and
// Missing is Expected less Reported.
type Coverage struct {
	Expected []string
	Reported []string
	Approved []string
	Missing  []string
}

// ExpectedUnits lists, sorted, the reporting units a figure over the elements at the target is
// expected from: the regions of the target's subtree (the target included) whose level is the
// level some element is collected at. A figure of county-level elements expects every county
// under the city; one of a city-only element expects the city itself; a formula mixing levels
// expects the union.
func ExpectedUnits(rules map[string]catalogue.DataElement, regions []RegionInfo, elements []string, target string) []string {
	levels := map[catalogue.Level]bool{}
	for _, e := range elements {
		if de, ok := rules[e]; ok {
			levels[de.CollectedAt] = true
		}
	}
	var path string
	for _, r := range regions {
		if r.Code == target {
			path = r.Path
		}
	}
	var out []string
	for _, r := range regions {
		if path != "" && strings.HasPrefix(r.Path, path) && levels[r.Level] {
			out = append(out, r.Code)
		}
	}
	slices.Sort(out)
	return out
}

// Completeness says which reporting units a figure over the elements (a formula's, see
// Elements) at the target for period p is built from. The definition, which
// the roll-up statement (store/internal/rollupsql) implements in SQL:
//
//   - Expected: ExpectedUnits.
//   - A submission is counted when its status is APPROVED, or SUBMITTED with
//     includeUnapproved (DRAFT and RETURNED never count), and its period lies within p.
//   - A unit's contributing submissions for an element are the ones the time roll-up reads:
//     for a quarter, its counted submission for that quarter holding the element; for a
//     year, its counted yearly submission holding the element if it has one, else its counted
//     quarterly submissions of that year holding the element.
//   - Reported: expected units with a contributing submission for at least one element.
//   - Approved: reported units all of whose contributing submissions (over all the elements)
//     are APPROVED. Without includeUnapproved, Approved equals Reported.
//   - Missing: expected units that did not report.
func Completeness(rules map[string]catalogue.DataElement, regions []RegionInfo, subs []Submission, elements []string, target string, p period.Period, includeUnapproved bool) Coverage {
	c := Coverage{Expected: ExpectedUnits(rules, regions, elements, target)}
	byRegion := map[string][]Submission{}
	for _, s := range subs {
		if Counted(s.Status, includeUnapproved) && p.Contains(s.Period) {
			byRegion[s.Region] = append(byRegion[s.Region], s)
		}
	}
	for _, u := range c.Expected {
		reported, approved := false, true
		for _, e := range elements {
			for _, s := range contributing(byRegion[u], e, p) {
				reported = true
				approved = approved && s.Status == models.StatusApproved
			}
		}
		switch {
		case !reported:
			c.Missing = append(c.Missing, u)
		case approved:
			c.Reported = append(c.Reported, u)
			c.Approved = append(c.Approved, u)
		default:
			c.Reported = append(c.Reported, u)
		}
	}
	return c
}

// contributing picks, from one region's counted submissions within p, those the time roll-up
// of element e reads: the submission for p itself when it holds e (a quarter, or a year's
// yearly submission overriding its quarters), else every one holding e.
func contributing(subs []Submission, e string, p period.Period) []Submission {
	var out []Submission
	for _, s := range subs {
		if !slices.Contains(s.Elements, e) {
			continue
		}
		if s.Period == p {
			return []Submission{s}
		}
		out = append(out, s)
	}
	return out
}
