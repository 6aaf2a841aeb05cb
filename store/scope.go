package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/models"
)

// Store is the tenant data layer. Every method takes the principal: there is no way to read
// or write tenant data without one.
type Store struct {
	db    *gorm.DB // the application role, subject to row-level security
	cache *Cache
	now   func() time.Time
}

// New returns a store over the application role's connection.
func New(db *gorm.DB, cache *Cache) *Store {
	// PostgreSQL keeps microseconds: a time truncated to them reads back exactly as answered.
	return &Store{db: db, cache: cache, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Cache returns the catalogue and region snapshots the store works with.
func (s *Store) Cache() *Cache { return s.cache }

// caller is the principal with its region resolved.
type caller struct {
	*auth.Principal
	region *models.Region
}

func (s *Store) resolve(p *auth.Principal) (*caller, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthenticated, "authentication required")
	}
	r := s.cache.Regions().Get(p.Region)
	if r == nil {
		return nil, apperr.New(apperr.Unauthenticated, "token region %q does not exist", p.Region)
	}
	return &caller{Principal: p, region: r}, nil
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
		if err := tx.Exec(`SELECT set_config('planapi.scope', ?, true)`, path).Error; err != nil {
			return fmt.Errorf("set scope: %w", err)
		}
		return fn(tx)
	})
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
