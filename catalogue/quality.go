package catalogue

import (
	"fmt"
	"math"
)

// Plausibility flags: soft checks that mark a saved figure for the reviewer's attention and
// never refuse it. Their words live here, Chinese first, keyed by the flag's code.

// FlagCode names a quality flag; clients can match on it.
type FlagCode string

const (
	// FlagYoYChange: the value moved more than the element's change factor against the
	// unit's own previous comparable figure.
	FlagYoYChange FlagCode = "YOY_CHANGE"
	// FlagPeerOutlier: the value is far out of its peers' (robust z-score above PeerZThreshold).
	FlagPeerOutlier FlagCode = "PEER_OUTLIER"

	// DefaultChangeFactor: a value more than 3 times, or less than a third of, its previous
	// comparable figure is flagged unless the element's change_factor says otherwise.
	DefaultChangeFactor = 3.0
	// PeerZThreshold is Iglewicz and Hoaglin's cut-off for the modified z-score.
	PeerZThreshold = 3.5
	// MinPeers is the fewest peers (other units of the same level under the same parent, with
	// a SUBMITTED or APPROVED figure; APPROVED only in the county's own view) a peer
	// comparison needs. With fewer, a median is one or
	// the mean of two units' figures and a spread of three says little.
	MinPeers = 4
)

// Flag is one quality flag on a figure. Numbers a caller may not see are nil.
type Flag struct {
	Code    FlagCode
	Message string
	Value   float64
	// YOY_CHANGE: the figure compared with, its period, value / previous and the factor.
	PreviousValue  *float64
	PreviousPeriod string
	Change         *float64
	Factor         *float64
	// PEER_OUTLIER, for a caller whose scope covers every peer: the peers' median, the
	// value's robust z-score and how many peers there were.
	PeerMedian *float64
	ZScore     *float64
	PeerCount  *int
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finitePtr(v float64) *float64 {
	if !finite(v) {
		return nil
	}
	return &v
}

// ChangeFactorOf is the element's change factor.
func (e ElementRules) ChangeFactorOf() float64 {
	if e.ChangeFactor != nil {
		return *e.ChangeFactor
	}
	return DefaultChangeFactor
}

// YoYFlag compares a value with the unit's previous comparable figure; nil when within the
// element's factor.
//
// No flag is raised against a previous figure of 0 (or below): the change factor from 0 is
// infinite, and a count that starts from nothing (a first PCT application) is ordinary. Nor
// against a figure that is not finite (only a direct database write could store one).
func YoYFlag(e ElementRules, value, prev float64, prevPeriod string) *Flag {
	if !finite(value) || !finite(prev) || prev <= 0 || value < 0 {
		return nil
	}
	f := e.ChangeFactorOf()
	var dir, dirEN string
	switch {
	case value > prev*f:
		dir, dirEN = "上升", "more than %s times"
	case value*f < prev:
		dir, dirEN = "下降", "less than 1/%s of"
	default:
		return nil
	}
	factor := f
	return &Flag{
		Code: FlagYoYChange, Value: value,
		PreviousValue: &prev, PreviousPeriod: prevPeriod, Change: finitePtr(value / prev), Factor: &factor,
		Message: fmt.Sprintf("%s %s: %s 较上期(%s) %s %s超过%s倍,请核实 (%s its %s figure)",
			e.Name, e.Code, num(value), prevPeriod, num(prev), dir, num(f), fmt.Sprintf(dirEN, num(f)), prevPeriod),
	}
}

// PeerFlag is the PEER_OUTLIER flag with the peer statistics, for a caller whose scope covers
// every peer (it may read their figures anyway). Non-finite statistics are left out.
func PeerFlag(e ElementRules, value, median, z float64, peers int) *Flag {
	fl := &Flag{Code: FlagPeerOutlier, Value: value, PeerMedian: finitePtr(median), ZScore: finitePtr(z), PeerCount: &peers}
	word, wordEN := "高于", "above"
	if z < 0 {
		word, wordEN = "低于", "below"
	}
	fl.Message = fmt.Sprintf("%s %s: %s 明显%s同级%d个单位的中位数 %s(稳健z值 %.1f),请核实 (far %s the median of %d peers)",
		e.Name, e.Code, num(value), word, peers, num(median), z, wordEN, peers)
	return fl
}

// PeerFlagWithoutNumbers is the PEER_OUTLIER flag for the unit itself: that its value is far
// out of its peers', and nothing about the peers: no median, no z-score, no count, no
// direction, since each would tell a county about its neighbours' figures.
func PeerFlagWithoutNumbers(e ElementRules, value float64) *Flag {
	return &Flag{Code: FlagPeerOutlier, Value: value,
		Message: fmt.Sprintf("%s %s: %s 与同级单位相比明显异常,市局审核时将核实 (far out of line with comparable units; the city will check it)",
			e.Name, e.Code, num(value))}
}
