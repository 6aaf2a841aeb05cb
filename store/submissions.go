package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/db"
	"planapi/events"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
)

func (s *Store) plan() (*models.Plan, error) {
	p := s.cache.Catalogue().Current()
	if p == nil {
		return nil, errors.New("no plan loaded")
	}
	return p, nil
}

// Submission returns a region's submission for a period; nil when there is none or the region
// is outside the caller's scope.
func (s *Store) Submission(ctx context.Context, p *auth.Principal, regionCode, periodStr string) (*models.Submission, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	r, err := s.target(c, regionCode, auth.ReadRaw)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, nil
		}
		return nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	var sub *models.Submission
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		var list []*models.Submission
		if err := tx.Where("plan_id = ? AND region_code = ? AND period = ?", plan.ID, r.Code, per.String()).Limit(1).Find(&list).Error; err != nil {
			return err
		}
		if len(list) > 0 {
			sub = list[0]
		}
		return nil
	})
	return sub, err
}

// SubmissionFilter narrows Submissions.
type SubmissionFilter struct {
	RegionCode *string // the region's subtree; nil = the caller's scope
	Period     *string
	Status     *string
	First      int   // page size
	After      int64 // id cursor: submissions after this id
	// Count asks for the total number of matching submissions (a count(*) over the whole
	// scope); without it total is 0 and the statement is not run.
	Count bool
	// Values loads the page's values too, in the page's own transaction (Page.Values), for
	// an answer that asks for them: one transaction instead of the page's and a loader's.
	Values bool
}

// Page is one page of Submissions.
type Page struct {
	Items   []*models.Submission
	HasNext bool
	Total   int64                         // 0 unless SubmissionFilter.Count
	Values  map[int64][]*models.DataValue // nil unless SubmissionFilter.Values
}

