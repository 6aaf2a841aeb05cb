package resolvers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"planapi/auth"
	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
	"planapi/store"
)

// loaders are the per-request batch loaders (vikstrous/dataloadgen, which gqlgen's docs
// recommend). They are built after authentication, so each carries the request's principal and
// every batch it runs is scoped to it. Keys asked within batchWait of each other go to one
// fetch, so a list of N submissions costs one query per field, not N; a panic in a fetch comes
// back to the callers as an error rather than ending the process.
type loaders struct {
	values  *dataloadgen.Loader[int64, []*models.DataValue]
	tasks   *dataloadgen.Loader[int64, []*models.TaskReport]
	history *dataloadgen.Loader[int64, []*models.AuditEntry]
	missing *dataloadgen.Loader[int64, []*models.MissingValue]
	// flags are the quality flags of a submission's values, by element id: one batch computes
	// them for every submission of the answer (store.Flags).
	flags *dataloadgen.Loader[int64, map[int64][]*catalogue.Flag]
	// indicatorValues computes every indicator of a region and period; all keys of one
	// batch are computed in one roll-up statement per includeUnapproved flag.
	indicatorValues *dataloadgen.Loader[valueKey, *valueSet]
}

type valueKey struct {
	Region     string
	Period     period.Range
	Unapproved bool
}

// valueSet is every indicator's value at one region and period.
type valueSet struct {
	byIndicator map[int64]*store.IndicatorValue
}

func fetchValues(st *store.Store, p *auth.Principal) func(context.Context, []valueKey) (map[valueKey]*valueSet, error) {
	return func(ctx context.Context, keys []valueKey) (map[valueKey]*valueSet, error) {
		out := map[valueKey]*valueSet{}
		for _, flag := range []bool{false, true} {
			var regions []string
			var periods []period.Range
			seenR, seenP := map[string]bool{}, map[period.Range]bool{}
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
		values: newLoader(func(ctx context.Context, ids []int64) (map[int64][]*models.DataValue, error) {
			return st.Values(ctx, p, ids)
		}, 500),
		tasks: newLoader(func(ctx context.Context, ids []int64) (map[int64][]*models.TaskReport, error) {
			return st.TaskReports(ctx, p, ids)
		}, 500),
		history: newLoader(func(ctx context.Context, ids []int64) (map[int64][]*models.AuditEntry, error) {
			return st.History(ctx, p, ids, "")
		}, 500),
		missing: newLoader(func(ctx context.Context, ids []int64) (map[int64][]*models.MissingValue, error) {
			return st.MissingValues(ctx, p, ids)
		}, 500),
		flags: newLoader(func(ctx context.Context, ids []int64) (map[int64]map[int64][]*catalogue.Flag, error) {
			return st.Flags(ctx, p, ids)
		}, 500),
		indicatorValues: newLoader(fetchValues(st, p), 2000),
	}
}

// newLoader adapts a fetch that answers by key to dataloadgen's, which answers in key order:
// a key the fetch left out gets the zero value (no values, or a region out of scope), not
// an error, and an error of the fetch is every key's.
func newLoader[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error), maxBatch int) *dataloadgen.Loader[K, V] {
	return dataloadgen.NewLoader(func(ctx context.Context, keys []K) ([]V, []error) {
		got, err := fetch(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		out := make([]V, len(keys))
		for i, k := range keys {
			out[i] = got[k]
		}
		return out, nil
	}, dataloadgen.WithWait(batchWait), dataloadgen.WithBatchCapacity(maxBatch))
}

// loadAll loads keys in order. A failed fetch fails every key with the same error; the
// caller gets it once, with its code, rather than dataloadgen's list of every key's.
func loadAll[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K) ([]V, error) {
	out, err := l.LoadAll(ctx, keys)
	var each dataloadgen.ErrorSlice
	if errors.As(err, &each) {
		for _, e := range each {
			if e != nil {
				return nil, e
			}
		}
	}
	return out, err
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
