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
	Recall        Action = "recall"        // take back a submitted submission not yet reviewed
	Review        Action = "review"        // approve or return a submitted submission
	Reopen        Action = "reopen"        // unlock an approved submission
	ManagePeriods Action = "manage-period" // open and close reporting periods
	ReadPeriods   Action = "read-periods"  // list a region's reporting periods
	Publish       Action = "publish"       // publish or withdraw a region's totals for a period
	ReadReport    Action = "read-report"   // read a region's evaluation report
	WriteReport   Action = "write-report"  // save the text sections of a region's evaluation report
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
	case ReadPeriods:
		// SECURITY: a region's periods are read along its line: by its own subtree (the
		// counties of the city that runs them) and by its ancestors; never by a sibling or
		// another city.
		if InScope(callerPath, targetPath) || InScope(targetPath, callerPath) {
			return Allow
		}
		return Hidden
	case ManagePeriods:
		// SECURITY: periods belong to the city that runs the plan; only an admin at the city
		// or above, with the city in its scope, opens and closes them. Another city's are
		// not even visible to it.
		if !InScope(callerPath, targetPath) {
			if InScope(targetPath, callerPath) {
				return Forbidden // an ancestor's: visible along the line, not the caller's to change
			}
			return Hidden
		}
		if p.Role == RoleAdmin && atOrAboveCity(callerLevel) {
			return Allow
		}
		return Forbidden
	case Publish:
		// SECURITY: a region's admin (or an admin above it) publishes the region's totals for
		// the regions below it to read, and withdraws them.
		if !InScope(callerPath, targetPath) {
			if InScope(targetPath, callerPath) {
				return Forbidden
			}
			return Hidden
		}
		if p.Role == RoleAdmin {
			return Allow
		}
		return Forbidden
	case ReadReport:
		// SECURITY: the evaluation report is the region's own document, written from its
		// totals and its counties' narratives: read by the region's admin, reviewer or analyst
		// and by theirs above it. A county sees its city exists (Forbidden), another city's
		// report does not (Hidden); a reporter enters figures and reads no report.
		if !InScope(callerPath, targetPath) {
			if InScope(targetPath, callerPath) {
				return Forbidden
			}
			return Hidden
		}
		if p.Role == RoleAdmin || p.Role == RoleReviewer || p.Role == RoleAnalyst {
			return Allow
		}
		return Forbidden
	case WriteReport:
		// SECURITY: the report's own words (problems, next steps) are the region's: only its
		// own admin or reviewer writes them; not a county below it, not the province above.
		if !InScope(callerPath, targetPath) {
			if InScope(targetPath, callerPath) {
				return Forbidden
			}
			return Hidden
		}
		if (p.Role == RoleAdmin || p.Role == RoleReviewer) && targetPath == callerPath {
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
	case Recall:
		// SECURITY: only a reporter of the region that sent it takes a submission back: not a
		// sibling county, not the city's reporter for a county's, and not a reviewer or admin
		// (they return it, with a reason, instead).
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

// ReadsPublished reports whether a caller at callerPath reads the totals of the region at
// targetPath only as published: a region strictly above the caller's own. Its live totals
// would change as each neighbour's figures are approved, and the difference between two
// answers would be that neighbour's figures; a published snapshot changes only when the
// region's admin publishes again.
//
// SECURITY: the publication rule.
func ReadsPublished(callerPath, targetPath string) bool {
	return callerPath != "" && targetPath != callerPath && InScope(targetPath, callerPath)
}

// WithheldForLevel reports whether a published total whose figures come from the units at
// unitPaths must be withheld from the readers at the level whose regions sit depth segments
// deep (a county reading its city: the county depth), below the published region at
// regionPath. Units are grouped into the subtrees at the readers' depth (a unit between the
// region and that depth is its own group); the region itself and units above it are every
// reader's own line and do not count. With one group, a reader outside it would read that
// group's figures; with two, each would subtract its own and read the other's: so a total
// is published to a level only from three groups or more (or none).
//
// SECURITY: the small-cell rule of publication, per sibling subtree at the reader's level.
func WithheldForLevel(regionPath string, depth int, unitPaths []string) bool {
	groups := map[string]bool{}
	for _, u := range unitPaths {
		if !StrictlyBelow(regionPath, u) {
			continue
		}
		groups[prefixAtDepth(u, depth)] = true
	}
	return len(groups) == 1 || len(groups) == 2
}

// WithheldFromReaders reports whether a published total over the units at unitPaths is
// withheld from the readers whose regions sit readerDepth segments deep below the region at
// regionPath: when it is, at their level or at any level between the region and theirs
// (WithheldForLevel). A county reads its city's total as well as its province's: were the
// province's shown to it while holding one other city besides its own, the difference would
// be that city's total.
//
// SECURITY: the small-cell rule of publication, over every level down to the reader's.
func WithheldFromReaders(regionPath string, readerDepth int, unitPaths []string) bool {
	for d := Depth(regionPath) + 1; d <= readerDepth; d++ {
		if WithheldForLevel(regionPath, d, unitPaths) {
			return true
		}
	}
	return false
}

// Depth is the number of segments of a path ("410000/419900/" is 2).
func Depth(path string) int { return strings.Count(path, "/") }

// prefixAtDepth cuts a path to its first depth segments (a path shallower than that stays
// whole).
func prefixAtDepth(path string, depth int) string {
	n := 0
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			n++
			if n == depth {
				return path[:i+1]
			}
		}
	}
	return path
}

// GapBreakdown reports whether a caller at callerPath may see the per-child breakdown of the
// gap of the region at regionPath to its target (each child region's value, its share of the
// shortfall, what it alone would add): only for a region in the caller's own scope, whose
// children's figures it reads live anyway. Above the caller the region's total is read as
// published (ReadsPublished), and a publication holds no child's figures for the regions
// below it: the breakdown would be the neighbours' figures, and even a county's own share is
// measured against the rest of a total it may not see.
//
// SECURITY: per-child detail of a gap; each child is further read only where ReadAggregate
// allows it.
func GapBreakdown(callerPath, regionPath string) bool {
	return InScope(callerPath, regionPath)
}
