package playground_test

import (
	"testing"

	"planapi/server/playground"
)

// The embedded files are the ones gqlgen pins: the page's integrity attributes hold, and a
// refresh that forgets a file or a hash fails here rather than in a browser.
func TestAssetsMatchPins(t *testing.T) {
	for name, sri := range playground.Pinned() {
		t.Run(name, func(t *testing.T) {
			b, err := playground.ReadAsset(name)
			if err != nil {
				t.Fatal(err)
			}
			if got := playground.SRI(b); got != sri {
				t.Errorf("SRI %s, pinned %s", got, sri)
			}
		})
	}
}
