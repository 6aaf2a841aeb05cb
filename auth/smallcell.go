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
