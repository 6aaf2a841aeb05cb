package nationalgen

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// kind is how an element's figures are made up.
type kind int

const (
	kPopulation kind = iota // the resident population: a slowly changing stock
	kFlow                   // a flow (time rule SUM): drawn per quarter, the year is their sum
	kStock                  // a stock (time rule LAST): grows through the quarters, the year is Q4
	kPartFlow               // a flow that is part of a flow: a share of the whole, quarter by quarter
	kPartStock              // a stock that is part of a stock: a share that drifts up over the years
	kPartYTD                // a year-to-date count of a stock (businesses inspected so far this year)
	kLevel                  // a percentage or score, 0..100
)

// profile is how an element's figures look. For county elements level is per 100,000 people
// (the county's population at the start scales it); for city and province elements it is per
// region.
type profile struct {
	kind   kind
	level  float64 // flows: yearly mean; stocks: level at the start of the first year
	growth float64 // flows and stocks: mean yearly growth
	devExp float64 // how strongly the region's development factor scales the level
	lo, hi float64 // parts: share of the whole; levels: starting range
	trend  float64 // parts (stock, YTD-less) and levels: change per year
	places int     // levels: decimal places
}

// profiles are the catalogue's elements as realistic county (or city) figures look, after the
// demo city (demo/demo.go): a county of 300,000 people with ~25,000 market entities, ~3,000
// food businesses, ~1,500 ADR reports per million people, a 95 % pass rate of industrial
// product batches and so on. Elements not listed get a generic profile from their value type
// and time rule (genericProfile).
var profiles = map[string]profile{
	"RESIDENT_POPULATION": {kind: kPopulation},

	"HV_INVENTION_PATENTS":  {kind: kStock, level: 12, growth: 0.18, devExp: 1.5},
	"PCT_APPLICATIONS":      {kind: kFlow, level: 0.6, growth: 0.10, devExp: 1.5},
	"TRADEMARKS_VALID":      {kind: kStock, level: 1100, growth: 0.14, devExp: 1},
	"PRO_BUSINESS_POLICIES": {kind: kFlow, level: 7},

	"RI_POOL_ENTITIES":    {kind: kStock, level: 7500, growth: 0.06, devExp: 0.5},
	"RI_ENTITIES_CHECKED": {kind: kPartFlow, lo: 0.012, hi: 0.017}, // per quarter: ~5.5 % of the pool a year

	"CREDIT_TASKS_LAUNCHED":  {kind: kFlow, level: 2.2, growth: 0.15},
	"CREDIT_TASKS_COMPLETED": {kind: kPartFlow, lo: 0.8, hi: 1},

	"FOOD_BUSINESSES":           {kind: kStock, level: 950, growth: 0.04},
	"FOOD_BUSINESSES_INSPECTED": {kind: kPartYTD, lo: 0.95, hi: 1},

	"DRUG_RETAILERS_PLANNED":   {kind: kStock, level: 75, growth: 0.04},
	"DRUG_RETAILERS_INSPECTED": {kind: kPartYTD, lo: 0.97, hi: 1},

	"DEVICE_PRODUCERS_PLANNED":   {kind: kStock, level: 3, growth: 0.05, devExp: 1},
	"DEVICE_PRODUCERS_INSPECTED": {kind: kPartYTD, lo: 0.95, hi: 1},

	"ONLINE_PLATFORMS":           {kind: kStock, level: 2.2, growth: 0.12, devExp: 1.5},
	"ONLINE_PLATFORMS_MONITORED": {kind: kPartYTD, lo: 0.9, hi: 1},

	"PROBLEMS_FOUND":    {kind: kFlow, level: 230, growth: 0.03},
	"PROBLEMS_DISPOSED": {kind: kPartFlow, lo: 0.95, hi: 1},

	"SMART_PLATFORM_INTEGRATION": {kind: kLevel, lo: 35, hi: 60, trend: 11, places: 1},

	"CATERING_UNITS":              {kind: kStock, level: 520, growth: 0.03},
	"CATERING_UNITS_OPEN_KITCHEN": {kind: kPartStock, lo: 0.72, hi: 0.82, trend: 0.045},

	"IP_BATCHES_INSPECTED": {kind: kFlow, level: 32},
	"IP_BATCHES_FAILED":    {kind: kPartFlow, lo: 0.02, hi: 0.07},

	"DRUG_ADR_REPORTS":    {kind: kFlow, level: 150, growth: 0.05},
	"DEVICE_AE_REPORTS":   {kind: kFlow, level: 65, growth: 0.06},
	"COSMETIC_AE_REPORTS": {kind: kFlow, level: 20, growth: 0.08},

	"FOOD_SAMPLE_BATCHES": {kind: kFlow, level: 470, growth: 0.04},

	"DRUG_SAFETY_SATISFACTION": {kind: kLevel, lo: 78, hi: 86, trend: 0.8, places: 2},
	"FOOD_SAFETY_SATISFACTION": {kind: kLevel, lo: 78, hi: 86, trend: 0.8, places: 2},

	"SE_UNITS":  {kind: kStock, level: 1900, growth: 0.06, devExp: 1},
	"SE_DEATHS": {kind: kFlow, level: 0.03, growth: -0.05},

	"ELEVATORS_PASSENGER":   {kind: kStock, level: 580, growth: 0.08, devExp: 1.5},
	"ELEVATORS_ON_PLATFORM": {kind: kPartStock, lo: 0.88, hi: 0.96, trend: 0.025},

	"GOV_INFO_DUE":       {kind: kFlow, level: 120, growth: 0.03},
	"GOV_INFO_DISCLOSED": {kind: kPartFlow, lo: 0.97, hi: 1},

	"CITY_EMERGENCY_DRILLS": {kind: kFlow, level: 4},

	"COMPLAINTS_RECEIVED":       {kind: kFlow, level: 560, growth: 0.08},
	"COMPLAINTS_CLOSED_ON_TIME": {kind: kPartFlow, lo: 0.96, hi: 1},

	"TIPS_RECEIVED":         {kind: kFlow, level: 220, growth: 0.05},
	"TIPS_VERIFIED_ON_TIME": {kind: kPartFlow, lo: 0.95, hi: 1},
}