// Submissions lists the submissions in the caller's scope, oldest first, a page at a time.
func (s *Store) Submissions(ctx context.Context, p *auth.Principal, f SubmissionFilter) (*Page, error) {
	page := &Page{}
	c, plan, err := s.callerAndPlan(p)
	if err != nil {
		return nil, err
	}
	path := c.region.Path
	if f.RegionCode != nil {
		r := s.allowed(c, *f.RegionCode, auth.ReadRaw)
		if r == nil {
			return page, nil // out of scope: as if there were none
		}
		path = r.Path
	}
	if f.Period != nil {
		if _, err := period.ParseArg("period", *f.Period); err != nil {
			return nil, err
		}
	}
	if f.First <= 0 || f.First > 500 {
		return nil, apperr.New(apperr.Invalid, msg.FirstOutOfRange, "first", f.First).With("field", "first")
	}
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		// The subtree as a byte-order range reaches submissions_list_idx (whereSubtree).
		q := whereSubtree(tx.Model(&models.Submission{}).Where("plan_id = ?", plan.ID), "region_path", path)
		if f.Period != nil {
			q = q.Where("period = ?", *f.Period)
		}
		if f.Status != nil {
			q = q.Where("status = ?", *f.Status)
		}
		if f.Count {
			if err := q.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
				return err
			}
		}
		if f.After > 0 {
			q = q.Where("id > ?", f.After)
		}
		if err := q.Order("id").Limit(f.First + 1).Find(&page.Items).Error; err != nil {
			return err
		}
		if len(page.Items) > f.First {
			page.Items, page.HasNext = page.Items[:f.First], true
		}
		if f.Values && len(page.Items) > 0 {
			ids := make([]int64, len(page.Items))
			for i, sub := range page.Items {
				ids[i] = sub.ID
			}
			page.Values = map[int64][]*models.DataValue{}
			return s.valuesIn(ctx, tx, ids, page.Values)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// valuesIn reads the values of the given submissions into out, by submission, in catalogue
// order, inside tx (a scoped transaction). A page's values are hundreds to thousands of rows:
// they are scanned by hand, into one backing array, rather than by gorm's reflection.
func (s *Store) valuesIn(ctx context.Context, tx *gorm.DB, ids []int64, out map[int64][]*models.DataValue) error {
	rows, err := db.Query(ctx, tx, `SELECT submission_id, element_id, region_path, value, comment, updated_at, updated_by
		FROM data_values WHERE submission_id = ANY(@ids)`, db.Args{"ids": ids})
	if err != nil {
		return err
	}
	defer rows.Close()
	cat := s.cache.Catalogue()
	var block []models.DataValue
	for rows.Next() {
		if len(block) == cap(block) {
			block = make([]models.DataValue, 0, 256)
		}
		block = block[:len(block)+1]
		v := &block[len(block)-1]
		if err := rows.Scan(&v.SubmissionID, &v.ElementID, &v.RegionPath, &v.Value, &v.Comment, &v.UpdatedAt, &v.UpdatedBy); err != nil {
			return err
		}
		v.Element = cat.ElementByID(v.ElementID)
		out[v.SubmissionID] = append(out[v.SubmissionID], v)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, vs := range out {
		sort.Slice(vs, func(i, j int) bool { return cat.ElementOrdinal(vs[i].ElementID) < cat.ElementOrdinal(vs[j].ElementID) })
	}
	return nil
}

// Values returns the values of the given submissions, by submission, in catalogue order.
func (s *Store) Values(ctx context.Context, p *auth.Principal, ids []int64) (map[int64][]*models.DataValue, error) {
	out := map[int64][]*models.DataValue{}
	err := s.InScope(ctx, p, func(tx *gorm.DB) error {
		return s.valuesIn(ctx, tx, ids, out)
	})
	return out, err
}

// TaskReports returns the key-task progress of the given submissions, by submission.
func (s *Store) TaskReports(ctx context.Context, p *auth.Principal, ids []int64) (map[int64][]*models.TaskReport, error) {
	out := map[int64][]*models.TaskReport{}
	err := s.InScope(ctx, p, func(tx *gorm.DB) error {
		var list []*models.TaskReport
		if err := tx.Where("submission_id IN ?", ids).Order("submission_id, task_id").Find(&list).Error; err != nil {
			return err
		}
		for _, v := range list {
			out[v.SubmissionID] = append(out[v.SubmissionID], v)
		}
		return nil
	})
	return out, err
}

// History returns the audit trail of the given submissions, newest first. element, when not
// empty, keeps only the entries of that data element.
func (s *Store) History(ctx context.Context, p *auth.Principal, ids []int64, element string) (map[int64][]*models.AuditEntry, error) {
	out := map[int64][]*models.AuditEntry{}
	err := s.InScope(ctx, p, func(tx *gorm.DB) error {
		var list []*models.AuditEntry
		q := tx.Where("submission_id IN ?", ids)
		if element != "" {
			q = q.Where("element = ?", element)
		}
		if err := q.Order("id DESC").Find(&list).Error; err != nil {
			return err
		}
		for _, v := range list {
			out[v.SubmissionID] = append(out[v.SubmissionID], v)
		}
		return nil
	})
	return out, err
}

// ValueInput is one value of a save: a nil Value clears it; a nil Comment keeps the old one.
// A MissingReason (with a nil Value) declares the figure unavailable instead.
type ValueInput struct {
	Element       string
	Value         *float64
	Comment       *string
	MissingReason *string
}

// OutputInput is one output figure of a measure: a nil Value clears it.
type OutputInput struct {
	Key   string
	Value *float64
}

// TaskInput is a region's progress on one measure; nil fields are left as they are.
type TaskInput struct {
	Task      string
	Status    *string
	Narrative *string
	Outputs   []OutputInput
}

// SaveInput is one saveDataValues request.
type SaveInput struct {
	RegionCode      string
	Period          string
	ExpectedVersion int
	Values          []ValueInput
	Tasks           []TaskInput
}

func conflict(current int) error {
	return apperr.New(apperr.Conflict, msg.VersionChanged, "version", current).
		With("currentVersion", current)
}

// lockSubmission reads and locks a region's submission for a period; nil when none exists.
func lockSubmission(tx *gorm.DB, planID int64, region string, per period.Period) (*models.Submission, error) {
	var list []*models.Submission
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("plan_id = ? AND region_code = ? AND period = ?", planID, region, per.String()).Limit(1).Find(&list).Error
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

func ptr2[T any](v T) *T { return &v }

// audit starts an audit entry for the caller: its stable id (the token's sub) and, as the
// token gave it at the time, its display name (the name claim), which the trail shows.
func (c *caller) audit(sub *models.Submission, action string) *models.AuditEntry {
	a := &models.AuditEntry{SubmissionID: sub.ID, RegionPath: sub.RegionPath, Actor: c.Subject, Role: string(c.Role), Action: action}
	if name := strings.TrimSpace(c.Name); name != "" {
		a.ActorName = &name
	}
	return a
}

// Save stores a save request's values and task progress atomically: all of them, or — when
// any is refused — none, with every refused value listed. The submission's version must be
// ExpectedVersion (0: no submission yet); it goes up by one.
func (s *Store) Save(ctx context.Context, p *auth.Principal, in SaveInput) (*Snapshot, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("period", in.Period)
	if err != nil {
		return nil, err
	}
	if in.ExpectedVersion < 0 {
		return nil, apperr.New(apperr.Invalid, msg.NegativeVersion, "version", in.ExpectedVersion).With("field", "expectedVersion")
	}
	r, err := s.target(c, in.RegionCode, auth.Edit)
	if err != nil {
		return nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	cat := s.cache.Catalogue()

	var sub *models.Submission
	var snap *Snapshot
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		if err := s.periodOpen(tx, r, per); err != nil {
			return err
		}
		sub, err = lockSubmission(tx, plan.ID, r.Code, per)
		if err != nil {
			return err
		}
		now := s.now()
		if sub == nil {
			if in.ExpectedVersion != 0 {
				return conflict(0)
			}
			sub = &models.Submission{PlanID: plan.ID, RegionCode: r.Code, RegionPath: r.Path, Period: per.String(),
				PeriodYear: per.Year, PeriodQuarter: per.Quarter, Status: models.StatusDraft, Version: 0, CreatedAt: now, UpdatedAt: now, UpdatedBy: c.Subject}
			// A concurrent first save of the same submission loses the race on the unique key
			// and answers CONFLICT, as a stale version would.
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(sub)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return conflict(1)
			}
		} else if sub.Version != in.ExpectedVersion {
			return conflict(sub.Version)
		}
		switch sub.Status {
		case models.StatusApproved:
			return apperr.New(apperr.Forbidden, msg.SubmissionLocked, "period", per.String(), "region", r.Name)
		case models.StatusSubmitted:
			return apperr.New(apperr.Forbidden, msg.SubmissionUnderReview, "period", per.String(), "region", r.Name)
		}

		// Current values.
		var current []*models.DataValue
		if err := tx.Where("submission_id = ?", sub.ID).Find(&current).Error; err != nil {
			return err
		}
		values := map[string]float64{}
		byElement := map[string]*models.DataValue{}
		for _, v := range current {
			if e := cat.ElementByID(v.ElementID); e != nil {
				values[e.Code] = v.Value
				byElement[e.Code] = v
			}
		}
		var declared []*models.MissingValue
		if err := tx.Where("submission_id = ?", sub.ID).Find(&declared).Error; err != nil {
			return err
		}
		missingBy := map[string]*models.MissingValue{}
		for _, m := range declared {
			if e := cat.ElementByID(m.ElementID); e != nil {
				missingBy[e.Code] = m
			}
		}

		// Validate everything before writing anything. An element typed by its Chinese name or
		// in lower case is read as its code (catalogue.ResolveElement) and stored as such.
		var refused []catalogue.Violation
		rules := cat.Rules(plan.ID)
		in.Values = append([]ValueInput(nil), in.Values...)
		seen := map[string]bool{}
		for i, v := range in.Values {
			code, refusal, ok := catalogue.ResolveElement(rules, v.Element)
			if !ok {
				refused = append(refused, catalogue.Violation{Element: v.Element, Value: v.Value, Rule: catalogue.RuleUnknownElement, Message: refusal})
				continue
			}
			in.Values[i].Element, v.Element = code, code
			e := cat.Element(plan.ID, v.Element)
			if e == nil {
				refused = append(refused, catalogue.Violation{Element: v.Element, Value: v.Value, Rule: catalogue.RuleUnknownElement,
					Message: msg.T(msg.UnknownElement, "element", v.Element)})
				continue
			}
			if seen[v.Element] {
				refused = append(refused, catalogue.Violation{Element: v.Element, Value: v.Value, Rule: catalogue.RuleDuplicateElement,
					Message: msg.T(msg.DuplicateElement, "element", e.Name+" "+v.Element)})
				continue
			}
			seen[v.Element] = true
			if v.Comment != nil && utf8.RuneCountInString(*v.Comment) > catalogue.MaxCommentRunes {
				refused = append(refused, catalogue.Violation{Element: v.Element, Value: v.Value, Rule: catalogue.RuleCommentTooLong,
					Message: msg.T(msg.CommentTooLong, "element", e.Name+" "+v.Element, "max", catalogue.MaxCommentRunes)})
			}
			if v.MissingReason != nil {
				if v.Value != nil {
					val := *v.Value
					refused = append(refused, catalogue.Violation{Element: v.Element, Value: &val, Rule: catalogue.RuleValueAndMissing,
						Message: msg.T(msg.ValueAndMissingReason, "name", e.Name, "code", v.Element, "value", val)})
					continue
				}
				refused = append(refused, catalogue.CheckMissing(rules[v.Element], catalogue.Level(r.Level), catalogue.PeriodType(per.Type()), per.String(), *v.MissingReason, catalogue.MaxCommentRunes)...)
				delete(values, v.Element)
				continue
			}
			if v.Value == nil {
				delete(values, v.Element)
				continue
			}
			refused = append(refused, catalogue.CheckValue(rules[v.Element], catalogue.Level(r.Level), catalogue.PeriodType(per.Type()), per.String(), *v.Value)...)
			values[v.Element] = *v.Value
		}
		refused = append(refused, catalogue.CheckParts(rules, values)...)
		taskPlan, taskRefused := s.checkTasks(cat, plan.ID, in.Tasks)
		refused = append(refused, taskRefused...)
		if len(refused) > 0 {
			return refusedError(refused)
		}

		// Write, auditing each change.
		var entries []*models.AuditEntry
		for _, v := range in.Values {
			e := cat.Element(plan.ID, v.Element)
			old := byElement[v.Element]
			oldMissing := missingBy[v.Element]
			if v.MissingReason != nil {
				// Declaring a figure unavailable replaces its value, if it had one.
				reason := strings.TrimSpace(*v.MissingReason)
				if old == nil && oldMissing != nil && oldMissing.Reason == reason {
					continue // unchanged
				}
				if old != nil {
					if err := tx.Where("submission_id = ? AND element_id = ?", sub.ID, e.ID).Delete(&models.DataValue{}).Error; err != nil {
						return err
					}
				}
				mv := &models.MissingValue{SubmissionID: sub.ID, ElementID: e.ID, RegionPath: sub.RegionPath, Reason: reason, UpdatedAt: now, UpdatedBy: c.Subject}
				if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(mv).Error; err != nil {
					return err
				}
				a := c.audit(sub, "SET_MISSING")
				a.Element, a.NewText, a.Comment = &e.Code, &reason, v.Comment
				if old != nil {
					a.OldValue = &old.Value
				}
				if oldMissing != nil {
					a.OldText = &oldMissing.Reason
				}
				entries = append(entries, a)
				continue
			}
			if oldMissing != nil {
				// A value, or clearing the figure, withdraws the declaration.
				if err := tx.Where("submission_id = ? AND element_id = ?", sub.ID, e.ID).Delete(&models.MissingValue{}).Error; err != nil {
					return err
				}
				if v.Value == nil {
					a := c.audit(sub, "CLEAR_MISSING")
					a.Element, a.OldText, a.Comment = &e.Code, &oldMissing.Reason, v.Comment
					entries = append(entries, a)
				}
			}
			if v.Value == nil {
				if old == nil {
					continue
				}
				if err := tx.Where("submission_id = ? AND element_id = ?", sub.ID, e.ID).Delete(&models.DataValue{}).Error; err != nil {
					return err
				}
				a := c.audit(sub, "CLEAR_VALUE")
				a.Element, a.OldValue, a.Comment = &e.Code, &old.Value, v.Comment
				entries = append(entries, a)
				continue
			}
			comment := ""
			if old != nil {
				comment = old.Comment
			}
			if v.Comment != nil {
				comment = *v.Comment
			}
			if old != nil && old.Value == *v.Value && old.Comment == comment {
				continue // unchanged: nothing to write or audit
			}
			dv := &models.DataValue{SubmissionID: sub.ID, ElementID: e.ID, Element: e, RegionPath: sub.RegionPath, Value: *v.Value, Comment: comment, UpdatedAt: now, UpdatedBy: c.Subject}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(dv).Error; err != nil {
				return err
			}
			a := c.audit(sub, "SET_VALUE")
			a.Element, a.NewValue = &e.Code, v.Value
			if old != nil {
				a.OldValue = &old.Value
			}
			if oldMissing != nil {
				a.OldText = &oldMissing.Reason // the declaration this value replaces
			}
			if v.Comment != nil {
				a.Comment = v.Comment
			}
			entries = append(entries, a)
		}
		taskEntries, err := s.writeTasks(tx, c, sub, taskPlan, now)
		if err != nil {
			return err
		}
		entries = append(entries, taskEntries...)

		from := sub.Version
		sub.Version++
		sub.UpdatedAt, sub.UpdatedBy = now, c.Subject
		res := tx.Model(&models.Submission{}).Where("id = ? AND version = ?", sub.ID, from).
			Updates(map[string]any{"version": sub.Version, "updated_at": now, "updated_by": c.Subject})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return conflict(sub.Version)
		}
		if from == 0 {
			a := c.audit(sub, "CREATE")
			a.ToStatus = ptr2(models.StatusDraft)
			entries = append([]*models.AuditEntry{a}, entries...)
		}
		for _, a := range entries {
			a.Version = sub.Version
		}
		if len(entries) > 0 {
			if err := tx.Create(&entries).Error; err != nil {
				return err
			}
		}
		if err := events.Notify(ctx, tx, submissionEvent(sub, "SAVE")); err != nil {
			return err
		}
		snap, err = s.snapshot(tx, sub)
		return err
	})
	if err != nil {
		return nil, mapDBError(err)
	}
	return snap, nil
}

