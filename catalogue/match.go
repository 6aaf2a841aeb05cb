package catalogue

import (
	"sort"
	"strings"
	"unicode/utf8"

	"planapi/msg"
)

// ResolveElement reads an element as a person typed it: its code exactly, its code in any
// case with blanks around it ("resident_population"), or its exact Chinese name when that
// names one element only ("常住人口"). ok is false when it names none or several; refusal
// then says so and suggests the nearest codes (by edit distance on the codes, and the
// elements whose Chinese name contains what was typed).
func ResolveElement(elements map[string]ElementRules, typed string) (code string, refusal msg.Text, ok bool) {
	if _, ok := elements[typed]; ok {
		return typed, msg.Text{}, true
	}
	t := strings.TrimSpace(typed)
	up := strings.ToUpper(t)
	if _, ok := elements[up]; ok {
		return up, msg.Text{}, true
	}
	var named []ElementRules
	for _, e := range elements {
		if t != "" && e.Name == t {
			named = append(named, e)
		}
	}
	sortRules(named)
	switch len(named) {
	case 1:
		return named[0].Code, msg.Text{}, true
	case 0:
	default:
		return "", msg.T(msg.AmbiguousElement, "element", typed, "candidates", candidates(named)), false
	}
	if near := nearestElements(elements, t, 5); len(near) > 0 {
		return "", msg.T(msg.UnknownElementSuggest, "element", typed, "candidates", candidates(near)), false
	}
	return "", msg.T(msg.UnknownElement, "element", typed), false
}

func candidates(es []ElementRules) []msg.Text {
	out := make([]msg.Text, len(es))
	for i, e := range es {
		out[i] = msg.T(msg.ElementCandidate, "code", e.Code, "name", e.Name)
	}
	return out
}

func sortRules(es []ElementRules) {
	sort.Slice(es, func(i, j int) bool { return es[i].Code < es[j].Code })
}

// nearestElements are the elements most like what was typed, best first, at most limit: those
// whose Chinese name contains it (or is contained in it), those whose code contains it, then
// codes within a few edits of it.
func nearestElements(elements map[string]ElementRules, typed string, limit int) []ElementRules {
	if typed == "" {
		return nil
	}
	up := strings.ToUpper(typed)
	type scored struct {
		e     ElementRules
		score int
	}
	var list []scored
	for _, e := range elements {
		switch {
		case strings.Contains(e.Name, typed) || (utf8.RuneCountInString(e.Name) >= 2 && strings.Contains(typed, e.Name)):
			list = append(list, scored{e, 0})
		case len(up) >= 3 && strings.Contains(e.Code, up):
			list = append(list, scored{e, 1})
		default:
			d := editDistance(up, e.Code)
			if d <= maxEdits(e.Code) {
				list = append(list, scored{e, 1 + d})
			}
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].score != list[j].score {
			return list[i].score < list[j].score
		}
		return list[i].e.Code < list[j].e.Code
	})
	if len(list) > limit {
		list = list[:limit]
	}
	out := make([]ElementRules, len(list))
	for i, s := range list {
		out[i] = s.e
	}
	return out
}

// maxEdits is how far a typed code may be from a code to be suggested: a slip or two in a
// short code, about one in four characters of a long one.
func maxEdits(code string) int {
	if n := len(code) / 4; n > 2 {
		return n
	}
	return 2
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
