package excel

import "testing"

func TestParseNumber(t *testing.T) {
	for s, want := range map[string]float64{"12": 12, " 12 ": 12, "1,234": 1234, "1，234.5": 1234.5, "95.3%": 95.3, "-0": 0, "1.5E-3": 0.0015, ".5": 0.5, "1e308": 1e308} {
		if v, err := parseNumber(s); err != nil || v != want {
			t.Errorf("%q: %v %v, want %v", s, v, err, want)
		}
	}
	for _, s := range []string{"", "十二", "１２", "12,5", "1,2,3", ",100", "1,,000", "0x1p4", "1_000", "Inf", "NaN", "1e400", "1 000", "--1"} {
		if v, err := parseNumber(s); err == nil {
			t.Errorf("%q read as %v", s, v)
		}
	}
	for s, want := range map[string]float64{"0.953": 95.3, "9.53E-1": 95.3, "1": 100, "0.07": 7} {
		if v, err := parsePercent(s); err != nil || v != want {
			t.Errorf("percent %q: %v %v, want %v", s, v, err, want)
		}
	}
}

func TestNumberFormats(t *testing.T) {
	for f, want := range map[string]bool{"0.00%": true, `0.0"%"`: false, `0\%`: false, "[Red]0.0": false, "yyyy-mm-dd": false} {
		if got := outsideQuotes(f, "%"); got != want {
			t.Errorf("%% in %q: %v", f, got)
		}
	}
	for f, want := range map[string]bool{"yyyy-mm-dd": true, "[Red]0.0": false, `0 "day"`: false, "d-mmm": true, "General": false} {
		if got := outsideQuotes(f, "yd"); got != want {
			t.Errorf("date in %q: %v", f, got)
		}
	}
}
