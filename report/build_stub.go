package report

// Replaced at merge by the builder (report/build.go).

import (
	"context"

	"planapi/apperr"
	"planapi/auth"
	"planapi/msg"
	"planapi/store"
)

// Build is a stand-in for the builder's: it builds no report.
func Build(ctx context.Context, st *store.Store, p *auth.Principal, regionCode, asOf string) (*Report, error) {
	return nil, apperr.New(apperr.NotFound, msg.ReportNotBuilt)
}
