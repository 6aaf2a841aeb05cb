package server_test

import (
	"fmt"
	"math"
	"testing"

	"planapi/auth"
	"planapi/testenv"
)

type valueJSON struct {
	Indicator struct {
		Code string `json:"code"`
	} `json:"indicator"`
	Region struct {
		Code string `json:"code"`
	} `json:"region"`
	Period       string   `json:"period"`
	Value        *float64 `json:"value"`
	Numerator    *float64 `json:"numerator"`
	Denominator  *float64 `json:"denominator"`
	Completeness struct {
		Expected int `json:"expected"`
		Reported int `json:"reported"`
		Approved int `json:"approved"`
		Missing  []struct {
			Code string `json:"code"`
		} `json:"missing"`
	} `json:"completeness"`
	IncludesUnapproved bool `json:"includesUnapproved"`
}

const valuesQuery = `query($r: String!, $p: String!, $codes: [String!], $u: Boolean) {
  indicatorValues(regionCode: $r, period: $p, indicatorCodes: $codes, includeUnapproved: $u) {
    indicator { code } region { code } period value numerator denominator includesUnapproved
    completeness { expected reported approved missing { code } }
  }
}`

func values(tb testing.TB, e *testenv.Env, token, region, period string, codes ...string) map[string]valueJSON {
	tb.Helper()
	vars := map[string]any{"r": region, "p": period}
	if len(codes) > 0 {
		vars["codes"] = codes
	}
	var out struct{ IndicatorValues []valueJSON }
	e.MustOK(tb, token, valuesQuery, vars, &out)
	m := map[string]valueJSON{}
	for _, v := range out.IndicatorValues {
		m[v.Indicator.Code] = v
	}
	return m
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// TestReportFiguresReproduced rolls the demo counties' approved figures up to the city and
// finds the municipal figures the report prints.
func TestReportFiguresReproduced(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	cases := []struct {
		code, period string
		want         float64
		places       int
	}{
		{"2.10", "2021", 95.35, 2}, {"2.10", "2022", 95.61, 2},
		{"2.11", "2021", 1483, 0}, {"2.11", "2022", 1585, 0}, {"2.11", "2023Q1", 466, 0},
		{"2.12", "2021", 656, 0}, {"2.12", "2022", 718, 0}, {"2.12", "2023Q1", 168, 0},
		{"2.13", "2021", 203, 0}, {"2.13", "2022", 235, 0}, {"2.13", "2023Q1", 61, 0},
		{"2.5", "2021", 100, 2}, {"2.5", "2022", 100, 2}, {"2.5", "2023Q1", 46, 2},
		{"2.6", "2021", 100, 2}, {"2.6", "2022", 100, 2}, {"2.6", "2023Q1", 25, 2},
		{"2.3", "2021", 100, 2}, {"2.3", "2022", 100, 2},
		{"2.4", "2021", 100, 2}, {"2.4", "2022", 100, 2},
		{"2.7", "2021", 100, 2}, {"2.7", "2022", 100, 2},
		{"2.2", "2022", 100, 2},
		{"2.9", "2023Q1", 90, 2},
		{"2.16", "2021", 84.39, 2},
		{"2.17", "2021", 0, 2}, {"2.17", "2022", 0, 2}, {"2.17", "2023Q1", 0, 2},
		{"2.18", "2023Q1", 100, 2},
		{"3.1", "2021", 100, 2}, {"3.1", "2022", 100, 2},
		{"3.3", "2021", 100, 2}, {"3.3", "2022", 100, 2}, {"3.3", "2023Q1", 100, 2},
		{"3.4", "2021", 100, 2}, {"3.4", "2022", 100, 2}, {"3.4", "2023Q1", 100, 2},
	}
	got := map[string]map[string]valueJSON{}
	for _, per := range []string{"2021", "2022", "2023Q1"} {
		got[per] = values(t, e, tok, city, per)
	}
	for _, c := range cases {
		t.Run(c.code+"/"+c.period, func(t *testing.T) {
			v := got[c.period][c.code]
			if v.Value == nil {
				t.Fatalf("value is null")
			}
			if round(*v.Value, c.places) != c.want {
				t.Errorf("value = %v, want %v", *v.Value, c.want)
			}
		})
	}
	// The numerators behind the headline figures: 538 batches with 25 failing (2021), 501 with
	// 22 (2022); 8,412 elevators; 18,165 complaints and 7,092 tips since 2021.
	if v := got["2021"]["2.10"]; *v.Denominator != 538 || *v.Numerator != 538-25 {
		t.Errorf("2.10 2021 = %v/%v, want 513/538", *v.Numerator, *v.Denominator)
	}
	if v := got["2022"]["2.10"]; *v.Denominator != 501 || *v.Numerator != 501-22 {
		t.Errorf("2.10 2022 = %v/%v, want 479/501", *v.Numerator, *v.Denominator)
	}
	if v := got["2023Q1"]["2.18"]; *v.Numerator != 8412 || *v.Denominator != 8412 {
		t.Errorf("2.18 2023Q1 = %v/%v, want 8412/8412", *v.Numerator, *v.Denominator)
	}
	complaints, tips := 0.0, 0.0
	for _, per := range []string{"2021", "2022", "2023Q1"} {
		complaints += *got[per]["3.3"].Denominator
		tips += *got[per]["3.4"].Denominator
	}
	if complaints != 18165 || tips != 7092 {
		t.Errorf("complaints since 2021 = %v, tips = %v; want 18165 and 7092", complaints, tips)
	}
	if v := got["2021"]["1.4"].Value; v == nil || *v+*got["2022"]["1.4"].Value+*got["2023Q1"]["1.4"].Value != 21 {
		t.Errorf("pro-business policies since 2021 do not add up to 21")
	}
	// Completeness: all five counties for county figures, the city for city figures.
	if c := got["2021"]["2.10"].Completeness; c.Expected != 5 || c.Reported != 5 || c.Approved != 5 || len(c.Missing) != 0 {
		t.Errorf("2.10 completeness = %+v", c)
	}
	if c := got["2021"]["2.16"].Completeness; c.Expected != 1 || c.Reported != 1 {
		t.Errorf("2.16 completeness = %+v, want the city alone", c)
	}
}

// TestRatioOfSums checks that the city's numerator and denominator are the sums of the
// counties', and that the city's rate is not the mean of the counties' rates.
func TestRatioOfSums(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	tok := e.Token(t, city, auth.RoleAnalyst)
	counties := []string{"419902", "419903", "419921", "419922", "419923"}
	for _, per := range []string{"2021", "2022", "2023Q1"} {
		cityVals := values(t, e, tok, city, per)
		sums := map[string][2]float64{}
		rates := map[string][]float64{}
		for _, c := range counties {
			for code, v := range values(t, e, tok, c, per) {
				if v.Numerator == nil {
					continue
				}
				s := sums[code]
				s[0] += *v.Numerator
				if v.Denominator != nil {
					s[1] += *v.Denominator
				}
				sums[code] = s
				if v.Value != nil {
					rates[code] = append(rates[code], *v.Value)
				}
			}
		}
		for code, s := range sums {
			cv := cityVals[code]
			t.Run(fmt.Sprintf("%s/%s", code, per), func(t *testing.T) {
				if cv.Numerator == nil || math.Abs(*cv.Numerator-s[0]) > 1e-6 {
					t.Errorf("city numerator = %v, sum of counties = %v", cv.Numerator, s[0])
				}
				if cv.Denominator != nil && math.Abs(*cv.Denominator-s[1]) > 1e-6 {
					t.Errorf("city denominator = %v, sum of counties = %v", *cv.Denominator, s[1])
				}
			})
		}
	}
	// The average of the counties' 2021 pass rates is not the municipal rate.
	var mean float64
	for _, c := range counties {
		mean += *values(t, e, tok, c, "2021", "2.10")["2.10"].Value / 5
	}
	cityRate := *values(t, e, tok, city, "2021", "2.10")["2.10"].Value
	if round(mean, 2) == round(cityRate, 2) {
		t.Errorf("mean of county rates %v equals the city rate %v: the demo cannot tell them apart", mean, cityRate)
	}
	if round(cityRate, 2) != 95.35 {
		t.Errorf("city rate = %v", cityRate)
	}
}