// genericProfile is the profile of an element the table does not know.
func genericProfile(e *element, hasWhole bool) profile {
	switch {
	case e.valueType == "PERCENT" || e.valueType == "SCORE":
		return profile{kind: kLevel, lo: 60, hi: 85, trend: 1, places: 2}
	case hasWhole && e.timeRule == "SUM":
		return profile{kind: kPartFlow, lo: 0.85, hi: 1}
	case hasWhole:
		return profile{kind: kPartStock, lo: 0.85, hi: 0.95, trend: 0.01}
	case e.timeRule == "SUM":
		if e.level == "COUNTY" {
			return profile{kind: kFlow, level: 100, growth: 0.03}
		}
		return profile{kind: kFlow, level: 20}
	default:
		if e.level == "COUNTY" {
			return profile{kind: kStock, level: 1000, growth: 0.04}
		}
		return profile{kind: kStock, level: 200, growth: 0.04}
	}
}

// element is a data element of the plan as the generator uses it.
type element struct {
	id        int64
	code      string
	valueType string
	level     string
	timeRule  string
	partOf    string
	yearly    bool
	quarterly bool
	whole     int // index of the whole in the level's element list, or -1
	prof      profile
	hash      uint64 // of the code, for per-element random streams
}

// slotsPerYear: slot 0 is the year, 1..4 its quarters.
const slotsPerYear = 5

// simulator makes up one region's figures for every slot of every simulated year, for the
// elements of the region's level (in dependency order: wholes before parts).
type simulator struct {
	seed   uint64
	years  int       // number of simulated years (contiguous, from the first requested)
	els    []element // the level's elements, in emission order
	order  []int     // indexes into els, wholes before parts
	vals   [][]float64
	popEnd []float64 // population at the end of each quarter (index year*4 + q-1)
}

