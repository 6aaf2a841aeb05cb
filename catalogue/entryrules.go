package catalogue

// Bounds are the hard limits CheckValue applies to one figure of an element, for an entry form
// or a spreadsheet's data validation to show before anything is sent. They describe the rules;
// CheckValue stays the one place that enforces them.
type Bounds struct {
	Min     float64
	Max     float64 // the element's bound (DefaultMax or its own), or 100 for % and scores
	Integer bool    // COUNT: whole numbers only
}

// BoundsOf returns the element's bounds.
func BoundsOf(e ElementRules) Bounds {
	b := Bounds{Max: e.Bound(), Integer: e.ValueType == Count}
	if e.ValueType == Percent || e.ValueType == Score {
		b.Max = 100
	}
	return b
}

// AppliedRule is a validation rule that applies to an element's figure, with a short description
// of it for the clerk.
type AppliedRule struct {
	Rule        Rule
	Description string
}

// AppliedRules lists, in the order CheckValue and CheckParts apply them, the rules a value of
// the element is checked against. partOfName is the name of the whole it may not exceed, if
// any.
func AppliedRules(e ElementRules, partOfName string) []AppliedRule {
	out := []AppliedRule{{RuleNegative, "不得为负数 (not below 0)"}}
	switch e.ValueType {
	case Count:
		out = append(out, AppliedRule{RuleNotInteger, "须为整数 (a whole number)"})
	case Percent:
		out = append(out, AppliedRule{RulePercentRange, "百分比在 0–100 之间 (a percentage, 0–100)"})
	case Score:
		out = append(out, AppliedRule{RuleScoreRange, "分值在 0–100 之间 (a score, 0–100)"})
	}
	if b := e.Bound(); b > 0 {
		out = append(out, AppliedRule{RuleOutOfRange, "不超过上限 " + num(b) + " (at most " + num(b) + ")"})
	}
	if e.PartOf != "" {
		out = append(out, AppliedRule{RulePartExceedsWhole, "不得大于 " + partOfName + " " + e.PartOf + " (not above " + e.PartOf + ")"})
	}
	return out
}
