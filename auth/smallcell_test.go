package auth

import "testing"

func TestOneOtherUnit(t *testing.T) {
	const (
		city    = "410000/419900/"
		countyA = "410000/419900/419902/"
		countyB = "410000/419900/419903/"
		countyC = "410000/419900/419921/"
	)
	for _, tt := range []struct {
		name   string
		caller string
		units  []string
		want   bool
	}{
		{"OneNeighbour", countyA, []string{countyB}, true},
		{"OwnAndOneNeighbour", countyA, []string{countyA, countyB}, true},
		{"OneNeighbourTwice", countyA, []string{countyB, countyB}, true},
		{"OneNeighbourAndTheCity", countyA, []string{countyB, city}, true},
		{"TwoNeighbours", countyA, []string{countyA, countyB, countyC}, false},
		{"OwnOnly", countyA, []string{countyA}, false},
		{"Nothing", countyA, nil, false},
		{"TheCityReadsItsOwn", city, []string{countyB}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OneOtherUnit(tt.caller, tt.units); got != tt.want {
				t.Errorf("OneOtherUnit(%s, %v) = %v, want %v", tt.caller, tt.units, got, tt.want)
			}
		})
	}
}
