package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"planapi/apperr"
	"planapi/auth"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
)

// The evaluation report's own texts (migration 0008) and the reads its builder (package
// report) needs beyond the roll-ups: who may read a report, and the narratives behind the
// key-task progress.

// Report sections the region writes itself.
const (
	SectionProblems  = "PROBLEMS"   // 二、存在的问题
	SectionNextSteps = "NEXT_STEPS" // 三、下一步工作
)

// MaxReportSectionChars bounds a section's text: a few pages of the report.
const MaxReportSectionChars = 20000

// ReportRegion resolves the region whose evaluation report the caller asks for and applies
// the report's read rule (auth.ReadReport): NOT_FOUND outside the caller's line, FORBIDDEN for
// a role or position that reads no report.
func (s *Store) ReportRegion(p *auth.Principal, regionCode string) (*models.Region, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: auth.ReadReport decides.
	return s.target(c, regionCode, auth.ReadReport)
}

// ReportSections returns the region's saved report sections as of a period, by section.
func (s *Store) ReportSections(ctx context.Context, p *auth.Principal, regionCode, asOf string) (map[string]*models.ReportSection, error) {
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: auth.ReadReport decides; the transaction's scope is the caller's own.
	r, err := s.target(c, regionCode, auth.ReadReport)
	if err != nil {
		return nil, err
	}
	out := map[string]*models.ReportSection{}
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		var list []*models.ReportSection
		if err := tx.Where("plan_id = ? AND region_code = ? AND as_of = ?", plan.ID, r.Code, asOf).Find(&list).Error; err != nil {
			return err
		}
		for _, x := range list {
			out[x.Section] = x
		}
		return nil
	})
	return out, err
}

// ReportSectionHistory returns every saved version of a section, newest first.
func (s *Store) ReportSectionHistory(ctx context.Context, p *auth.Principal, regionCode, asOf, section string) ([]*models.ReportSectionEdit, error) {
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: the history is read by those who read the report.
	r, err := s.target(c, regionCode, auth.ReadReport)
	if err != nil {
		return nil, err
	}
	var list []*models.ReportSectionEdit
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		return tx.Where("plan_id = ? AND region_code = ? AND as_of = ? AND section = ?", plan.ID, r.Code, asOf, section).
			Order("version DESC, id DESC").Find(&list).Error
	})
	return list, err
}

// SaveReportSectionInput is one saveReportSection request.
type SaveReportSectionInput struct {
	RegionCode, AsOf, Section, Text string
	// ExpectedVersion is the version the writer loaded (0: never saved); the save raises it
	// by one, and answers CONFLICT, changing nothing, if someone saved in between.
	ExpectedVersion int
}

// SaveReportSection stores a section's text and appends it to the section's history, in one
// transaction.
func (s *Store) SaveReportSection(ctx context.Context, p *auth.Principal, in SaveReportSectionInput) (*models.ReportSection, error) {
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: auth.WriteReport decides: the region's own admin or reviewer.
	r, err := s.target(c, in.RegionCode, auth.WriteReport)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("asOf", in.AsOf)
	if err != nil {
		return nil, err
	}
	if per.Year < plan.StartYear {
		return nil, apperr.New(apperr.Invalid, msg.ReportBeforePlan, "asOf", per.String(), "start", plan.StartYear).With("field", "asOf")
	}
	if in.Section != SectionProblems && in.Section != SectionNextSteps {
		return nil, apperr.New(apperr.Invalid, msg.ReportSectionUnknown, "value", in.Section).With("field", "section")
	}
	if in.ExpectedVersion < 0 {
		return nil, apperr.New(apperr.Invalid, msg.NegativeVersion, "version", in.ExpectedVersion).With("field", "expectedVersion")
	}
	text := strings.TrimSpace(in.Text)
	if n := utf8.RuneCountInString(text); n > MaxReportSectionChars {
		return nil, apperr.New(apperr.Invalid, msg.ReportSectionTooLong, "section", in.Section, "max", MaxReportSectionChars, "length", n).With("field", "text")
	}
	var name *string
	if n := strings.TrimSpace(c.Name); n != "" {
		name = &n
	}
	out := &models.ReportSection{PlanID: plan.ID, RegionCode: r.Code, RegionPath: r.Path, AsOf: per.String(), Section: in.Section}
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		var list []*models.ReportSection
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("plan_id = ? AND region_code = ? AND as_of = ? AND section = ?", plan.ID, r.Code, out.AsOf, in.Section).
			Limit(1).Find(&list).Error; err != nil {
			return err
		}
		current := 0
		if len(list) > 0 {
			current = list[0].Version
		}
		if current != in.ExpectedVersion {
			return apperr.New(apperr.Conflict, msg.ReportSectionChanged, "section", in.Section, "version", current).With("currentVersion", current)
		}
		out.Text, out.Version, out.UpdatedBy, out.UpdatedByName = text, current+1, c.Subject, name
		out.UpdatedAt = s.now()
		if current == 0 {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(out)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 { // saved by someone else in between
				return apperr.New(apperr.Conflict, msg.ReportSectionChanged, "section", in.Section, "version", 1).With("currentVersion", 1)
			}
		} else if err := tx.Model(&models.ReportSection{}).
			Where("plan_id = ? AND region_code = ? AND as_of = ? AND section = ?", plan.ID, r.Code, out.AsOf, in.Section).
			Updates(map[string]any{"text": out.Text, "version": out.Version, "updated_at": out.UpdatedAt,
				"updated_by": out.UpdatedBy, "updated_by_name": out.UpdatedByName}).Error; err != nil {
			return err
		}
		return tx.Create(&models.ReportSectionEdit{PlanID: plan.ID, RegionCode: r.Code, RegionPath: r.Path, AsOf: out.AsOf,
			Section: in.Section, Version: out.Version, Text: text, At: out.UpdatedAt, Actor: c.Subject, ActorName: name, Role: string(c.Role)}).Error
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TaskNarrative is what one county wrote about one key-task measure in one approved period.
type TaskNarrative struct {
	TaskID     int64
	RegionCode string
	Period     string
	Status     string
	Narrative  string
}

// TaskNarratives returns the narratives of the approved key-task reports in the region's
// subtree for the periods wholly inside rng, oldest period first: the counties' own words,
// which the report quotes. Raw data: the caller must read the region's raw figures
// (auth.ReadRaw); an empty list otherwise.
func (s *Store) TaskNarratives(ctx context.Context, p *auth.Principal, regionCode string, rng period.Range) ([]TaskNarrative, error) {
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: raw data only within the caller's scope.
	r := s.allowed(c, regionCode, auth.ReadRaw)
	if r == nil {
		return nil, nil
	}
	var periods []string
	for _, part := range rng.Parts() {
		periods = append(periods, part.String())
		if part.Type() == period.Yearly {
			for _, q := range part.Quarters() {
				periods = append(periods, q.String())
			}
		}
	}
	var out []TaskNarrative
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		// The subtree as a byte-order range reaches submissions_list_idx (whereSubtree).
		q := tx.Table("task_reports AS tr").
			Select("tr.task_id, s.region_code, s.period, tr.status, tr.narrative").
			Joins("JOIN submissions s ON s.id = tr.submission_id").
			Where("s.plan_id = ? AND s.status = ? AND s.period IN ? AND tr.narrative <> ''",
				plan.ID, models.StatusApproved, periods)
		return whereSubtree(q, "s.region_path", r.Path).
			Order("s.period_year, s.period_quarter, s.region_code, tr.task_id").
			Scan(&out).Error
	})
	return out, err
}
