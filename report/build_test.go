package report

import (
	"testing"

	"planapi/period"
)

func TestFormatValue(t *testing.T) {
	cases := []struct {
		name string
		v    float64
		unit string
		want string
	}{
		{"PercentCutNotRounded", 100 * 513.0 / 538, "%", "95.3"}, // 95.353…: the report prints 95.3
		{"PercentOneDecimal", 100 * 479.0 / 501, "%", "95.6"},
		{"PercentWhole", 100, "%", "100"},
		{"PercentExactTenth", 46, "%", "46"},
		{"PerMillionRounded", 1584.81, "份/百万人口", "1585"},
		{"Score", 84.39, "分", "84.39"},
		{"CountExact", 18165, "件", "18165"},
		{"TwoDecimals", 4.6133, "批次/千人", "4.61"},
		{"Zero", 0, "人/万台", "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := formatValue(c.v, c.unit); got != c.want {
				t.Errorf("formatValue(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
			}
		})
	}
}

func TestAsOfText(t *testing.T) {
	cases := []struct{ asOf, want string }{
		{"2023Q1", "截至2023年第一季度"},
		{"2024Q3", "截至2024年第三季度"},
		{"2024", "截至2024年底"},
	}
	for _, c := range cases {
		t.Run(c.asOf, func(t *testing.T) {
			if got := AsOfText(period.MustParse(c.asOf)); got != c.want {
				t.Errorf("AsOfText(%s) = %q, want %q", c.asOf, got, c.want)
			}
		})
	}
}

func TestZhPeriod(t *testing.T) {
	cases := []struct{ rng, want string }{
		{"2022", "2022年"},
		{"2023Q1", "2023年第一季度"},
		{"2024Q1..2024Q3", "2024年第一季度至第三季度"},
		{"2021..2023Q1", "2021年至2023年第一季度"},
	}
	for _, c := range cases {
		t.Run(c.rng, func(t *testing.T) {
			r, err := period.ParseRange(c.rng)
			if err != nil {
				t.Fatal(err)
			}
			if got := zhPeriod(r); got != c.want {
				t.Errorf("zhPeriod(%s) = %q, want %q", c.rng, got, c.want)
			}
		})
	}
}

func TestChineseOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "一", 9: "九", 10: "十", 11: "十一", 19: "十九", 20: "二十", 26: "二十六", 99: "九十九", 100: "100"} {
		if got := chineseOrdinal(n); got != want {
			t.Errorf("chineseOrdinal(%d) = %q, want %q", n, got, want)
		}
	}
}
