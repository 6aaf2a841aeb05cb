package resolvers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"planapi/auth"
	"planapi/loader"
	"planapi/models"
	"planapi/period"
	"planapi/store"
)

// loaders are the per-request batch loaders. They are built after authentication, so each
// carries the request's principal and every batch it runs is scoped to it.
type loaders struct {
	values  *loader.Loader[int64, []*models.DataValue]
	tasks   *loader.Loader[int64, []*models.TaskReport]
	history *loader.Loader[int64, []*models.AuditEntry]
	// indicatorValues computes every indicator of a region and period; all keys of one
	// batch are computed in one roll-up (two statements) per includeUnapproved flag.
	indicatorValues *loader.Loader[valueKey, *valueSet]
}

type valueKey struct {
	Region     string
	Period     period.Period
	Unapproved bool
}

// valueSet is every indicator's value at one region and period.
type valueSet struct {
	byIndicator map[int64]*store.IndicatorValue
}

func fetchValues(st *store.Store, p *auth.Principal) loader.Fetch[valueKey, *valueSet] {
	return func(ctx context.Context, keys []valueKey) (map[valueKey]*valueSet, error) {
		out := map[valueKey]*valueSet{}
		for _, flag := range []bool{false, true} {
			var regions []string
			var periods []period.Period
			seenR, seenP := map[string]bool{}, map[period.Period]bool{}
			for _, k := range keys {
				if k.Unapproved != flag {
					continue
				}
				if !seenR[k.Region] {
					seenR[k.Region] = true
					regions = append(regions, k.Region)
				}
				if !seenP[k.Period] {
					seenP[k.Period] = true
					periods = append(periods, k.Period)
				}
			}
			if len(regions) == 0 {
				continue
			}
			vals, _, err := st.IndicatorValues(ctx, p, store.ValuesQuery{Regions: regions, Periods: periods, IncludeUnapproved: flag, SkipHidden: true})
			if err != nil {
				return nil, err
			}
			for k, list := range vals {
				set := &valueSet{byIndicator: map[int64]*store.IndicatorValue{}}
				for _, v := range list {
					set.byIndicator[v.Indicator.ID] = v
				}
				out[valueKey{Region: k.Region, Period: k.Period, Unapproved: flag}] = set
			}
		}
		return out, nil
	}
}

type loadersKey struct{}

const batchWait = 2 * time.Millisecond

func newLoaders(st *store.Store, p *auth.Principal) *loaders {
	return &loaders{
		values: loader.New(func(ctx context.Context, ids []int64) (map[int64][]*models.DataValue, error) {
			return st.Values(ctx, p, ids)
		}, batchWait, 500),
		tasks: loader.New(func(ctx context.Context, ids []int64) (map[int64][]*models.TaskReport, error) {
			return st.TaskReports(ctx, p, ids)
		}, batchWait, 500),
		history: loader.New(func(ctx context.Context, ids []int64) (map[int64][]*models.AuditEntry, error) {
			return st.History(ctx, p, ids, "")
		}, batchWait, 500),
		indicatorValues: loader.New(fetchValues(st, p), batchWait, 2000),
	}
}

// Middleware attaches fresh loaders to every authenticated request. It must run after the
// principal is in the context.
func Middleware(st *store.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := auth.FromContext(r.Context()); ok {
			r = r.WithContext(context.WithValue(r.Context(), loadersKey{}, newLoaders(st, p)))
		}
		next.ServeHTTP(w, r)
	})
}

func loadersFrom(ctx context.Context) (*loaders, error) {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	if l == nil {
		return nil, errors.New("no loaders in the request context: is resolvers.Middleware installed?")
	}
	return l, nil
}
