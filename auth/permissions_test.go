package auth

import "testing"

// TestPeerComparison covers every decision of the peer-statistics rule, denials included.
// Paths: province P, city C (the parent of counties A and B), another city D with county E.
func TestPeerComparison(t *testing.T) {
	const (
		P = "410000/"
		C = "410000/419900/"
		A = "410000/419900/419902/"
		B = "410000/419900/419903/"
		D = "410000/419800/"
	)
	reporter := &Principal{Subject: "a", Role: RoleReporter}
	reviewer := &Principal{Subject: "r", Role: RoleReviewer}
	analyst := &Principal{Subject: "x", Role: RoleAnalyst}
	cases := []struct {
		name                    string
		p                       *Principal
		caller, unit, parent, s string
		want                    PeerView
	}{
		{"CityReviewerFull", reviewer, C, A, C, "DRAFT", PeersFull},
		{"CityReviewerFullSubmitted", reviewer, C, B, C, "SUBMITTED", PeersFull},
		{"ProvinceAnalystFull", analyst, P, A, C, "APPROVED", PeersFull},
		{"CountyClerkSubmittedFlagOnly", reporter, A, A, C, "SUBMITTED", PeersFlagOnly},
		{"CountyClerkApprovedFlagOnly", reporter, A, A, C, "APPROVED", PeersFlagOnly},
		{"CountyReviewerFlagOnly", reviewer, A, A, C, "APPROVED", PeersFlagOnly},
		{"CityOwnSubmissionFlagOnly", reviewer, C, C, P, "APPROVED", PeersFlagOnly},
		{"DenyCountyClerkDraft", reporter, A, A, C, "DRAFT", PeersNone},
		{"DenyCountyClerkReturned", reporter, A, A, C, "RETURNED", PeersNone},
		{"DenySibling", reporter, A, B, C, "APPROVED", PeersNone},
		{"DenySiblingOfReviewer", reviewer, A, B, C, "SUBMITTED", PeersNone},
		{"DenyOtherCity", reviewer, D, A, C, "APPROVED", PeersNone},
		{"DenyParentFromCounty", reporter, A, C, P, "APPROVED", PeersNone},
		{"DenyNoPrincipal", nil, C, A, C, "APPROVED", PeersNone},
		{"DenyNoCallerPath", reviewer, "", A, C, "APPROVED", PeersNone},
		{"DenyNoParent", analyst, P, P, "", "APPROVED", PeersNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PeerComparison(c.p, c.caller, c.unit, c.parent, c.s); got != c.want {
				t.Errorf("PeerComparison = %d, want %d", got, c.want)
			}
		})
	}
}

// TestDecideRecall covers every decision of the recall rule, denials included: only a
// reporter of the submission's own region takes it back. Paths: province P, city C (the
// parent of counties A and B), another city D.
func TestDecideRecall(t *testing.T) {
	const (
		P = "410000/"
		C = "410000/419900/"
		A = "410000/419900/419902/"
		B = "410000/419900/419903/"
		D = "410000/419800/"
	)
	who := func(r Role) *Principal { return &Principal{Subject: string(r), Role: r} }
	cases := []struct {
		name          string
		p             *Principal
		caller, level string
		target        string
		want          Decision
	}{
		{"CountyReporterOwn", who(RoleReporter), A, "COUNTY", A, Allow},
		{"CityReporterOwn", who(RoleReporter), C, "CITY", C, Allow},
		{"DenyCountyReporterSibling", who(RoleReporter), A, "COUNTY", B, Hidden},
		{"DenyCountyReporterParent", who(RoleReporter), A, "COUNTY", C, Hidden},
		{"DenyCityReporterChild", who(RoleReporter), C, "CITY", A, Forbidden},
		{"DenyProvinceReporterGrandchild", who(RoleReporter), P, "PROVINCE", A, Forbidden},
		{"DenyOtherCityReporter", who(RoleReporter), D, "CITY", A, Hidden},
		{"DenyCountyReviewerOwn", who(RoleReviewer), A, "COUNTY", A, Forbidden},
		{"DenyCityReviewerChild", who(RoleReviewer), C, "CITY", A, Forbidden},
		{"DenyCityReviewerOwn", who(RoleReviewer), C, "CITY", C, Forbidden},
		{"DenyOtherCityReviewer", who(RoleReviewer), D, "CITY", A, Hidden},
		{"DenyCountyAnalystOwn", who(RoleAnalyst), A, "COUNTY", A, Forbidden},
		{"DenyCityAnalystChild", who(RoleAnalyst), C, "CITY", A, Forbidden},
		{"DenyCountyAdminOwn", who(RoleAdmin), A, "COUNTY", A, Forbidden},
		{"DenyCityAdminOwn", who(RoleAdmin), C, "CITY", C, Forbidden},
		{"DenyCityAdminChild", who(RoleAdmin), C, "CITY", A, Forbidden},
		{"DenyNoPrincipal", nil, A, "COUNTY", A, Hidden},
		{"DenyNoCallerPath", who(RoleReporter), "", "COUNTY", A, Hidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Decide(c.p, c.caller, c.level, Recall, c.target); got != c.want {
				t.Errorf("Decide(recall) = %d, want %d", got, c.want)
			}
		})
	}
}