func newSimulator(seed int64, years int, els []element, order []int) *simulator {
	s := &simulator{seed: uint64(seed), years: years, els: els, order: order}
	s.vals = make([][]float64, len(els))
	for i := range s.vals {
		s.vals[i] = make([]float64, years*slotsPerYear)
	}
	s.popEnd = make([]float64, years*4)
	return s
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// rng returns a random stream for (region, stream): the same for the same seed whatever else
// the generator does, so figures do not depend on the order regions or elements are visited.
func (s *simulator) rng(regionHash, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix(s.seed^regionHash), splitmix(regionHash+stream*0x9e3779b97f4a7c15)))
}

// run fills vals for one region.
func (s *simulator) run(code, level string) {
	rh := hashString(code)
	r := s.rng(rh, 0)
	// The region's size and development. A county's population is log-normal around 380,000
	// (120,000..1.9 million); a city's own figures do not scale with population.
	scale := 1.0
	dev := math.Exp(0.3 * r.NormFloat64())
	if level == "COUNTY" {
		pop := clamp(math.Exp(math.Log(380000)+0.45*r.NormFloat64()), 120000, 1900000)
		g := 0.003 + 0.008*r.NormFloat64()
		prev := pop
		for y := 0; y < s.years; y++ {
			end := prev * (1 + g + 0.003*r.NormFloat64())
			for q := 1; q <= 4; q++ {
				s.popEnd[y*4+q-1] = math.Round(prev + (end-prev)*float64(q)/4)
			}
			prev = end
		}
		scale = pop / 100000
	}
	for _, i := range s.order {
		e := &s.els[i]
		er := s.rng(rh, e.hash|1)
		s.element(er, e, s.vals[i], scale, dev)
	}
}

