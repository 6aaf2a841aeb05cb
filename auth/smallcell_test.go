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
		// Another city's admin reading the province: this city's five counties are one
		// other city.
		{"OneOtherCityOfManyCounties", "410000/419800/", []string{countyA, countyB, countyC, city}, true},
		{"TwoOtherCities", "410000/419800/", []string{countyA, "410000/419700/419701/"}, false},
		{"OwnCityAndOneOther", "410000/419800/", []string{"410000/419800/419801/", countyA}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OneOtherUnit(tt.caller, tt.units); got != tt.want {
				t.Errorf("OneOtherUnit(%s, %v) = %v, want %v", tt.caller, tt.units, got, tt.want)
			}
		})
	}
}

func TestWithheldForLevel(t *testing.T) {
	const city = "410000/419900/"
	county := func(c string) string { return city + c + "/" }
	prov := "410000/"
	for _, tt := range []struct {
		name   string
		region string
		depth  int
		units  []string
		want   bool
	}{
		{"NoUnits", city, 3, nil, false},
		{"OneCounty", city, 3, []string{county("419902")}, true},
		{"TwoCounties", city, 3, []string{county("419902"), county("419903")}, true},
		{"ThreeCounties", city, 3, []string{county("419902"), county("419903"), county("419921")}, false},
		{"TheCityItselfDoesNotCount", city, 3, []string{city, county("419902"), county("419903")}, true},
		{"ProvinceToCitiesOneCity", prov, 2, []string{county("419902"), county("419903"), county("419921")}, true},
		{"ProvinceToCitiesThreeCities", prov, 2, []string{county("419902"), "410000/419800/419801/", "410000/419700/419701/"}, false},
		{"ProvinceToCountiesCityOnlyFigure", prov, 3, []string{city, "410000/419800/"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := WithheldForLevel(tt.region, tt.depth, tt.units); got != tt.want {
				t.Errorf("WithheldForLevel(%s, %d, %v) = %v, want %v", tt.region, tt.depth, tt.units, got, tt.want)
			}
		})
	}
}

func TestWithheldFromReaders(t *testing.T) {
	const prov = "410000/"
	xx := []string{"410000/419900/419902/", "410000/419900/419903/", "410000/419900/419921/"}
	// A county reading its province, with one city's counties in the total: the province
	// less its own city's published total would be the other city's.
	if !WithheldFromReaders(prov, 3, xx) {
		t.Error("province total of one city's three counties shown to counties")
	}
	if WithheldForLevel(prov, 3, xx) != false {
		t.Error("at the county level alone the three counties are three groups")
	}
	three := append(append([]string{}, xx...), "410000/419800/419801/", "410000/419700/419701/")
	if WithheldFromReaders(prov, 3, three) {
		t.Error("province total of three cities withheld from counties")
	}
}

func TestSuppressDifferences(t *testing.T) {
	const city = "410000/419900/"
	c := func(county, part string) Contribution { return Contribution{UnitPath: city + county + "/", Part: part} }
	four := []Contribution{c("419902", "POP"), c("419903", "POP"), c("419921", "POP"), c("419922", "POP")}
	three := four[:3]
	for _, tt := range []struct {
		name     string
		cells    [][]Contribution
		withheld []bool
		want     []bool
	}{
		// 1.1 over four counties, 2.11 over three: their population totals differ by 419922's.
		{"SharedElementOneUnitApart", [][]Contribution{four, three}, []bool{false, false}, []bool{false, true}},
		{"SameUnits", [][]Contribution{four, four}, []bool{false, false}, []bool{false, false}},
		{"ThreeUnitsApart", [][]Contribution{append(append([]Contribution{}, three...), c("419922", "POP"), c("419923", "POP"), c("419924", "POP")), three},
			[]bool{false, false}, []bool{false, false}},
		// A task's CASES and its sub-task's: 419922 reported another measure.
		{"TaskAndSubTask", [][]Contribution{append(append([]Contribution{}, three...), c("419922", "3.3.2")), three},
			[]bool{false, false}, []bool{false, true}},
		// A cell withheld already takes no part.
		{"WithheldCellsDoNotCount", [][]Contribution{four, three}, []bool{false, true}, []bool{false, true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := SuppressDifferences("410000/419900/", 3, tt.cells, tt.withheld)
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("withheld = %v, want %v", got, tt.want)
					break
				}
			}
		})
	}
}
