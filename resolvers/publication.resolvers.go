package resolvers

import (
	"context"

	"planapi/models"
)

// Publication: a region's admin publishes its totals for a period; the regions below read
// them only as published (store/publication.go, auth.ReadsPublished).

func (r *queryResolver) Publications(ctx context.Context, regionCode string) ([]*models.Publication, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Publications(ctx, p, regionCode)
}

func (r *mutationResolver) PublishPeriod(ctx context.Context, regionCode string, period string) (*models.Publication, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Publish(ctx, p, regionCode, period)
}

func (r *mutationResolver) UnpublishPeriod(ctx context.Context, regionCode string, period string, reason string) (*models.Publication, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Unpublish(ctx, p, regionCode, period, reason)
}

func (r *publicationResolver) Region(ctx context.Context, obj *models.Publication) (*models.Region, error) {
	return r.Cache.Regions().Get(obj.RegionCode), nil
}

func (r *publicationResolver) Withdrawn(ctx context.Context, obj *models.Publication) (bool, error) {
	return obj.WithdrawnAt != nil, nil
}
