package store

import (
	"context"
	_ "embed"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"planapi/auth"
	"planapi/catalogue"
	"planapi/db"
	"planapi/models"
	"planapi/period"
)

//go:embed entryform_previous.sql
var entryPreviousSQL string

// EntryForm is what a region's clerk fills for a period: every data element the region's level
// collects for the kind of period, grouped by the indicator that first uses it, with the
// current and the previous comparable figure, and the submission's status and version.
type EntryForm struct {
	Plan       *models.Plan
	Region     *models.Region
	Period     period.Period
	Submission *models.Submission // nil: nothing saved yet (version 0)
	Groups     []*EntryGroup
}

// Status is the submission's status, or NotStarted.
func (f *EntryForm) Status() string {
	if f.Submission == nil {
		return NotStarted
	}
	return f.Submission.Status
}

// Version is the submission's version, 0 when there is none: the expectedVersion of the next
// save.
func (f *EntryForm) Version() int {
	if f.Submission == nil {
		return 0
	}
	return f.Submission.Version
}

// Fields lists every field of the form in order.
func (f *EntryForm) Fields() []*EntryField {
	var out []*EntryField
	for _, g := range f.Groups {
		out = append(out, g.Fields...)
	}
	return out
}

// EntryGroup is the fields of one indicator (nil: elements no indicator uses), in catalogue
// order. An element used by several indicators appears once, under the first.
type EntryGroup struct {
	Indicator *models.Indicator
	Fields    []*EntryField
}

// EntryField is one element of the form.
type EntryField struct {
	Element  *models.DataElement
	Required bool
	Rules    []catalogue.AppliedRule
	Bounds   catalogue.Bounds
	PartOf   *models.DataElement
	// The figure as saved: a value (with its comment), or a declaration that it is
	// unavailable, or neither.
	Value         *float64
	Comment       string
	MissingReason *string
	// The unit's previous comparable figure (as YOY_CHANGE compares): nil when there is none.
	PreviousValue  *float64
	PreviousPeriod string
}

// EntryForm returns the entry form of a region for a period. It is visible as the submission
// is (auth.ReadRaw): a region outside the caller's scope answers NOT_FOUND, as one that does
// not exist.
func (s *Store) EntryForm(ctx context.Context, p *auth.Principal, regionCode, periodStr string) (*EntryForm, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	// SECURITY: the form holds the submission's raw figures: read as the submission is.
	r, err := s.target(c, regionCode, auth.ReadRaw)
	if err != nil {
		return nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	cat := s.cache.Catalogue()
	rules := cat.Rules(plan.ID)
	level, pt := catalogue.Level(r.Level), catalogue.PeriodType(per.Type())

	form := &EntryForm{Plan: plan, Region: r, Period: per}
	fields := map[string]*EntryField{}
	placed := map[string]bool{}
	newField := func(e *models.DataElement) *EntryField {
		er := rules[e.Code]
		f := &EntryField{Element: e, Required: er.Required, Bounds: catalogue.BoundsOf(er)}
		partName := ""
		if er.PartOf != "" {
			f.PartOf = cat.Element(plan.ID, er.PartOf)
			if f.PartOf != nil {
				partName = f.PartOf.Name
			}
		}
		f.Rules = catalogue.AppliedRules(er, partName)
		fields[e.Code] = f
		return f
	}
	byOrdinal := func(fs []*EntryField) {
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Element.Ordinal < fs[j].Element.Ordinal })
	}
	for _, ind := range cat.Indicators[plan.ID] {
		g := &EntryGroup{Indicator: ind}
		for _, e := range cat.IndicatorElements(ind) {
			if placed[e.Code] || !rules[e.Code].Collects(level, pt) {
				continue
			}
			placed[e.Code] = true
			g.Fields = append(g.Fields, newField(e))
		}
		if len(g.Fields) > 0 {
			byOrdinal(g.Fields)
			form.Groups = append(form.Groups, g)
		}
	}
	rest := &EntryGroup{}
	for _, e := range cat.Elements[plan.ID] {
		if !placed[e.Code] && rules[e.Code].Collects(level, pt) {
			rest.Fields = append(rest.Fields, newField(e))
		}
	}
	if len(rest.Fields) > 0 {
		byOrdinal(rest.Fields)
		form.Groups = append(form.Groups, rest)
	}

	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		var subs []*models.Submission
		if err := tx.Where("plan_id = ? AND region_code = ? AND period = ?", plan.ID, r.Code, per.String()).Limit(1).Find(&subs).Error; err != nil {
			return err
		}
		if len(subs) > 0 {
			form.Submission = subs[0]
			var values []*models.DataValue
			if err := tx.Where("submission_id = ?", form.Submission.ID).Find(&values).Error; err != nil {
				return err
			}
			for _, v := range values {
				if e := cat.ElementByID(v.ElementID); e != nil && fields[e.Code] != nil {
					val := v.Value
					fields[e.Code].Value, fields[e.Code].Comment = &val, v.Comment
				}
			}
			var missing []*models.MissingValue
			if err := tx.Where("submission_id = ?", form.Submission.ID).Find(&missing).Error; err != nil {
				return err
			}
			for _, m := range missing {
				if e := cat.ElementByID(m.ElementID); e != nil && fields[e.Code] != nil {
					reason := m.Reason
					fields[e.Code].MissingReason = &reason
				}
			}
		}
		rows, err := db.Query(ctx, tx, entryPreviousSQL, db.Args{"plan_id": plan.ID, "region_code": r.Code, "year": per.Year, "quarter": per.Quarter})
		if err != nil {
			return fmt.Errorf("previous figures: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var el int64
			var prevPeriod string
			var prev float64
			if err := rows.Scan(&el, &prevPeriod, &prev); err != nil {
				return err
			}
			if e := cat.ElementByID(el); e != nil && fields[e.Code] != nil {
				fields[e.Code].PreviousValue, fields[e.Code].PreviousPeriod = &prev, prevPeriod
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return form, nil
}
