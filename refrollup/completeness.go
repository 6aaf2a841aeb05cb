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
// sorted; Reported, Approved, Incomplete and Missing are subsets of Expected; Approved and
// Incomplete are disjoint subsets of Reported; Missing is Expected less Reported.
type Coverage struct {
	Expected   []string
	Reported   []string
	Approved   []string
	Incomplete []string
	Missing    []string
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
// Elements) at the target over range r is built from. The definition, which the roll-up
// statement (store/internal/rollupsql) implements in SQL:
//
//   - Expected: ExpectedUnits.
//   - A submission is counted when its status is APPROVED, or SUBMITTED with
//     includeUnapproved (DRAFT and RETURNED never count), and its period lies within r.
//   - A unit's contributing submissions for an element are the ones the time roll-up reads,
//     for each part of r (period.Range.Parts): for a quarter, its counted submission for that
//     quarter holding the element; for a year, its counted yearly submission holding the
//     element if it has one, else its counted quarterly submissions of that year holding it.
//   - Reported: expected units with a contributing submission for at least one element.
//   - Incomplete: reported units that lack a contributing submission for some element their
//     own level collects: they reported something, not enough to count in the figure, which
//     leaves them out (RollupSet).
//   - Approved: reported units that are not incomplete and all of whose contributing
//     submissions (over all the elements) are APPROVED: the units in the approved figure.
//   - Missing: expected units that did not report.
func Completeness(rules map[string]catalogue.DataElement, regions []RegionInfo, subs []Submission, elements []string, target string, r period.Range, includeUnapproved bool) Coverage {
	c := Coverage{Expected: ExpectedUnits(rules, regions, elements, target)}
	level := map[string]catalogue.Level{}
	for _, x := range regions {
		level[x.Code] = x.Level
	}
	byRegion := map[string][]Submission{}
	for _, s := range subs {
		if Counted(s.Status, includeUnapproved) && r.Contains(s.Period) {
			byRegion[s.Region] = append(byRegion[s.Region], s)
		}
	}
	for _, u := range c.Expected {
		reported, approved, whole := false, true, true
		for _, e := range elements {
			has := false
			for _, p := range r.Parts() {
				for _, s := range contributing(byRegion[u], e, p) {
					reported, has = true, true
					approved = approved && s.Status == models.StatusApproved
				}
			}
			if de, ok := rules[e]; ok && de.CollectedAt == level[u] && !has {
				whole = false
			}
		}
		switch {
		case !reported:
			c.Missing = append(c.Missing, u)
		case !whole:
			c.Reported = append(c.Reported, u)
			c.Incomplete = append(c.Incomplete, u)
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
		if !slices.Contains(s.Elements, e) || !p.Contains(s.Period) {
			continue
		}
		if s.Period == p {
			return []Submission{s}
		}
		out = append(out, s)
	}
	return out
}