// Snapshot is a submission as a write left it, read in the write's own transaction, so a
// mutation's answer shows the version it made even when another write follows at once.
type Snapshot struct {
	Submission *models.Submission
	Values     []*models.DataValue
	Missing    []*models.MissingValue
	Tasks      []*models.TaskReport
	History    []*models.AuditEntry
}

func (s *Store) snapshot(tx *gorm.DB, sub *models.Submission) (*Snapshot, error) {
	snap := &Snapshot{Submission: sub}
	if err := tx.Where("submission_id = ?", sub.ID).Find(&snap.Values).Error; err != nil {
		return nil, err
	}
	cat := s.cache.Catalogue()
	for _, v := range snap.Values {
		v.Element = cat.ElementByID(v.ElementID)
	}
	sort.Slice(snap.Values, func(i, j int) bool {
		return cat.ElementOrdinal(snap.Values[i].ElementID) < cat.ElementOrdinal(snap.Values[j].ElementID)
	})
	if err := tx.Where("submission_id = ?", sub.ID).Find(&snap.Missing).Error; err != nil {
		return nil, err
	}
	s.sortMissing(snap.Missing)
	if err := tx.Where("submission_id = ?", sub.ID).Order("task_id").Find(&snap.Tasks).Error; err != nil {
		return nil, err
	}
	if err := tx.Where("submission_id = ?", sub.ID).Order("id DESC").Find(&snap.History).Error; err != nil {
		return nil, err
	}
	return snap, nil
}

