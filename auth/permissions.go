package auth

// The permission rules. Every decision the service makes about who may do what is one of
// these functions, each marked SECURITY, so a reviewer can read them all in one place. They
// take the caller's region and the target region as materialised paths
// ("410000/419900/419902/"): a region's scope is itself and everything below it.

import "strings"

// Action is something a principal may try to do to a region's data.
type Action string

const (
	ReadRaw       Action = "read"          // submissions, values, history, task reports
	ReadAggregate Action = "aggregate"     // roll-ups (totals over a subtree)
	Edit          Action = "edit"          // save values and task progress
	Submit        Action = "submit"        // send a draft or returned submission for review
	Review        Action = "review"        // approve or return a submitted submission
	Reopen        Action = "reopen"        // unlock an approved submission
	ManagePeriods Action = "manage-period" // open and close reporting periods
)

// Decision is the outcome of a permission check.
type Decision int

const (
	// Allow: go ahead.
	Allow Decision = iota
	// Hidden: the target is outside the caller's scope; answer as if it did not exist.
	Hidden
	// Forbidden: the target is in scope but the caller's role may not do this.
	Forbidden
)

// InScope reports whether target lies in the scope of a principal at callerPath.
func InScope(callerPath, targetPath string) bool {
	return callerPath != "" && strings.HasPrefix(targetPath, callerPath)
}

// StrictlyBelow reports whether target lies below the caller's region (not the region itself).
func StrictlyBelow(callerPath, targetPath string) bool {
	return InScope(callerPath, targetPath) && targetPath != callerPath
}

// Decide says whether the principal, whose region has path callerPath, may perform action
// on the region with path targetPath. callerLevel is the level of the caller's region
// (NATION, PROVINCE, CITY or COUNTY).
func Decide(p *Principal, callerPath, callerLevel string, action Action, targetPath string) Decision {
	if p == nil || callerPath == "" {
		return Hidden
	}
	switch action {
	case ReadAggregate:
		// SECURITY: totals over the caller's own subtree, or over an ancestor's subtree (the
		// municipal total a county belongs to). Never a sibling's: its total is its raw data.
		if InScope(callerPath, targetPath) || InScope(targetPath, callerPath) {
			return Allow
		}
		return Hidden
	case ManagePeriods:
		// SECURITY: periods are city-wide; only an admin at the plan's owning level (the
		// city) or above opens and closes them.
		if p.Role == RoleAdmin && atOrAboveCity(callerLevel) {
			return Allow
		}
		return Forbidden
	}
	// SECURITY: raw figures never leave the caller's scope, whatever the role.
	if !InScope(callerPath, targetPath) {
		return Hidden
	}
	switch action {
	case ReadRaw:
		return Allow
	case Edit, Submit:
		// SECURITY: only a reporter, and only for its own region's submission.
		if p.Role == RoleReporter && targetPath == callerPath {
			return Allow
		}
	case Review:
		// SECURITY: reviewers and admins review the regions below them. An admin also
		// approves its own region's submission (the city-only figures), which no one below
		// could.
		if (p.Role == RoleReviewer || p.Role == RoleAdmin) && StrictlyBelow(callerPath, targetPath) {
			return Allow
		}
		if p.Role == RoleAdmin && targetPath == callerPath && atOrAboveCity(callerLevel) {
			return Allow
		}
	case Reopen:
		// SECURITY: only an admin at the city or above unlocks approved figures, in its scope.
		if p.Role == RoleAdmin && atOrAboveCity(callerLevel) {
			return Allow
		}
	}
	return Forbidden
}

// atOrAboveCity: the plan is owned by the city; admin powers need that level or above.
func atOrAboveCity(level string) bool {
	return level == "CITY" || level == "PROVINCE" || level == "NATION"
}

// PeerView is what a caller may learn about a figure's peers (the other units of its level
// under the same parent) through a PEER_OUTLIER flag.
type PeerView int

const (
	// PeersNone: no peer comparison is made for this caller.
	PeersNone PeerView = iota
	// PeersFlagOnly: only whether the figure is far out of its peers; no peer number
	// (median, z-score, count, direction) ever leaves the database.
	PeersFlagOnly
	// PeersFull: the peers' median, the robust z-score and the number of peers.
	PeersFull
)

// PeerComparison decides what a caller at callerPath may learn of the peers of the unit at
// unitPath (whose parent is at parentPath) from a PEER_OUTLIER flag on the unit's figure in a
// submission of the given status. The peers' figures are other units' raw data: a store may
// widen a transaction's scope to parentPath to compute the flag only when this answers
// PeersFlagOnly, and then only a yes or no may leave the database.
func PeerComparison(p *Principal, callerPath, unitPath, parentPath, status string) PeerView {
	// SECURITY: nothing about a unit the caller may not read.
	if p == nil || callerPath == "" || parentPath == "" || !InScope(callerPath, unitPath) {
		return PeersNone
	}
	// SECURITY: a caller whose scope covers the parent may read every peer's figures
	// anyway (the city's reviewer): the statistics tell it nothing it could not read.
	if InScope(callerPath, parentPath) {
		return PeersFull
	}
	// SECURITY: below the parent (the county itself), only a yes or no, and only once the
	// submission is out of the county's hands (SUBMITTED or APPROVED). While it is editable
	// (DRAFT, RETURNED) the flag is withheld: saving value after value and watching the flag
	// come and go would measure where the neighbours' median and spread lie, and with few
	// neighbours the median is one neighbour's exact figure. After submission each further
	// probe needs the city to return the submission, with a reason, in the audit trail.
	if status == "SUBMITTED" || status == "APPROVED" {
		return PeersFlagOnly
	}
	return PeersNone
}
