package resolvers

import (
	"context"

	"planapi/graph/model"
	"planapi/store"
)

// The reporting status board. The store decides visibility (auth.Decide, as for submissions)
// and computes every row's counts and flags in batch.

func (r *queryResolver) ReportingStatus(ctx context.Context, regionCode string, period string) ([]*store.UnitStatus, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.ReportingStatus(ctx, p, regionCode, period)
}

func (r *unitStatusResolver) Status(ctx context.Context, obj *store.UnitStatus) (model.ReportingState, error) {
	return model.ReportingState(obj.Status), nil
}
