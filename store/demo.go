package store

import "planapi/models"

func ptr[T any](v T) *T { return &v }

// DemoCity is the demo city's code. The report redacts the city's name (XX市), so the demo
// uses a made-up city with GB/T 2260-form codes inside Henan (41), not a real one.
const DemoCity = "419900"

// DemoRegions is the demo region tree: Henan province, the demo city and its five
// county-level divisions (two districts and three counties).
func DemoRegions() []models.Region {
	return []models.Region{
		{Code: "410000", Name: "河南省", Level: "PROVINCE"},
		{Code: DemoCity, Name: "XX市", Level: "CITY", ParentCode: ptr("410000")},
		{Code: "419902", Name: "东城区", Level: "COUNTY", ParentCode: ptr(DemoCity)},
		{Code: "419903", Name: "西城区", Level: "COUNTY", ParentCode: ptr(DemoCity)},
		{Code: "419921", Name: "南山县", Level: "COUNTY", ParentCode: ptr(DemoCity)},
		{Code: "419922", Name: "北河县", Level: "COUNTY", ParentCode: ptr(DemoCity)},
		{Code: "419923", Name: "中原县", Level: "COUNTY", ParentCode: ptr(DemoCity)},
	}
}
