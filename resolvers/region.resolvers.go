package resolvers

import (
	"context"
	"strings"

	"planapi/apperr"
	"planapi/auth"
	"planapi/graph/model"
	"planapi/models"
	"planapi/msg"
)

// The region tree is public to every authenticated caller: a county clerk sees its
// neighbours' names, never their figures (those are guarded in store/ and by RLS).

func (r *queryResolver) Regions(ctx context.Context) ([]*models.Region, error) {
	return r.Cache.Regions().All(), nil
}

func (r *queryResolver) Region(ctx context.Context, code string) (*models.Region, error) {
	return r.Cache.Regions().Get(code), nil
}

func (r *queryResolver) Viewer(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, apperr.New(apperr.Unauthenticated, msg.AuthRequired)
	}
	return p, nil
}

func (r *regionResolver) Level(ctx context.Context, obj *models.Region) (model.RegionLevel, error) {
	return model.RegionLevel(obj.Level), nil
}

func (r *regionResolver) Parent(ctx context.Context, obj *models.Region) (*models.Region, error) {
	return r.Cache.Regions().Parent(obj.Code), nil
}

func (r *regionResolver) Children(ctx context.Context, obj *models.Region) ([]*models.Region, error) {
	return r.Cache.Regions().Children(obj.Code), nil
}

func (r *viewerResolver) Role(ctx context.Context, obj *auth.Principal) (model.Role, error) {
	return model.Role(strings.ToUpper(string(obj.Role))), nil
}

func (r *viewerResolver) Region(ctx context.Context, obj *auth.Principal) (*models.Region, error) {
	reg := r.Cache.Regions().Get(obj.Region)
	if reg == nil {
		return nil, apperr.New(apperr.Unauthenticated, msg.TokenRegionUnknown, "region", obj.Region)
	}
	return reg, nil
}
