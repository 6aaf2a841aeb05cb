// Package store is the tenant service: every read and write of tenant data (submissions,
// their values, key-task progress and audit trail; the totals, dashboards and key-task
// roll-ups computed from them; the reporting periods) for a principal. Each method takes the
// principal, asks auth.Decide, and reaches the database only through a transaction that
// carries the row-level-security scope (scoped, below). It runs as the application role and
// exports nothing that takes a raw database handle: the roll-up statement it runs lives in
// store/internal/rollupsql, where nothing outside this package can call it. Start-up work as
// the schema owner (migrations, catalogue sync, demo load) is package setup's.
package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/db"
	"planapi/models"
	"planapi/msg"
	"planapi/snapshot"
	"planapi/store/internal/rollupsql"
)

// Store is the tenant data layer. Every method takes the principal: there is no way to read
// or write tenant data without one.
type Store struct {
	db    *gorm.DB // the application role, subject to row-level security
	cache *snapshot.Cache
	now   func() time.Time
}

// New returns a store over the application role's connection.
func New(app *gorm.DB, cache *snapshot.Cache) *Store {
	// PostgreSQL keeps microseconds: a time truncated to them reads back exactly as answered.
	return &Store{db: app, cache: cache, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Cache returns the catalogue and region snapshots the store works with.
func (s *Store) Cache() *snapshot.Cache { return s.cache }

// caller is the principal with its region resolved.
type caller struct {
	*auth.Principal
	region *models.Region
}

func (s *Store) resolve(p *auth.Principal) (*caller, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthenticated, msg.AuthRequired)
	}
	r := s.cache.Regions().Get(p.Region)
	if r == nil {
		return nil, apperr.New(apperr.Unauthenticated, msg.TokenRegionUnknown, "region", p.Region)
	}
	return &caller{Principal: p, region: r}, nil
}

// callerAndPlan is resolve and the current plan, which most store methods start from.
func (s *Store) callerAndPlan(p *auth.Principal) (*caller, *models.Plan, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, nil, err
	}
	return c, plan, nil
}

// decide applies the permission rules to a target region.
func (c *caller) decide(action auth.Action, target *models.Region) auth.Decision {
	return auth.Decide(c.Principal, c.region.Path, c.region.Level, action, target.Path)
}

// scoped runs fn in a transaction whose row-level-security scope is path.
//
// SECURITY: this is the only way the store reaches tenant tables. The scope is set with
// set_config(..., true), local to the transaction, so it can never leak to the next user of
// the pooled connection; the policies in migration 0003 show and accept only rows inside it.
func (s *Store) scoped(ctx context.Context, path string, fn func(tx *gorm.DB) error) error {
	if path == "" {
		return fmt.Errorf("scoped transaction without a scope")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := db.Exec(ctx, tx, `SELECT set_config('planapi.scope', @scope, true)`, db.Args{"scope": path}); err != nil {
			return fmt.Errorf("set scope: %w", err)
		}
		return fn(tx)
	})
}

// figuresScoped runs the roll-up (rollupsql.Prepare) under the scope path in one round trip:
// a pgx batch of two statements, the scope with the planner settings (rollupsql.SettingsSQL,
// all set_config(..., true)) and then the roll-up, with one Sync at the end. The extended
// protocol runs the messages up to a Sync in one implicit transaction, so the settings are
// local to it exactly as in scoped's BEGIN … COMMIT, and end with it; if setting the scope
// fails, the roll-up does not run (the transaction is aborted). The pool is pgx's (db.Open).
//
// SECURITY: the scope is set in the same implicit transaction as the roll-up, before it, and
// never outlives it: the next user of the pooled connection starts without one.
func (s *Store) figuresScoped(ctx context.Context, path string, q rollupsql.FiguresQuery) ([]rollupsql.SetTotal, []rollupsql.Coverage, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("scoped transaction without a scope")
	}
	pr, err := rollupsql.Prepare(q)
	if err != nil || pr == nil {
		return nil, nil, err
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, nil, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	var totals []rollupsql.SetTotal
	var coverage []rollupsql.Coverage
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("roll-up: the pool's driver connection is %T, not pgx's", dc)
		}
		var b pgx.Batch
		b.Queue(`SELECT set_config('planapi.scope', @scope, true), `+rollupsql.SettingsSQL, db.Args{"scope": path})
		b.Queue(pr.SQL, pr.Args)
		br := c.Conn().SendBatch(ctx, &b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("set scope: %w", err)
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		totals, coverage, err = pr.Read(rows, true)
		if err != nil {
			return err
		}
		rows.Close()
		return br.Close()
	})
	return totals, coverage, err
}

// InScope runs fn with the principal's own scope: its region and everything below it.
// Queries inside see only in-scope rows even if they forget their own filter.
func (s *Store) InScope(ctx context.Context, p *auth.Principal, fn func(tx *gorm.DB) error) error {
	c, err := s.resolve(p)
	if err != nil {
		return err
	}
	return s.scoped(ctx, c.region.Path, fn)
}

// allowed is the region regionCode names when the caller may take action on it, and nil when
// there is no such region or the rules hide or refuse it: for the reads that answer all three
// alike (nothing, or NOT_FOUND). SECURITY: the decision is auth.Decide's, as target's.
func (s *Store) allowed(c *caller, regionCode string, action auth.Action) *models.Region {
	r := s.cache.Regions().Get(regionCode)
	if r == nil || c.decide(action, r) != auth.Allow {
		return nil
	}
	return r
}

// target resolves the region a request names and applies the permission rule for action.
// Out of scope answers NOT_FOUND, exactly as a region that does not exist.
func (s *Store) target(c *caller, regionCode string, action auth.Action) (*models.Region, error) {
	r := s.cache.Regions().Get(regionCode)
	if r == nil {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	// SECURITY: one decision per request, from auth.Decide.
	switch c.decide(action, r) {
	case auth.Allow:
		return r, nil
	case auth.Hidden:
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	default:
		return nil, apperr.New(apperr.Forbidden, msg.NotInScope, "role", string(c.Role), "regionOfCaller", c.region.Name, "action", actionWord(action), "code", r.Code, "name", r.Name)
	}
}

// actionWords name the actions a refusal names.
var actionWords = map[auth.Action]msg.Key{
	auth.Edit: msg.ActionEdit, auth.Submit: msg.ActionSubmit, auth.Review: msg.ActionReview,
	auth.Reopen: msg.ActionReopen, auth.Recall: msg.ActionRecall,
	auth.ReadReport: msg.ActionReadReport, auth.WriteReport: msg.ActionWriteReport,
}

func actionWord(a auth.Action) msg.Text {
	if k, ok := actionWords[a]; ok {
		return msg.T(k)
	}
	return msg.T(msg.Key(a))
}