// TestDecideReport covers every role × position for reading the evaluation report and for
// writing its sections, denials included. Paths: province P, city C (the parent of counties A
// and B), another city D.
func TestDecideReport(t *testing.T) {
	const (
		P = "410000/"
		C = "410000/419900/"
		A = "410000/419900/419902/"
		D = "410000/419800/"
	)
	type want struct{ read, write Decision }
	positions := []struct {
		name, caller, level string
	}{
		{"Own", C, "CITY"},
		{"Province", P, "PROVINCE"},
		{"County", A, "COUNTY"},
		{"OtherCity", D, "CITY"},
	}
	// By role, then position in the order above: reading and writing city C's report.
	expect := map[Role][]want{
		RoleAdmin:    {{Allow, Allow}, {Allow, Forbidden}, {Forbidden, Forbidden}, {Hidden, Hidden}},
		RoleReviewer: {{Allow, Allow}, {Allow, Forbidden}, {Forbidden, Forbidden}, {Hidden, Hidden}},
		RoleAnalyst:  {{Allow, Forbidden}, {Allow, Forbidden}, {Forbidden, Forbidden}, {Hidden, Hidden}},
		RoleReporter: {{Forbidden, Forbidden}, {Forbidden, Forbidden}, {Forbidden, Forbidden}, {Hidden, Hidden}},
	}
	for _, role := range Roles() {
		for i, pos := range positions {
			w := expect[role][i]
			p := &Principal{Subject: string(role), Role: role}
			t.Run(string(role)+pos.name, func(t *testing.T) {
				if got := Decide(p, pos.caller, pos.level, ReadReport, C); got != w.read {
					t.Errorf("Decide(read-report) = %d, want %d", got, w.read)
				}
				if got := Decide(p, pos.caller, pos.level, WriteReport, C); got != w.write {
					t.Errorf("Decide(write-report) = %d, want %d", got, w.write)
				}
			})
		}
	}
	t.Run("DenyNoPrincipal", func(t *testing.T) {
		if Decide(nil, C, "CITY", ReadReport, C) != Hidden || Decide(nil, C, "CITY", WriteReport, C) != Hidden {
			t.Error("no principal: want Hidden")
		}
	})
	t.Run("DenyNoCallerPath", func(t *testing.T) {
		p := &Principal{Subject: "a", Role: RoleAdmin}
		if Decide(p, "", "CITY", ReadReport, C) != Hidden || Decide(p, "", "CITY", WriteReport, C) != Hidden {
			t.Error("no caller path: want Hidden")
		}
	})
}

// TestGapBreakdown: the per-child breakdown of a gap only for a region in the caller's scope.
func TestGapBreakdown(t *testing.T) {
	const (
		P = "410000/"
		C = "410000/419900/"
		A = "410000/419900/419902/"
		B = "410000/419900/419903/"
		D = "410000/419700/"
	)
	cases := []struct {
		name           string
		caller, region string
		want           bool
	}{
		{"CityOwn", C, C, true},
		{"ProvinceCity", P, C, true},
		{"CountyOwn", A, A, true},
		{"DenyCountyCity", A, C, false},
		{"DenyCountyProvince", A, P, false},
		{"DenyCitySibling", B, A, false},
		{"DenyOtherCity", D, C, false},
		{"DenyNoCaller", "", C, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := GapBreakdown(c.caller, c.region); got != c.want {
				t.Errorf("GapBreakdown(%s, %s) = %v, want %v", c.caller, c.region, got, c.want)
			}
		})
	}
}
