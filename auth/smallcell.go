package auth

// OneOtherUnit reports whether an aggregate over the given contributing units (their paths),
// read by a caller at callerPath, would amount to exactly one other unit's figures: units in
// the caller's own scope are its own, and units above it (the city's own figures, for a
// county) are not neighbours; a total made of its own and exactly one neighbour's gives the
// neighbour's away by subtraction. Such a total is withheld.
//
// SECURITY: the small-cell rule, as statistical offices apply one, for aggregates of regions
// above the caller's own.
//
// Units are counted as the subtrees at the caller's level they lie in: for a county, each
// other county; for a city's admin reading its province, each other city, however many
// counties it has (five counties of one other city are still one other city's figures).
func OneOtherUnit(callerPath string, unitPaths []string) bool {
	others := map[string]bool{}
	depth := Depth(callerPath)
	for _, u := range unitPaths {
		if InScope(callerPath, u) || InScope(u, callerPath) {
			continue
		}
		others[prefixAtDepth(u, depth)] = true
	}
	return len(others) == 1
}

// Contribution is one unit's part in a published cell: the unit (its region path) and which
// of its figures (an element, or a measure's output) it contributed.
type Contribution struct {
	UnitPath string
	Part     string
}

// SuppressDifferences decides which published cells to withhold from the readers at
// readerDepth below the region at regionPath so that no two of them differ by the figures of
// one or two sibling subtrees: two cells of the same quantity (an element's total in two
// indicators; an output code at a sub-task and at its task) whose contributions differ only
// by such units would give those units' figures by subtraction, although each passes the
// small-cell rule alone. Among the cells not yet withheld (withheld, by cell), any two whose
// symmetric difference WithheldFromReaders refuses have the smaller withheld (fewer
// contributions; on a tie the later), until no such pair is left. It returns the cells to
// withhold, the ones given included.
//
// SECURITY: complementary suppression for published totals, pairwise. (A linear combination
// of three or more cells is not audited.)
func SuppressDifferences(regionPath string, readerDepth int, cells [][]Contribution, withheld []bool) []bool {
	out := append([]bool{}, withheld...)
	sets := make([]map[Contribution]bool, len(cells))
	for i, c := range cells {
		sets[i] = map[Contribution]bool{}
		for _, x := range c {
			sets[i][x] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range cells {
			for j := i + 1; j < len(cells) && !out[i]; j++ {
				if out[j] {
					continue
				}
				var diff []string
				for x := range sets[i] {
					if !sets[j][x] {
						diff = append(diff, x.UnitPath)
					}
				}
				for x := range sets[j] {
					if !sets[i][x] {
						diff = append(diff, x.UnitPath)
					}
				}
				if len(diff) == 0 || !WithheldFromReaders(regionPath, readerDepth, diff) {
					continue
				}
				if len(sets[j]) <= len(sets[i]) {
					out[j] = true
				} else {
					out[i] = true
				}
				changed = true
			}
		}
	}
	return out
}