// element fills one element's slots.
func (s *simulator) element(r *rand.Rand, e *element, v []float64, scale, dev float64) {
	p := e.prof
	var whole []float64
	if e.whole >= 0 {
		whole = s.vals[e.whole]
	}
	if whole == nil && (p.kind == kPartFlow || p.kind == kPartStock || p.kind == kPartYTD) {
		p = genericProfile(e, false)
	}
	base := p.level * scale * math.Pow(dev, p.devExp) * math.Exp(0.2*r.NormFloat64())
	switch p.kind {
	case kPopulation:
		for y := 0; y < s.years; y++ {
			for q := 1; q <= 4; q++ {
				v[y*slotsPerYear+q] = s.popEnd[y*4+q-1]
			}
			v[y*slotsPerYear] = v[y*slotsPerYear+4]
		}
	case kFlow:
		mean := base
		for y := 0; y < s.years; y++ {
			ym := mean * math.Exp(0.08*r.NormFloat64())
			w := seasons(r)
			sum := 0.0
			for q := 1; q <= 4; q++ {
				x := poisson(r, ym*w[q-1])
				v[y*slotsPerYear+q] = x
				sum += x
			}
			v[y*slotsPerYear] = sum
			mean *= 1 + p.growth
		}
	case kStock:
		prev := base
		for y := 0; y < s.years; y++ {
			end := math.Max(0, prev*(1+p.growth+0.02*r.NormFloat64()))
			for q := 1; q <= 4; q++ {
				x := prev + (end-prev)*float64(q)/4
				if q < 4 {
					x *= 1 + 0.004*r.NormFloat64()
				}
				v[y*slotsPerYear+q] = math.Max(0, math.Round(x))
			}
			v[y*slotsPerYear] = v[y*slotsPerYear+4]
			prev = end
		}
	case kPartFlow:
		f0 := p.lo + (p.hi-p.lo)*r.Float64()
		sd := (p.hi - p.lo) / 6
		for y := 0; y < s.years; y++ {
			sum := 0.0
			for q := 1; q <= 4; q++ {
				f := clamp(f0+sd*r.NormFloat64(), 0, 1)
				x := binomial(r, whole[y*slotsPerYear+q], f)
				v[y*slotsPerYear+q] = x
				sum += x
			}
			v[y*slotsPerYear] = sum // ≤ the whole's yearly sum, quarter by quarter
		}
	case kPartStock:
		f0 := p.lo + (p.hi-p.lo)*r.Float64()
		for y := 0; y < s.years; y++ {
			for q := 1; q <= 4; q++ {
				f := clamp(f0+p.trend*(float64(y)+float64(q)/4)+0.005*r.NormFloat64(), 0, 1)
				v[y*slotsPerYear+q] = math.Round(f * whole[y*slotsPerYear+q])
			}
			v[y*slotsPerYear] = v[y*slotsPerYear+4]
		}
	case kPartYTD:
		// By the end of the year a share in lo..hi of the whole has been covered; the quarters
		// get there roughly evenly, never going back.
		ramp := [4]float64{0.27, 0.52, 0.77, 1}
		for y := 0; y < s.years; y++ {
			fy := p.lo + (p.hi-p.lo)*r.Float64()
			last := 0.0
			for q := 1; q <= 4; q++ {
				w := whole[y*slotsPerYear+q]
				f := fy * ramp[q-1]
				if q < 4 {
					f = clamp(f*(1+0.08*r.NormFloat64()), 0, 1)
				}
				x := math.Min(w, math.Max(last, math.Round(f*w)))
				v[y*slotsPerYear+q] = x
				last = x
			}
			v[y*slotsPerYear] = v[y*slotsPerYear+4]
		}
	case kLevel:
		b := p.lo + (p.hi-p.lo)*r.Float64()
		pow := math.Pow(10, float64(p.places))
		for y := 0; y < s.years; y++ {
			sum := 0.0
			for q := 1; q <= 4; q++ {
				x := clamp(b+p.trend*(float64(y)+float64(q-4)/4)+1.5*r.NormFloat64(), 0, 100)
				x = math.Round(x*pow) / pow
				v[y*slotsPerYear+q] = x
				sum += x
			}
			if e.timeRule == "AVERAGE" {
				v[y*slotsPerYear] = clamp(math.Round(sum/4*pow)/pow, 0, 100)
			} else {
				v[y*slotsPerYear] = v[y*slotsPerYear+4]
			}
		}
	}
	if e.valueType == "COUNT" {
		for i, x := range v {
			v[i] = math.Max(0, math.Round(x))
		}
	}
	// A part never exceeds its whole, whatever the profile (a generic flow that is part of a
	// stock could otherwise add up past it over a year).
	if whole != nil {
		for i := range v {
			v[i] = math.Min(v[i], whole[i])
		}
	}
}

// seasons returns the shares of a year's flow falling in each quarter: a slow first quarter
// (the Spring Festival), a busier end of the year, and some noise.
func seasons(r *rand.Rand) [4]float64 {
	w := [4]float64{0.21, 0.25, 0.26, 0.28}
	sum := 0.0
	for i := range w {
		w[i] *= math.Exp(0.1 * r.NormFloat64())
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// poisson draws a count with the given mean: exactly for small means, by a rounded normal
// otherwise.
func poisson(r *rand.Rand, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if mean < 30 {
		l := math.Exp(-mean)
		k, p := 0.0, r.Float64()
		for p > l {
			k++
			p *= r.Float64()
		}
		return k
	}
	return math.Max(0, math.Round(mean+math.Sqrt(mean)*r.NormFloat64()))
}

// binomial draws how many of n succeed with probability p: exactly for small n, by a rounded
// normal otherwise; never more than n.
func binomial(r *rand.Rand, n, p float64) float64 {
	if n <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return n
	}
	if n <= 64 {
		k := 0.0
		for i := 0; i < int(n); i++ {
			if r.Float64() < p {
				k++
			}
		}
		return k
	}
	m := n * p
	return clamp(math.Round(m+math.Sqrt(m*(1-p))*r.NormFloat64()), 0, n)
}

func clamp(x, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, x))
}
