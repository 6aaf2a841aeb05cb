// Package snapshot holds the read-only, in-memory copies of the tables every request
// consults and that change only at start-up: the plan's catalogue (indicators, formulas, data
// elements and their rules, key tasks) and the region tree. Requests read them without a
// query. They are loaded through the application role, which may read these tables; they
// hold no tenant data and decide nothing about who may see what (store and auth do).
package snapshot

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// Cache holds the current catalogue and region snapshots. Readers never block; Reload swaps
// in fresh snapshots after a change.
type Cache struct {
	catalogue atomic.Pointer[Catalogue]
	regions   atomic.Pointer[Regions]
}

// NewCache loads both snapshots.
func NewCache(ctx context.Context, db *gorm.DB) (*Cache, error) {
	c := &Cache{}
	return c, c.Reload(ctx, db)
}

// Reload reads both snapshots again.
func (c *Cache) Reload(ctx context.Context, db *gorm.DB) error {
	cat, err := LoadCatalogue(ctx, db)
	if err != nil {
		return err
	}
	reg, err := LoadRegions(ctx, db)
	if err != nil {
		return err
	}
	c.catalogue.Store(cat)
	c.regions.Store(reg)
	return nil
}

// Catalogue returns the current catalogue snapshot.
func (c *Cache) Catalogue() *Catalogue { return c.catalogue.Load() }

// Regions returns the current region snapshot.
func (c *Cache) Regions() *Regions { return c.regions.Load() }
