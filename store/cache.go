package store

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
