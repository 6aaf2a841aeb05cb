// Package gap decomposes an indicator's distance to its target at a region: the shortfall in
// the indicator's own unit, the change of the formula's numerator that closes it with the
// denominator held fixed, and each child region's part in it. Structs in, results out: no
// storage, no transport, no permission rule (the store decides which figures reach here).
//
// Definitions, with the indicator value v = N / D × F (a rate, a per-capita figure) or
// v = N × F (a plain sum: D is taken as 1), target T and t = T / F the target in numerator
// units per denominator unit; s = +1 when higher is better (≥, >), −1 when lower is (≤, <):
//
//   - shortfall = s × (T − v) > 0, in the indicator's unit (percentage points for a %);
//     for lower-is-better it is the excess to cut;
//   - required numerator R = t × D (for a count rounded to the first whole number that meets
//     the comparator: ⌈t·D⌉ for ≥, ⌊t·D⌋+1 for >, ⌊t·D⌋ for ≤, ⌈t·D⌉−1 for <), and the change
//     R − N (positive: add; negative: cut);
//   - child i with figures nᵢ, dᵢ: δᵢ = s × (t·dᵢ − nᵢ) = s × (T − vᵢ)·dᵢ / F, so that the
//     children's δᵢ sum to the region's s × (t·D − N) when the region's total is the sum of
//     its children's; contribution = max(δᵢ, 0) × F / D in the indicator's unit (how far its
//     own value is from the target times its share of the denominator), share = contribution
//     / shortfall: 0 for a child at or beyond the target, and over the children short of it
//     the shares add up to 100 % or more (the more, the more the others exceed the target);
//   - own: the numerator change the child needs to meet the target on its own figures;
//   - alone: the numerator change the child alone would make to close the region's shortfall
//     (every other figure unchanged): the region's change, feasible unless it would take the
//     child's numerator below 0 or, for a percentage, above its denominator.
//
// For a plain sum a child has no target of its own: contribution, share and own are absent
// and the children are in code order. Nothing here is ever NaN or ±Inf: a zero or missing
// denominator gives no value.
package gap

import (
	"math"
	"sort"
)

// Status says whether and why there is a gap.
type Status string

const (
	// Shortfall: the value judged does not meet the target.
	Shortfall Status = "SHORTFALL"
	// Achieved: the value meets the target; no gap.
	Achieved Status = "ACHIEVED"
	// NoTarget: the target is unknown (redacted); no gap can be measured.
	NoTarget Status = "NO_TARGET"
	// NoData: no value to judge (no full year, a missing figure, a zero denominator).
	NoData Status = "NO_DATA"
	// Withheld: the region's published total is withheld from the caller's level.
	Withheld Status = "WITHHELD"
	// NotPublished: the region's total, above the caller, is not published for the period.
	NotPublished Status = "NOT_PUBLISHED"
)

// Formula is what the decomposition needs of an indicator's formula.
type Formula struct {
	Factor         float64
	HasDenominator bool
	// Integer: the numerator counts things, so a needed change is rounded to whole numbers.
	Integer bool
	// Bounded: a percentage, which cannot exceed 100 (a numerator at most 100·D/F).
	Bounded bool
}

// Target is the indicator's target and how a value is compared with it.
type Target struct {
	Value      float64
	Comparator string // GTE, GT, LTE, LT, EQ
	// LowerIsBetter decides the side for EQ (and agrees with the comparator otherwise).
	LowerIsBetter bool
}

// sign is +1 when higher is better, −1 when lower is.
func (t Target) sign() float64 {
	switch t.Comparator {
	case "LTE", "LT":
		return -1
	case "GTE", "GT":
		return 1
	}
	if t.LowerIsBetter {
		return -1
	}
	return 1
}

// Met reports whether v meets the target under its comparator (a relative tolerance of 1e-9
// keeps 100.00000000001 % from failing a 100 % target).
func (t Target) Met(v float64) bool {
	eps := 1e-9 * math.Max(1, math.Abs(t.Value))
	switch t.Comparator {
	case "GTE":
		return v >= t.Value-eps
	case "GT":
		return v > t.Value+eps
	case "LTE":
		return v <= t.Value+eps
	case "LT":
		return v < t.Value-eps
	}
	return math.Abs(v-t.Value) <= eps
}

// Figures are a region's value, numerator and denominator (nil where unknown), as the
// roll-up computed them: the numerator and denominator before the factor.
type Figures struct {
	Value, Numerator, Denominator *float64
}

// ChildFigures are a child region's figures.
type ChildFigures struct {
	Code, Name string
	Figures
}

// Child is a child region's part in the region's gap.
type Child struct {
	Code, Name string
	Figures
	// Contribution to the shortfall in the indicator's unit (≥ 0); nil without a value or
	// for a plain sum.
	Contribution *float64
	// Share of the shortfall (0.402 for 40.2 %): Contribution / shortfall.
	Share *float64
	// Own is the numerator change the child needs to meet the target on its own figures
	// (0 when it does; negative: a cut).
	Own *float64
	// Alone is the numerator change the child alone would make to close the region's
	// shortfall; AloneFeasible is false when its figures cannot take it.
	Alone         *float64
	AloneFeasible bool
}

