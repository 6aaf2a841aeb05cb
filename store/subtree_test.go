package store

import (
	"strings"
	"testing"
)

// The byte-order range [path, nextPrefix(path)) holds exactly the paths that start with path:
// the region itself and everything below it, and no sibling, even one whose code starts with
// the region's code or sorts right after it.
func TestNextPrefixBoundsTheSubtree(t *testing.T) {
	const city = "000000/410000/419900/"
	next, ok := nextPrefix(city)
	if !ok || next != "000000/410000/4199000" {
		t.Fatalf("nextPrefix(%q) = %q, %v", city, next, ok)
	}
	for _, p := range []string{
		city,
		"000000/410000/419900/419901/",
		"000000/410000/419900/419999/",
		"000000/410000/419900/419901/x/",
		"000000/410000/419901/",  // a sibling right after it
		"000000/410000/4199001/", // a sibling whose code starts with the city's
		"000000/410000/41990/",
		"000000/410000/419899/",
		"000000/410000/",
		"000000/420000/",
	} {
		in := p >= city && p < next // Go compares strings byte by byte, as ~>=~ and ~<~ do
		if want := strings.HasPrefix(p, city); in != want {
			t.Errorf("%q in [%q, %q) = %v, want %v", p, city, next, in, want)
		}
	}
	if _, ok := nextPrefix(""); ok {
		t.Error("nextPrefix of the empty string: there is no upper bound")
	}
}
