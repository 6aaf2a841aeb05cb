package setup_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPackagesKeepToTheirDatabaseRole holds the layout to its rule: a package boundary is a
// database-role boundary. The request path runs as the application role, which row-level
// security binds; setup (and the generator, which writes as a superuser) run as the schema
// owner and bypass what that role may not do. Neither side may import the other: only
// cmd/server (and the test environment) wire them together.
func TestPackagesKeepToTheirDatabaseRole(t *testing.T) {
	appRole := []string{"planapi/server", "planapi/resolvers", "planapi/store", "planapi/store/internal/rollupsql", "planapi/snapshot", "planapi/events"}
	ownerRole := []string{"planapi/setup", "planapi/nationalgen", "planapi/pgcluster"}
	deps := func(pkg string) map[string]bool {
		t.Helper()
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		m := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			m[p] = true
		}
		return m
	}
	check := func(from, forbidden []string) {
		for _, pkg := range from {
			d := deps(pkg)
			for _, f := range forbidden {
				if d[f] {
					t.Errorf("%s imports %s (directly or not): it runs as another database role", pkg, f)
				}
			}
		}
	}
	check(appRole, ownerRole)
	check(ownerRole, appRole)
}
