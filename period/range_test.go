package period

import (
	"slices"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in        string
		wantParts []string
		wantErr   bool
	}{
		{"2022", []string{"2022"}, false},
		{"2023Q1", []string{"2023Q1"}, false},
		{"2021..2023Q1", []string{"2021", "2022", "2023Q1"}, false},
		{"2021..2022", []string{"2021", "2022"}, false},
		{"2022Q3..2023", []string{"2022Q3", "2022Q4", "2023"}, false},
		{"2023Q2..2023Q3", []string{"2023Q2", "2023Q3"}, false},
		{"2023..2023", []string{"2023"}, false},
		{"2021Q1..2021Q4", []string{"2021"}, false},
		{"2023..2021", nil, true},
		{"2023Q2..2023Q1", nil, true},
		{"2021..", nil, true},
		{"..2021", nil, true},
		{"2021...2022", nil, true},
		{"1900..2999", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRange(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRange(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []string
			for _, p := range r.Parts() {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.wantParts) {
				t.Errorf("Parts = %v, want %v", got, tt.wantParts)
			}
			if back, err := ParseRange(r.String()); err != nil || back != r {
				t.Errorf("String %q does not read back: %v %v", r.String(), back, err)
			}
			for _, p := range r.Parts() {
				if !r.Contains(p) {
					t.Errorf("%v does not contain its part %v", r, p)
				}
			}
		})
	}
	if _, err := ParseRangeArg("period", "2021..x"); err == nil {
		t.Error("ParseRangeArg accepted 2021..x")
	}
}
