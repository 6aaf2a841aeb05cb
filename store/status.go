package store

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"planapi/auth"
	"planapi/catalogue"
	"planapi/models"
	"planapi/period"
)

// NotStarted is the status board's word for an expected unit with no submission.
const NotStarted = "NOT_STARTED"

// UnitStatus is one row of the reporting status board: an expected reporting unit of a
// region and how far its submission for a period has got.
type UnitStatus struct {
	Region *models.Region
	// Status is the submission's status, or NotStarted.
	Status string
	// Filled counts the required figures entered; DeclaredMissing those declared unavailable
	// (missingReason); Required how many the unit's level must give for the kind of period.
	// A submission can be submitted once Filled + DeclaredMissing = Required.
	Filled, DeclaredMissing, Required int
	// Flags counts the quality flags on the unit's figures, as the caller may see them.
	Flags      int
	UpdatedAt  *time.Time
	Submission *models.Submission
}

// ReportingStatus lists every expected reporting unit of the region for a period — each
// region of its subtree whose level collects figures for that kind of period (the counties,
// and the city for its city-only figures) — whether or not it has a submission, in path
// order. Visibility is that of submissions: a region the caller may not read raw figures of
// answers no rows, exactly as one that does not exist.
func (s *Store) ReportingStatus(ctx context.Context, p *auth.Principal, regionCode, periodStr string) ([]*UnitStatus, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	out := []*UnitStatus{}
	// SECURITY: one decision, from auth.Decide, as for submissions.
	r := s.allowed(c, regionCode, auth.ReadRaw)
	if r == nil {
		return out, nil
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	cat := s.cache.Catalogue()
	pt := catalogue.PeriodType(per.Type())
	collects := map[string]bool{}
	for _, rule := range cat.Rules(plan.ID) {
		for _, l := range []catalogue.Level{catalogue.Nation, catalogue.Province, catalogue.City, catalogue.County} {
			if rule.Collects(l, pt) {
				collects[string(l)] = true
			}
		}
	}
	byCode := map[string]*UnitStatus{}
	for _, u := range s.cache.Regions().Subtree(r.Code) {
		if !collects[u.Level] {
			continue
		}
		row := &UnitStatus{Region: u, Status: NotStarted,
			Required: len(cat.RequiredElements(plan.ID, catalogue.Level(u.Level), pt))}
		out = append(out, row)
		byCode[u.Code] = row
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region.Path < out[j].Region.Path })

	var subs []*models.Submission
	type pair struct{ SubmissionID, ElementID int64 }
	var values, declared []pair
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		// The subtree as a byte-order range too, which reaches submissions_list_idx under
		// row-level security (whereSubtree).
		q := whereSubtree(tx.Where("plan_id = ? AND period = ?", plan.ID, per.String()), "region_path", r.Path)
		if err := q.Find(&subs).Error; err != nil {
			return err
		}
		if len(subs) == 0 {
			return nil
		}
		ids := make([]int64, len(subs))
		for i, sub := range subs {
			ids[i] = sub.ID
		}
		if err := tx.Model(&models.DataValue{}).Select("submission_id, element_id").Where("submission_id IN ?", ids).Scan(&values).Error; err != nil {
			return err
		}
		return tx.Model(&models.MissingValue{}).Select("submission_id, element_id").Where("submission_id IN ?", ids).Scan(&declared).Error
	})
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return out, nil
	}
	bySub := map[int64]*UnitStatus{}
	ids := make([]int64, 0, len(subs))
	for _, sub := range subs {
		row := byCode[sub.RegionCode]
		if row == nil {
			continue // a level that collects nothing for this kind of period
		}
		row.Status, row.Submission, row.UpdatedAt = sub.Status, sub, &sub.UpdatedAt
		bySub[sub.ID] = row
		ids = append(ids, sub.ID)
	}
	required := func(row *UnitStatus, elementID int64) bool {
		e := cat.ElementByID(elementID)
		return e != nil && cat.Rules(plan.ID)[e.Code].Required && cat.Rules(plan.ID)[e.Code].Collects(catalogue.Level(row.Region.Level), pt)
	}
	for _, v := range values {
		if row := bySub[v.SubmissionID]; row != nil && required(row, v.ElementID) {
			row.Filled++
		}
	}
	for _, v := range declared {
		if row := bySub[v.SubmissionID]; row != nil && required(row, v.ElementID) {
			row.DeclaredMissing++
		}
	}
	flags, err := s.Flags(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	for id, row := range bySub {
		row.Flags = flags.Count(id)
	}
	return out, nil
}