// Result is the decomposition of one region's gap.
type Result struct {
	Status Status
	// Shortfall in the indicator's unit (> 0), for Status Shortfall.
	Shortfall *float64
	// RequiredNumerator and NumeratorChange: the numerator that meets the target with the
	// denominator held fixed, and the change to it from the current one (negative: a cut).
	RequiredNumerator *float64
	NumeratorChange   *float64
	// Children ordered by how much they pull the region down, largest contribution first
	// (those without one last, then by code).
	Children []Child
}

// Decompose measures the region's gap and each child's part in it. A nil target is NoTarget;
// a region without a value is NoData; a value meeting the target is Achieved (no children).
func Decompose(f Formula, target *Target, region Figures, children []ChildFigures) Result {
	if target == nil || !finite(target.Value) {
		return Result{Status: NoTarget}
	}
	v, n := region.Value, region.Numerator
	if v == nil || n == nil || !finite(*v) || !finite(*n) || (f.HasDenominator && (region.Denominator == nil || *region.Denominator == 0)) {
		return Result{Status: NoData}
	}
	if target.Met(*v) {
		return Result{Status: Achieved}
	}
	if target.Comparator == "EQ" {
		// An exact target missed from above is an excess to cut, from below a shortfall to
		// add: the side is the value's, or the shortfall would come out negative.
		side := *target
		side.LowerIsBetter = *v > target.Value
		target = &side
	}
	if f.Factor == 0 || !finite(f.Factor) {
		return Result{Status: NoData}
	}
	d := 1.0
	if f.HasDenominator {
		d = *region.Denominator
	}
	s := target.sign()
	out := Result{Status: Shortfall}
	short := s * (target.Value - *v)
	out.Shortfall = ptr(short)
	req := required(f, *target, d)
	out.RequiredNumerator = ptr(req)
	change := req - *n
	out.NumeratorChange = ptr(change)

	t := target.Value / f.Factor
	for _, c := range children {
		ch := Child{Code: c.Code, Name: c.Name, Figures: c.Figures}
		if c.Value != nil && c.Numerator != nil && finite(*c.Value) && finite(*c.Numerator) {
			ni := *c.Numerator
			di := 1.0
			ok := true
			if f.HasDenominator {
				ok = c.Denominator != nil && *c.Denominator > 0 && finite(*c.Denominator)
				if ok {
					di = *c.Denominator
				}
			}
			if ok && f.HasDenominator {
				delta := math.Max(s*(t*di-ni), 0)
				contrib := delta * f.Factor / d
				ch.Contribution = ptr(contrib)
				if short > 0 {
					ch.Share = ptr(contrib / short)
				}
				own := 0.0
				if !target.Met(*c.Value) {
					own = required(f, *target, di) - ni
				}
				ch.Own = ptr(own)
			}
			if ok {
				ch.Alone = ptr(change)
				after := ni + change
				ch.AloneFeasible = after >= 0 && (!f.Bounded || after <= 100*di/f.Factor*(1+1e-12))
			}
		}
		ch.Contribution, ch.Share, ch.Own, ch.Alone = finitePtr(ch.Contribution), finitePtr(ch.Share), finitePtr(ch.Own), finitePtr(ch.Alone)
		out.Children = append(out.Children, ch)
	}
	sort.SliceStable(out.Children, func(i, j int) bool {
		a, b := out.Children[i].Contribution, out.Children[j].Contribution
		switch {
		case a != nil && b != nil && *a != *b:
			return *a > *b
		case (a == nil) != (b == nil):
			return a != nil
		}
		return out.Children[i].Code < out.Children[j].Code
	})
	out.Shortfall, out.RequiredNumerator, out.NumeratorChange = finitePtr(out.Shortfall), finitePtr(out.RequiredNumerator), finitePtr(out.NumeratorChange)
	return out
}

// required is the numerator that meets the target with denominator d (1 for a sum): for a
// count, the first whole number that meets the comparator.
func required(f Formula, t Target, d float64) float64 {
	x := t.Value / f.Factor * d
	if !f.Integer {
		return x
	}
	eps := 1e-9 * math.Max(1, math.Abs(x))
	switch t.Comparator {
	case "GTE":
		return math.Ceil(x - eps)
	case "GT":
		return math.Floor(x+eps) + 1
	case "LTE":
		return math.Floor(x + eps)
	case "LT":
		return math.Ceil(x-eps) - 1
	}
	if t.sign() < 0 {
		return math.Floor(x + eps)
	}
	return math.Ceil(x - eps)
}

func ptr(x float64) *float64 { return &x }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func finitePtr(p *float64) *float64 {
	if p == nil || !finite(*p) {
		return nil
	}
	return p
}
