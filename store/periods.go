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
	"planapi/period"
)

// Reporting periods: the city opens a period for entry, with an optional deadline, and
// closes it; a save or a submit outside an open period is refused.

// periodOpen refuses entry into a period the city has not opened, or closed, or whose
// deadline passed.
func (s *Store) periodOpen(tx *gorm.DB, per period.Period) error {
	var rp []models.ReportingPeriod
	if err := tx.Where("period = ?", per.String()).Limit(1).Find(&rp).Error; err != nil {
		return err
	}
	if len(rp) == 0 || !rp[0].Open {
		return apperr.New(apperr.Invalid, "period %s is not open for entry: the city opens periods with openPeriod", per).With("field", "period").With("value", per.String())
	}
	if rp[0].ClosesAt != nil && !s.now().Before(*rp[0].ClosesAt) {
		return apperr.New(apperr.Invalid, "period %s closed for entry at %s", per, rp[0].ClosesAt.Format(time.RFC3339)).With("field", "period").With("value", per.String())
	}
	return nil
}

// Periods lists the reporting periods, oldest first. Periods are city-wide, not tenant data.
func (s *Store) Periods(ctx context.Context, p *auth.Principal) ([]*models.ReportingPeriod, error) {
	if _, err := s.resolve(p); err != nil {
		return nil, err
	}
	var list []*models.ReportingPeriod
	err := s.db.WithContext(ctx).Find(&list).Error
	sort.Slice(list, func(i, j int) bool {
		return period.MustParse(list[i].Period).Less(period.MustParse(list[j].Period))
	})
	return list, err
}

// SetPeriod opens or closes a period for entry; doing it twice changes nothing more.
func (s *Store) SetPeriod(ctx context.Context, p *auth.Principal, periodStr string, open bool, closesAt *time.Time) (*models.ReportingPeriod, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: only an admin at the city or above manages periods.
	if c.decide(auth.ManagePeriods, c.region) != auth.Allow {
		return nil, apperr.New(apperr.Forbidden, "only a city admin opens and closes reporting periods")
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	if closesAt != nil && open && !closesAt.After(s.now()) {
		return nil, apperr.New(apperr.Invalid, "closesAt: %s is not in the future", closesAt.Format(time.RFC3339)).With("field", "closesAt")
	}
	var rp models.ReportingPeriod
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur []*models.ReportingPeriod
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("period = ?", per.String()).Limit(1).Find(&cur).Error; err != nil {
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
		return db.QueryRow(ctx, tx, `INSERT INTO reporting_periods (period, open, closes_at, updated_at, updated_by)
			VALUES (@period, @open, @closes_at, @now, @actor)
			ON CONFLICT (period) DO UPDATE SET open = EXCLUDED.open, closes_at = EXCLUDED.closes_at,
				updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
			RETURNING period, open, closes_at, updated_at, updated_by`,
			db.Args{"period": per.String(), "open": open, "closes_at": deadline, "now": s.now(), "actor": c.Subject}).
			Scan(&rp.Period, &rp.Open, &rp.ClosesAt, &rp.UpdatedAt, &rp.UpdatedBy)
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