// refusedError lists every refused value in one BAD_USER_INPUT error: extensions.refused has,
// for each, the element, the value, the rule code and the message (rendered in the request's
// language by the error presenter).
func refusedError(vs []catalogue.Violation) error {
	msgs := make(msg.Sentences, len(vs))
	details := make([]map[string]any, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message
		d := map[string]any{"element": v.Element, "rule": string(v.Rule), "message": v.Message}
		if v.Value != nil && !math.IsNaN(*v.Value) && !math.IsInf(*v.Value, 0) {
			d["value"] = *v.Value
		}
		details[i] = d
	}
	return apperr.New(apperr.Invalid, msg.Refused, "count", len(vs), "violations", msgs).With("refused", details)
}

// mapDBError turns database errors a client can cause into coded errors.
func mapDBError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01": // serialization failure, deadlock
			return apperr.New(apperr.Conflict, msg.ChangedConcurrently)
		case "23505":
			return apperr.New(apperr.Conflict, msg.CreatedConcurrently)
		}
	}
	return err
}

// Transition moves a submission through the review workflow:
//
//	submit:  DRAFT or RETURNED → SUBMITTED   (the region's reporter)
//	approve: SUBMITTED → APPROVED            (a reviewer or admin above it)
//	return:  SUBMITTED → RETURNED, reason    (a reviewer or admin above it)
//	reopen:  APPROVED → RETURNED, reason     (an admin)
//	recall:  SUBMITTED → DRAFT               (the region's reporter, before review)
//
// expectedVersion is checked when given (reopen takes none). Each transition raises the
// version and is audited with who, when and why.
func (s *Store) Transition(ctx context.Context, p *auth.Principal, regionCode, periodStr string, expectedVersion *int, action, reason string) (*Snapshot, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	var perm auth.Action
	var from []string
	var to, auditAction string
	switch action {
	case "submit":
		perm, from, to, auditAction = auth.Submit, []string{models.StatusDraft, models.StatusReturned}, models.StatusSubmitted, "SUBMIT"
	case "approve":
		perm, from, to, auditAction = auth.Review, []string{models.StatusSubmitted}, models.StatusApproved, "APPROVE"
	case "return":
		perm, from, to, auditAction = auth.Review, []string{models.StatusSubmitted}, models.StatusReturned, "RETURN"
	case "reopen":
		perm, from, to, auditAction = auth.Reopen, []string{models.StatusApproved}, models.StatusReturned, "REOPEN"
	case "recall":
		perm, from, to, auditAction = auth.Recall, []string{models.StatusSubmitted}, models.StatusDraft, "RECALL"
	default:
		return nil, fmt.Errorf("unknown transition %q", action)
	}
	reason = strings.TrimSpace(reason)
	if (action == "return" || action == "reopen") && reason == "" {
		return nil, apperr.New(apperr.Invalid, msg.ReasonRequired).With("field", "reason")
	}
	if utf8.RuneCountInString(reason) > catalogue.MaxCommentRunes {
		return nil, apperr.New(apperr.Invalid, msg.ReasonTooLong, "max", catalogue.MaxCommentRunes).With("field", "reason")
	}
	r, err := s.target(c, regionCode, perm)
	if err != nil {
		return nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	var sub *models.Submission
	var snap *Snapshot
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		// A recalled submission goes back to a draft that only an open period lets the clerk
		// correct and send again: after the deadline the city returns it instead.
		if action == "submit" || action == "recall" {
			if err := s.periodOpen(tx, r, per); err != nil {
				return err
			}
		}
		sub, err = lockSubmission(tx, plan.ID, r.Code, per)
		if err != nil {
			return err
		}
		if sub == nil {
			return apperr.New(apperr.NotFound, msg.NoSubmission, "region", r.Name, "period", per.String())
		}
		if expectedVersion != nil && sub.Version != *expectedVersion {
			return conflict(sub.Version)
		}
		ok := false
		for _, f := range from {
			ok = ok || sub.Status == f
		}
		if !ok && action == "recall" {
			return apperr.New(apperr.Conflict, msg.RecallNotSubmitted, "region", r.Name, "period", per.String(), "status", sub.Status).With("status", sub.Status).With("currentVersion", sub.Version)
		}
		if !ok {
			return apperr.New(apperr.Conflict, msg.WrongStatus, "action", transitionWord(action), "period", per.String(), "region", r.Name, "status", sub.Status, "from", from).
				With("status", sub.Status).With("currentVersion", sub.Version)
		}
		if action == "submit" {
			var ids []int64
			if err := tx.Model(&models.DataValue{}).Where("submission_id = ?", sub.ID).Pluck("element_id", &ids).Error; err != nil {
				return err
			}
			var declared []int64
			if err := tx.Model(&models.MissingValue{}).Where("submission_id = ?", sub.ID).Pluck("element_id", &declared).Error; err != nil {
				return err
			}
			var t int64
			if err := tx.Model(&models.TaskReport{}).Where("submission_id = ?", sub.ID).Count(&t).Error; err != nil {
				return err
			}
			if len(ids)+len(declared)+int(t) == 0 {
				return apperr.New(apperr.Invalid, msg.EmptySubmission, "period", per.String(), "region", r.Name)
			}
			if err := s.checkRequired(plan.ID, r, per, append(ids, declared...)); err != nil {
				return err
			}
		}
		now := s.now()
		fromStatus, fromVersion := sub.Status, sub.Version
		sub.Status, sub.Version, sub.UpdatedAt, sub.UpdatedBy = to, sub.Version+1, now, c.Subject
		res := tx.Model(&models.Submission{}).Where("id = ? AND version = ?", sub.ID, fromVersion).
			Updates(map[string]any{"status": to, "version": sub.Version, "updated_at": now, "updated_by": c.Subject})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return conflict(sub.Version)
		}
		a := c.audit(sub, auditAction)
		a.FromStatus, a.ToStatus, a.Version = &fromStatus, &to, sub.Version
		if reason != "" {
			a.Comment = &reason
		}
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		if err := events.Notify(ctx, tx, submissionEvent(sub, auditAction)); err != nil {
			return err
		}
		snap, err = s.snapshot(tx, sub)
		return err
	})
	if err != nil {
		return nil, mapDBError(err)
	}
	return snap, nil
}

