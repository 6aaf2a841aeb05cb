package catalogue

import (
	"strings"
	"testing"

	"planapi/msg"
)

func TestResolveElement(t *testing.T) {
	elements := map[string]ElementRules{}
	for _, e := range []ElementRules{
		{Code: "RESIDENT_POPULATION", Name: "常住人口"},
		{Code: "TIPS_RECEIVED", Name: "接收举报件数"},
		{Code: "TIPS_VERIFIED_ON_TIME", Name: "法定时限内核查的举报件数"},
		// Two elements of one name (a plan may repeat a name in different categories).
		{Code: "FOOD_SAMPLES_CITY", Name: "食品抽检批次"},
		{Code: "FOOD_SAMPLES_COUNTY", Name: "食品抽检批次"},
	} {
		elements[e.Code] = e
	}
	tests := []struct {
		name, typed, want string
		zh, en            string // the refusal's message (contains)
	}{
		{name: "OKCode", typed: "TIPS_RECEIVED", want: "TIPS_RECEIVED"},
		{name: "OKLowerCaseCode", typed: "resident_population", want: "RESIDENT_POPULATION"},
		{name: "OKCodeWithBlanks", typed: " Tips_Received\t", want: "TIPS_RECEIVED"},
		{name: "OKChineseName", typed: "常住人口", want: "RESIDENT_POPULATION"},
		{name: "OKChineseNameWithBlanks", typed: " 接收举报件数 ", want: "TIPS_RECEIVED"},
		{name: "ErrAmbiguousChineseName", typed: "食品抽检批次",
			zh: `"食品抽检批次" 对应多个数据元素,请改填代码:FOOD_SAMPLES_CITY(食品抽检批次)、FOOD_SAMPLES_COUNTY(食品抽检批次)`,
			en: `"食品抽检批次" names more than one data element; enter the code instead: FOOD_SAMPLES_CITY (食品抽检批次), FOOD_SAMPLES_COUNTY (食品抽检批次)`},
		{name: "ErrTypo", typed: "RESIDENT_POPULATON",
			zh: `"RESIDENT_POPULATON" 不是本规划的数据元素;您是否要找:RESIDENT_POPULATION(常住人口)`,
			en: `"RESIDENT_POPULATON" is not a data element of the plan; did you mean: RESIDENT_POPULATION (常住人口)`},
		{name: "ErrLowerCaseTypo", typed: "tips_recieved", zh: "您是否要找:TIPS_RECEIVED(接收举报件数)"},
		{name: "ErrPartOfName", typed: "举报", zh: "您是否要找:TIPS_RECEIVED(接收举报件数)、TIPS_VERIFIED_ON_TIME(法定时限内核查的举报件数)"},
		{name: "ErrPartOfCode", typed: "tips", zh: "您是否要找:TIPS_RECEIVED(接收举报件数)、TIPS_VERIFIED_ON_TIME(法定时限内核查的举报件数)"},
		{name: "ErrNothingNear", typed: "XYZZY", zh: `"XYZZY" 不是本规划的数据元素`, en: `"XYZZY" is not a data element of the plan`},
		{name: "ErrEmpty", typed: "", zh: `"" 不是本规划的数据元素`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, refusal, ok := ResolveElement(elements, tt.typed)
			if tt.want != "" {
				if !ok || code != tt.want {
					t.Fatalf("ResolveElement(%q) = %q, %v (%s), want %q", tt.typed, code, ok, refusal, tt.want)
				}
				return
			}
			if ok {
				t.Fatalf("ResolveElement(%q) = %q, want a refusal", tt.typed, code)
			}
			if got := refusal.String(); !strings.Contains(got, tt.zh) {
				t.Errorf("zh %q, want %q", got, tt.zh)
			}
			if got := refusal.In(msg.En); !strings.Contains(got, tt.en) {
				t.Errorf("en %q, want %q", got, tt.en)
			}
		})
	}
}
