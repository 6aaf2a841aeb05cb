package store

import "gorm.io/gorm"

// A region's subtree is every row whose region_path starts with the region's path. Under
// row-level security LIKE 'path%' alone is slow: LIKE is not leakproof, so PostgreSQL applies
// it only after the policy, row by row over every row the policy lets through (a city's
// subtree read every submission in the country). The same subtree as a byte-order range,
// region_path ~>=~ path AND region_path ~<~ nextPrefix(path), uses the pattern comparison
// operators, which are leakproof: they reach an index ahead of the policy
// (submissions_list_idx, migration 0010).

// whereSubtree adds to q the condition that column lies in path's subtree: LIKE as the exact
// condition, and the byte-order range that reaches an index.
func whereSubtree(q *gorm.DB, column, path string) *gorm.DB {
	if next, ok := nextPrefix(path); ok {
		return q.Where(column+" LIKE ? AND "+column+" ~>=~ ? AND "+column+" ~<~ ?", path+"%", path, next)
	}
	return q.Where(column+" LIKE ? AND "+column+" ~>=~ ?", path+"%", path)
}

// nextPrefix is the least string above every string that starts with p, in byte order: p with
// its last byte raised by one (paths are ASCII). false when there is none that simple. A
// region's path ends in '/', whose next prefix ends in '0'.
func nextPrefix(p string) (string, bool) {
	if p == "" || p[len(p)-1] >= 0x7e {
		return "", false
	}
	return p[:len(p)-1] + string(p[len(p)-1]+1), true
}