// checkRequired refuses a submission that lacks a figure required of its region's level for
// its kind of period, neither entered nor declared unavailable (present: the element ids it has
// either way). extensions.missing lists the element codes, in catalogue order.
func (s *Store) checkRequired(planID int64, r *models.Region, per period.Period, present []int64) error {
	have := map[int64]bool{}
	for _, id := range present {
		have[id] = true
	}
	var codes, words []string
	for _, e := range s.cache.Catalogue().RequiredElements(planID, catalogue.Level(r.Level), catalogue.PeriodType(per.Type())) {
		if !have[e.ID] {
			codes = append(codes, e.Code)
			words = append(words, e.Name+" "+e.Code)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	var list any = words
	if len(words) > 5 {
		list = msg.T(msg.RequiredMissingMore, "elements", words[:5], "count", len(words))
	}
	return apperr.New(apperr.Invalid, msg.RequiredMissing, "region", r.Name, "period", per.String(), "count", len(codes), "elements", list).
		With("missing", codes)
}

// transitionWord names a workflow action in a message.
// transitionWords name the review transitions; any other is a reopening.
var transitionWords = map[string]msg.Key{"submit": msg.TransitionSubmit, "approve": msg.TransitionApprove,
	"return": msg.TransitionReturn, "recall": msg.TransitionRecall}

func transitionWord(action string) msg.Text {
	if k, ok := transitionWords[action]; ok {
		return msg.T(k)
	}
	return msg.T(msg.TransitionReopen)
}

// MissingValues returns the figures the given submissions declared unavailable, by
// submission, in catalogue order.
func (s *Store) MissingValues(ctx context.Context, p *auth.Principal, ids []int64) (map[int64][]*models.MissingValue, error) {
	out := map[int64][]*models.MissingValue{}
	err := s.InScope(ctx, p, func(tx *gorm.DB) error {
		var list []*models.MissingValue
		if err := tx.Where("submission_id IN ?", ids).Find(&list).Error; err != nil {
			return err
		}
		for _, v := range list {
			out[v.SubmissionID] = append(out[v.SubmissionID], v)
		}
		return nil
	})
	for _, ms := range out {
		s.sortMissing(ms)
	}
	return out, err
}

func (s *Store) sortMissing(ms []*models.MissingValue) {
	cat := s.cache.Catalogue()
	sort.Slice(ms, func(i, j int) bool { return cat.ElementOrdinal(ms[i].ElementID) < cat.ElementOrdinal(ms[j].ElementID) })
}

// submissionEvent announces a change of a submission (events.Notify, at commit).
func submissionEvent(sub *models.Submission, action string) events.Event {
	return events.Event{Kind: events.KindSubmission, RegionCode: sub.RegionCode, RegionPath: sub.RegionPath,
		Period: sub.Period, Action: action, Status: sub.Status, Version: sub.Version, At: sub.UpdatedAt}
}
