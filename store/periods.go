package store

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"planapi/apperr"
	"planapi/auth"
	"planapi/db"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
)

// Reporting periods belong to the region that runs the plan (a city): it opens a period for
// entry by itself and its counties, with an optional deadline, and closes it; a save or a
// submit outside an open period is refused. Another city's periods are its own.

// planRegion is the region that runs the plan for r: r itself at the plan's owner level (the
// city), else its ancestor at that level; nil above it (a province runs no periods).
func (s *Store) planRegion(r *models.Region) *models.Region {
	plan, err := s.plan()
	if err != nil || r == nil {
		return nil
	}
	for x := r; x != nil; x = s.cache.Regions().Parent(x.Code) {
		if x.Level == plan.OwnerLevel {
			return x
		}
	}
	return nil
}

// periodOpen refuses entry by region r into a period its city has not opened, or closed, or
// whose deadline passed.
func (s *Store) periodOpen(tx *gorm.DB, r *models.Region, per period.Period) error {
	city := s.planRegion(r)
	var rp []models.ReportingPeriod
	if city != nil {
		if err := tx.Where("region_code = ? AND period = ?", city.Code, per.String()).Limit(1).Find(&rp).Error; err != nil {
			return err
		}
	}
	if len(rp) == 0 || !rp[0].Open {
		return apperr.New(apperr.Invalid, msg.PeriodNotOpen, "period", per.String()).
			With("field", "period").With("value", per.String())
	}
	if rp[0].ClosesAt != nil && !s.now().Before(*rp[0].ClosesAt) {
		return apperr.New(apperr.Invalid, msg.PeriodClosed, "period", per.String(), "closesAt", rp[0].ClosesAt.Format(time.RFC3339)).
			With("field", "period").With("value", per.String())
	}
	return nil
}

// Periods lists the reporting periods of the region's city (regionCode nil: the caller's
// own), oldest first: a county sees its city's, a city its own, a province those of its
// cities. Another city's periods answer as if there were none.
func (s *Store) Periods(ctx context.Context, p *auth.Principal, regionCode *string) ([]*models.ReportingPeriod, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	target := c.region
	if regionCode != nil {
		target = s.cache.Regions().Get(*regionCode)
	}
	list := []*models.ReportingPeriod{}
	// SECURITY: along the caller's line only (auth.ReadPeriods).
	if target == nil || c.decide(auth.ReadPeriods, target) != auth.Allow {
		return list, nil
	}
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		q := tx.Order("region_code")
		switch city := s.planRegion(target); {
		case city != nil:
			q = q.Where("region_code = ?", city.Code)
		case auth.InScope(c.region.Path, target.Path):
			// The cities of the caller's own subtree. No index on region_path here, but the
			// byte-order range (whereSubtree), leakproof, is evaluated ahead of the policy.
			q = whereSubtree(q, "region_path", target.Path)
		default:
			// SECURITY: a region above the caller (a county or city asking for its province):
			// only the caller's own city's periods, not the province's other cities' (row-level
			// security would keep them out too; this does not rely on it).
			own := s.planRegion(c.region)
			if own == nil {
				return nil
			}
			q = q.Where("region_code = ?", own.Code)
		}
		return q.Find(&list).Error
	})
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].RegionCode != list[j].RegionCode {
			return list[i].RegionCode < list[j].RegionCode
		}
		return period.MustParse(list[i].Period).Less(period.MustParse(list[j].Period))
	})
	return list, err
}

// SetPeriod opens or closes a period for entry in a city (regionCode nil: the caller's own
// region); doing it twice changes nothing more.
func (s *Store) SetPeriod(ctx context.Context, p *auth.Principal, regionCode *string, periodStr string, open bool, closesAt *time.Time) (*models.ReportingPeriod, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	target := c.region
	if regionCode != nil {
		if target = s.cache.Regions().Get(*regionCode); target == nil {
			return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", *regionCode).With("field", "regionCode")
		}
	}
	// SECURITY: an admin at the city or above, for a city in its scope (auth.ManagePeriods).
	switch c.decide(auth.ManagePeriods, target) {
	case auth.Hidden:
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", target.Code).With("field", "regionCode")
	case auth.Forbidden:
		return nil, apperr.New(apperr.Forbidden, msg.OpenPeriodForbidden)
	}
	if city := s.planRegion(target); city == nil || city.Code != target.Code {
		return nil, apperr.New(apperr.Invalid, msg.NotACity, "code", target.Code, "name", target.Name).
			With("field", "regionCode").With("value", target.Code)
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	if closesAt != nil && open && !closesAt.After(s.now()) {
		return nil, apperr.New(apperr.Invalid, msg.ClosesAtPast, "closesAt", closesAt.Format(time.RFC3339)).With("field", "closesAt")
	}
	var rp models.ReportingPeriod
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		var cur []*models.ReportingPeriod
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("region_code = ? AND period = ?", target.Code, per.String()).
			Limit(1).Find(&cur).Error; err != nil {
			return err
		}
		deadline := closesAt
		if !open && len(cur) > 0 {
			deadline = cur[0].ClosesAt // closing keeps the deadline that was set, for the record
		}
		if len(cur) > 0 && cur[0].Open == open && sameTime(cur[0].ClosesAt, deadline) {
			rp = *cur[0] // already so: change nothing
			return nil
		}
		// Explicit SQL rather than gorm's upsert, which would stamp its own updated_at.
		return db.QueryRow(ctx, tx, `INSERT INTO reporting_periods (region_code, region_path, period, open, closes_at, updated_at, updated_by)
			VALUES (@region, @path, @period, @open, @closes_at, @now, @actor)
			ON CONFLICT (region_code, period) DO UPDATE SET open = EXCLUDED.open, closes_at = EXCLUDED.closes_at,
				updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
			RETURNING region_code, region_path, period, open, closes_at, updated_at, updated_by`,
			db.Args{"region": target.Code, "path": target.Path, "period": per.String(), "open": open, "closes_at": deadline,
				"now": s.now(), "actor": c.Subject}).
			Scan(&rp.RegionCode, &rp.RegionPath, &rp.Period, &rp.Open, &rp.ClosesAt, &rp.UpdatedAt, &rp.UpdatedBy)
	})
	if err != nil {
		return nil, err
	}
	return &rp, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
