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
