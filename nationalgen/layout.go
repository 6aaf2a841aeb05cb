package nationalgen

import (
	"fmt"
	"math"
	"sort"
)

// The national defaults: mainland China has 31 province-level divisions, 333 prefecture-level
// divisions and 2,844 county-level divisions (2021 figures).
const (
	defaultProvinces = 31
	nationalCities   = 333
	nationalCounties = 2844
	maxChildren      = 99 // two digits of a GB/T 2260 code, 01..99
)

// provincePrefixes are the two-digit GB/T 2260 prefixes provinces are given, in order: the 31
// mainland provinces without 41 (the demo province 410000 and its city 419900 live there), then
// 71, 81 and 82. The default 31 provinces therefore use 11..65 without 41, plus 71.
var provincePrefixes = [...]int{
	11, 12, 13, 14, 15,
	21, 22, 23,
	31, 32, 33, 34, 35, 36, 37,
	42, 43, 44, 45, 46,
	50, 51, 52, 53, 54,
	61, 62, 63, 64, 65,
	71, 81, 82,
}

// MaxProvinces is the largest Options.Provinces accepted.
const MaxProvinces = len(provincePrefixes)

// region is one region of the generated tree.
type region struct {
	code, name, level, parent, path string
}

// layout is the generated tree, parents before children: provinces, then cities, then
// counties, each in code order.
type layout struct {
	regions                     []region
	provinces, cities, counties int
}

// planLayout works out the tree for the options. It does not depend on the seed: the same
// shape options give the same tree.
//
// A zero CitiesPerProvince spreads round(333 × provinces / 31) cities over the provinces,
// unevenly but deterministically; a zero CountiesPerCity spreads round(2844 × cities / 333)
// counties over the cities likewise. With every shape option zero this gives exactly 31
// provinces, 333 cities and 2,844 counties.
func planLayout(opt Options) (*layout, error) {
	np := opt.Provinces
	if np == 0 {
		np = defaultProvinces
	}
	if np < 0 || np > len(provincePrefixes) {
		return nil, fmt.Errorf("nationalgen: Provinces = %d: must be between 1 and %d", opt.Provinces, len(provincePrefixes))
	}
	if opt.CitiesPerProvince < 0 || opt.CitiesPerProvince > maxChildren {
		return nil, fmt.Errorf("nationalgen: CitiesPerProvince = %d: must be between 0 (national default) and %d", opt.CitiesPerProvince, maxChildren)
	}
	if opt.CountiesPerCity < 0 || opt.CountiesPerCity > maxChildren {
		return nil, fmt.Errorf("nationalgen: CountiesPerCity = %d: must be between 0 (national default) and %d", opt.CountiesPerCity, maxChildren)
	}

	var citiesOf []int
	if opt.CitiesPerProvince > 0 {
		citiesOf = constant(np, opt.CitiesPerProvince)
	} else {
		total := int(math.Round(float64(nationalCities) * float64(np) / defaultProvinces))
		citiesOf = spread(total, np, 0x9e3779b9)
	}
	nc := 0
	for _, c := range citiesOf {
		nc += c
	}
	var countiesOf []int
	if opt.CountiesPerCity > 0 {
		countiesOf = constant(nc, opt.CountiesPerCity)
	} else {
		total := int(math.Round(float64(nationalCounties) * float64(nc) / nationalCities))
		countiesOf = spread(total, nc, 0x85ebca6b)
	}

	l := &layout{provinces: np, cities: nc}
	for _, n := range countiesOf {
		l.counties += n
	}
	l.regions = make([]region, 0, 1+np+nc+l.counties)
	root, rootCode := "", ""
	if opt.Nation {
		root, rootCode = NationCode+"/", NationCode
		l.regions = append(l.regions, region{code: NationCode, name: "全国", level: "NATION", path: root})
	}
	type city struct{ code, path string }
	var cities []city
	for p := 0; p < np; p++ {
		pp := provincePrefixes[p]
		code := fmt.Sprintf("%02d0000", pp)
		path := root + code + "/"
		l.regions = append(l.regions, region{code: code, name: fmt.Sprintf("省%02d", pp), level: "PROVINCE", parent: rootCode, path: path})
		for c := 1; c <= citiesOf[p]; c++ {
			cc := fmt.Sprintf("%02d%02d00", pp, c)
			cities = append(cities, city{cc, path + cc + "/"})
		}
	}
	for _, c := range cities {
		l.regions = append(l.regions, region{code: c.code, name: "市" + c.code[:4], level: "CITY", parent: c.code[:2] + "0000", path: c.path})
	}
	for i, c := range cities {
		for k := 1; k <= countiesOf[i]; k++ {
			code := fmt.Sprintf("%s%02d", c.code[:4], k)
			l.regions = append(l.regions, region{code: code, name: "县" + code, level: "COUNTY", parent: c.code, path: c.path + code + "/"})
		}
	}
	return l, nil
}

// NationCode is the national root's code when Options.Nation is set. GB/T 2260 has no code
// for the whole country; 000000 cannot collide with a real one.
const NationCode = "000000"

func constant(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// spread divides total into n parts between 1 and maxChildren that differ from one another
// (weights 0.55..1.45 from a fixed hash of the index and salt) and add up to total exactly
// (largest remainders).
func spread(total, n int, salt uint64) []int {
	out := make([]int, n)
	if n == 0 {
		return out
	}
	if total < n {
		total = n
	}
	if total > n*maxChildren {
		total = n * maxChildren
	}
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		h := splitmix(salt ^ uint64(i)*0xbf58476d1ce4e5b9)
		w[i] = 0.55 + 0.9*float64(h>>11)/float64(1<<53)
		sum += w[i]
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, n)
	given := 0
	for i := range out {
		x := float64(total) * w[i] / sum
		out[i] = int(x)
		rems[i] = rem{i, x - float64(out[i])}
		given += out[i]
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k = (k + 1) % n {
		if out[rems[k].i] < maxChildren {
			out[rems[k].i]++
			given++
		}
	}
	// Every part at least 1, at most maxChildren, keeping the total.
	for i := range out {
		for out[i] < 1 {
			j := argmax(out)
			out[j]--
			out[i]++
		}
	}
	for i := range out {
		for out[i] > maxChildren {
			j := argmin(out)
			out[j]++
			out[i]--
		}
	}
	return out
}

func argmax(xs []int) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

func argmin(xs []int) int {
	best := 0
	for i, x := range xs {
		if x < xs[best] {
			best = i
		}
	}
	return best
}

// splitmix is SplitMix64's finaliser: a cheap, well-mixed 64-bit hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
