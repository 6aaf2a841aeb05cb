package catalogue

import (
	"fmt"
	"math"

	"planapi/msg"
)

// Plausibility flags: soft checks that mark a saved figure for the reviewer's attention and
// never refuse it. Their words live in package msg, Chinese first.

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
	Code FlagCode
	// Message says what is odd about the figure, with the numbers the caller may see; the
	// resolver renders it in the request's language.
	Message msg.Text
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
	var key msg.Key
	switch {
	case value > prev*f:
		key = msg.FlagYoYUp
	case value*f < prev:
		key = msg.FlagYoYDown
	default:
		return nil
	}
	factor := f
	return &Flag{
		Code: FlagYoYChange, Value: value,
		PreviousValue: &prev, PreviousPeriod: prevPeriod, Change: finitePtr(value / prev), Factor: &factor,
		Message: msg.T(key, "name", e.Name, "code", e.Code, "value", num(value), "previousPeriod", prevPeriod,
			"previous", num(prev), "factor", num(f)),
	}
}

// PeerFlag is the PEER_OUTLIER flag with the peer statistics, for a caller whose scope covers
// every peer (it may read their figures anyway). Non-finite statistics are left out.
func PeerFlag(e ElementRules, value, median, z float64, peers int) *Flag {
	fl := &Flag{Code: FlagPeerOutlier, Value: value, PeerMedian: finitePtr(median), ZScore: finitePtr(z), PeerCount: &peers}
	key := msg.FlagPeerAbove
	if z < 0 {
		key = msg.FlagPeerBelow
	}
	fl.Message = msg.T(key, "name", e.Name, "code", e.Code, "value", num(value), "peers", peers,
		"median", num(median), "z", fmt.Sprintf("%.1f", z))
	return fl
}

// PeerFlagWithoutNumbers is the PEER_OUTLIER flag for the unit itself: that its value is far
// out of its peers', and nothing about the peers: no median, no z-score, no count, no
// direction, since each would tell a county about its neighbours' figures.
func PeerFlagWithoutNumbers(e ElementRules, value float64) *Flag {
	return &Flag{Code: FlagPeerOutlier, Value: value,
		Message: msg.T(msg.FlagPeerOutlier, "name", e.Name, "code", e.Code, "value", num(value))}
}
