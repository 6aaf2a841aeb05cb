package resolvers

import (
	"context"
	"net/http"
	"time"

	"planapi/auth"
	"planapi/loader"
	"planapi/models"
	"planapi/store"
)

// loaders are the per-request batch loaders. They are built after authentication, so each
// carries the request's principal and every batch it runs is scoped to it.
type loaders struct {
	values  *loader.Loader[int64, []*models.DataValue]
	tasks   *loader.Loader[int64, []*models.TaskReport]
	history *loader.Loader[int64, []*models.AuditEntry]
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

func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}
