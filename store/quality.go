package store

import (
	"context"
	_ "embed"
	"fmt"
	"math"

	"gorm.io/gorm"

	"planapi/auth"
	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
)

//go:embed quality_previous.sql
var previousSQL string

//go:embed quality_peers.sql
var peersSQL string

// maxAbsForStatistics keeps figures no save could store (the hard bound is 10^12 unless the
// catalogue raises it) out of the plausibility statistics, so that no difference or mean of
// them can overflow.
const maxAbsForStatistics = 1e15

// Flags are the quality flags of submissions' values: by submission id, then element id.
type Flags map[int64]map[int64][]*catalogue.Flag

func (f Flags) add(sub, element int64, fl *catalogue.Flag) {
	if fl == nil {
		return
	}
	if f[sub] == nil {
		f[sub] = map[int64][]*catalogue.Flag{}
	}
	f[sub][element] = append(f[sub][element], fl)
}

// Count is the number of flags on a submission's values.
func (f Flags) Count(sub int64) int {
	n := 0
	for _, fs := range f[sub] {
		n += len(fs)
	}
	return n
}

// Flags computes the plausibility flags of the given submissions' values, in batch: one
// statement for the previous figures and one for the peers, whatever the number of
// submissions (plus, for a caller below the peers' parent, one transaction per parent, which
// for a county is one).
//
// YOY_CHANGE compares the unit's own figures, in the caller's own scope. PEER_OUTLIER needs the
// peers' figures: what the caller may learn of them is auth.PeerComparison's decision; a caller
// whose scope covers the parent sees the statistics; for one below it (the county itself) the
// transaction's scope is widened to the parent and only a yes or no comes back.
func (s *Store) Flags(ctx context.Context, p *auth.Principal, ids []int64) (Flags, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	out := Flags{}
	if len(ids) == 0 {
		return out, nil
	}
	cat := s.cache.Catalogue()
	regions := s.cache.Regions()
	var subs []*models.Submission
	flagOnly := map[string][]int64{} // by parent path
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		if err := tx.Where("id IN ?", ids).Find(&subs).Error; err != nil {
			return err
		}
		if len(subs) == 0 {
			return nil
		}
		visible := make([]int64, len(subs))
		for i, sub := range subs {
			visible[i] = sub.ID
		}
		// YOY_CHANGE.
		rows, err := db.Query(ctx, tx, previousSQL, db.Args{"ids": visible})
		if err != nil {
			return fmt.Errorf("previous figures: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sub, el int64
			var value, prev float64
			var prevPeriod string
			if err := rows.Scan(&sub, &el, &value, &prevPeriod, &prev); err != nil {
				return err
			}
			e := cat.ElementByID(el)
			if e == nil {
				continue
			}
			out.add(sub, el, catalogue.YoYFlag(cat.Rules(e.PlanID)[e.Code], value, prev, prevPeriod))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// PEER_OUTLIER, as auth.PeerComparison decides for each submission.
		var full []int64
		for _, sub := range subs {
			unit := regions.Get(sub.RegionCode)
			if unit == nil || unit.ParentCode == nil {
				continue
			}
			parent := regions.Get(*unit.ParentCode)
			if parent == nil {
				continue
			}
			// SECURITY: one decision per submission, from auth.
			switch auth.PeerComparison(c.Principal, c.region.Path, unit.Path, parent.Path, sub.Status) {
			case auth.PeersFull:
				full = append(full, sub.ID)
			case auth.PeersFlagOnly:
				flagOnly[parent.Path] = append(flagOnly[parent.Path], sub.ID)
			}
		}
		if len(full) > 0 {
			// The caller's own scope covers every peer: no widening.
			return s.peerFlags(ctx, tx, c.region.Path, full, true, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for parentPath, list := range flagOnly {
		// SECURITY: widened to the parent only because auth.PeerComparison allowed a yes or no
		// for these submissions; the statement masks every peer number (detail false) and
		// computes only targets inside the caller's own scope.
		err := s.scoped(ctx, parentPath, func(tx *gorm.DB) error {
			return s.peerFlags(ctx, tx, c.region.Path, list, false, out)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) peerFlags(ctx context.Context, tx *gorm.DB, own string, ids []int64, detail bool, out Flags) error {
	cat := s.cache.Catalogue()
	// Peers are SUBMITTED or APPROVED figures for a caller who may read them all; for the
	// county itself only APPROVED ones, since who has submitted and awaits review is the
	// neighbours' own business (as in an ancestor's completeness, store.guardAncestorTotal).
	statuses := []string{models.StatusApproved}
	if detail {
		statuses = append(statuses, models.StatusSubmitted)
	}
	rows, err := db.Query(ctx, tx, peersSQL, db.Args{"ids": ids, "own": own, "detail": detail, "peer_statuses": statuses,
		"max_abs": maxAbsForStatistics, "min_peers": catalogue.MinPeers, "threshold": catalogue.PeerZThreshold})
	if err != nil {
		return fmt.Errorf("peer statistics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sub, el int64
		var value float64
		var median, z *float64
		var n *int
		if err := rows.Scan(&sub, &el, &value, &median, &z, &n); err != nil {
			return err
		}
		e := cat.ElementByID(el)
		if e == nil {
			continue
		}
		rules := cat.Rules(e.PlanID)[e.Code]
		if detail && median != nil && z != nil && n != nil && !math.IsNaN(*z) && !math.IsInf(*z, 0) {
			out.add(sub, el, catalogue.PeerFlag(rules, value, *median, *z, *n))
		} else {
			out.add(sub, el, catalogue.PeerFlagWithoutNumbers(rules, value))
		}
	}
	return rows.Err()
}
