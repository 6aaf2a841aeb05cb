package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/db"
	"planapi/events"
	"planapi/models"
	"planapi/msg"
	"planapi/period"
)

// Publication: the regions below a region read its totals only as its admin published them
// for a period (auth.ReadsPublished). A live total above the caller would change with every
// neighbour's approval, and the difference of two answers would be that neighbour's figures;
// a snapshot changes only when the region publishes again. The snapshot also leaves out, for
// each level of readers below, every total that would amount to one or two sibling subtrees'
// figures at that level (auth.WithheldForLevel).

// publishedSnapshot is what a publication stores: the region's totals for the period.
type publishedSnapshot struct {
	Indicators map[string]publishedValue `json:"indicators"` // by indicator code
	Tasks      []publishedTask           `json:"tasks"`      // in catalogue order
}

// publishedValue is one indicator's total. WithheldAt lists the reader depths it is withheld
// from (auth.Depth of their regions' paths).
type publishedValue struct {
	Value       *float64 `json:"value"`
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
	Partial     bool     `json:"partial,omitempty"`
	Expected    []string `json:"expected"`
	Approved    []string `json:"approved"`
	WithheldAt  []int    `json:"withheldAt,omitempty"`
}

type publishedTask struct {
	Code           string            `json:"code"`
	Outputs        []publishedOutput `json:"outputs"`
	Expected       int               `json:"expected"`
	Reporting      int               `json:"reporting"`
	Done           int               `json:"done"`
	DoneWithheldAt []int             `json:"doneWithheldAt,omitempty"`
}

type publishedOutput struct {
	Code       string  `json:"code"`
	Unit       string  `json:"unit"`
	Value      float64 `json:"value"`
	WithheldAt []int   `json:"withheldAt,omitempty"`
}

// publicationTarget resolves and checks a publish or withdraw request.
func (s *Store) publicationTarget(p *auth.Principal, regionCode, periodStr string) (*caller, *models.Region, period.Period, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, nil, period.Period{}, err
	}
	per, err := period.ParseArg("period", periodStr)
	if err != nil {
		return nil, nil, per, err
	}
	r := s.cache.Regions().Get(regionCode)
	if r == nil {
		return nil, nil, per, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	// SECURITY: the region's admin, or an admin above it (auth.Publish).
	switch c.decide(auth.Publish, r) {
	case auth.Hidden:
		return nil, nil, per, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	case auth.Forbidden:
		return nil, nil, per, apperr.New(apperr.Forbidden, msg.PublishForbidden, "code", r.Code, "name", r.Name)
	}
	return c, r, per, nil
}

// readerDepths are the depths of the regions below r that read its published totals.
func (s *Store) readerDepths(r *models.Region) []int {
	own := auth.Depth(r.Path)
	deepest := own
	for _, x := range s.cache.Regions().Subtree(r.Code) {
		deepest = max(deepest, auth.Depth(x.Path))
	}
	var out []int
	for d := own + 1; d <= deepest; d++ {
		out = append(out, d)
	}
	return out
}

// withheldAt lists the reader depths from which a total over the units (region codes) is
// withheld.
func (s *Store) withheldAt(r *models.Region, depths []int, unitLists ...[]string) []int {
	var out []int
	for _, d := range depths {
		for _, units := range unitLists {
			paths := make([]string, 0, len(units))
			for _, code := range units {
				if u := s.cache.Regions().Get(code); u != nil {
					paths = append(paths, u.Path)
				}
			}
			// SECURITY: the small-cell rule of publication.
			if auth.WithheldFromReaders(r.Path, d, paths) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// Publish freezes the region's totals for the period as they stand (approved figures only)
// into its publication, which the regions below it read from then on. Publishing again
// replaces the snapshot and raises the version; a withdrawn publication comes back.
func (s *Store) Publish(ctx context.Context, p *auth.Principal, regionCode, periodStr string) (*models.Publication, error) {
	c, r, per, err := s.publicationTarget(p, regionCode, periodStr)
	if err != nil {
		return nil, err
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	rng := period.Single(per)
	vals, _, err := s.indicatorValues(ctx, c, ValuesQuery{Regions: []string{r.Code}, Periods: []period.Range{rng}}, true)
	if err != nil {
		return nil, err
	}
	depths := s.readerDepths(r)
	snap := publishedSnapshot{Indicators: map[string]publishedValue{}, Tasks: []publishedTask{}}
	for _, v := range vals[ValueKey{r.Code, rng}] {
		pv := publishedValue{Value: v.Value, Numerator: v.Numerator, Denominator: v.Denominator, Partial: v.Partial,
			Expected: v.Expected, Approved: v.Approved}
		// Each element's units on its own (a formula's sides may come from different units).
		var lists [][]string
		for _, units := range v.units {
			lists = append(lists, units)
		}
		pv.WithheldAt = s.withheldAt(r, depths, lists...)
		snap.Indicators[v.Indicator.Code] = pv
	}
	tasks, err := s.TaskRollups(ctx, p, r.Code, rng, false)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		// done is withheld unless the counties done, and those not, are each none or three or
		// more groups: a county knowing its own status would otherwise learn the others'.
		pt := publishedTask{Code: t.Task.Code, Expected: t.Expected, Reporting: t.Reporting, Done: t.Done,
			Outputs: []publishedOutput{}, DoneWithheldAt: s.withheldAt(r, depths, t.units, t.done, t.unfinished)}
		for _, o := range t.Outputs {
			pt.Outputs = append(pt.Outputs, publishedOutput{Code: o.Code, Unit: o.Unit, Value: o.Value,
				WithheldAt: s.withheldAt(r, depths, unitsOf(o.units))})
		}
		snap.Tasks = append(snap.Tasks, pt)
	}
	s.suppressDifferences(r, depths, &snap, vals[ValueKey{r.Code, rng}], tasks)
	b, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("publish %s %s: %w", r.Code, per, err)
	}
	var pub models.Publication
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		if err := events.Notify(ctx, tx, events.Event{Kind: events.KindPublication, RegionCode: r.Code, RegionPath: r.Path,
			Period: per.String(), Action: "PUBLISH", At: s.now()}); err != nil {
			return err
		}
		return scanPublication(db.QueryRow(ctx, tx, `INSERT INTO publications (plan_id, region_code, region_path, period, version,
				snapshot, published_at, published_by)
			VALUES (@plan, @region, @path, @period, 1, @snapshot::jsonb, @now, @actor)
			ON CONFLICT (plan_id, region_code, period) DO UPDATE SET version = publications.version + 1,
				snapshot = EXCLUDED.snapshot, published_at = EXCLUDED.published_at, published_by = EXCLUDED.published_by,
				withdrawn_at = NULL, withdrawn_by = NULL, withdrawn_reason = NULL
			RETURNING `+publicationColumns,
			db.Args{"plan": plan.ID, "region": r.Code, "path": r.Path, "period": per.String(), "snapshot": string(b),
				"now": s.now(), "actor": c.Subject}), &pub)
	})
	if err != nil {
		return nil, err
	}
	return &pub, nil
}

// Unpublish withdraws a region's publication for a period, with the reason: the regions
// below no longer read its totals for the period.
func (s *Store) Unpublish(ctx context.Context, p *auth.Principal, regionCode, periodStr, reason string) (*models.Publication, error) {
	c, r, per, err := s.publicationTarget(p, regionCode, periodStr)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.New(apperr.Invalid, msg.WithdrawReasonRequired).With("field", "reason")
	}
	if utf8.RuneCountInString(reason) > catalogue.MaxCommentRunes {
		return nil, apperr.New(apperr.Invalid, msg.ReasonTooLong, "max", catalogue.MaxCommentRunes).With("field", "reason")
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	var pub models.Publication
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		err := scanPublication(db.QueryRow(ctx, tx, `UPDATE publications SET withdrawn_at = coalesce(withdrawn_at, @now),
				withdrawn_by = coalesce(withdrawn_by, @actor), withdrawn_reason = coalesce(withdrawn_reason, @reason)
			WHERE plan_id = @plan AND region_code = @region AND period = @period
			RETURNING `+publicationColumns,
			db.Args{"plan": plan.ID, "region": r.Code, "period": per.String(), "now": s.now(), "actor": c.Subject, "reason": reason}), &pub)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, msg.NeverPublished, "code", r.Code, "name", r.Name, "period", per.String()).With("field", "period")
		}
		if err != nil {
			return err
		}
		return events.Notify(ctx, tx, events.Event{Kind: events.KindPublication, RegionCode: r.Code, RegionPath: r.Path,
			Period: per.String(), Action: "UNPUBLISH", At: s.now()})
	})
	if err != nil {
		return nil, err
	}
	return &pub, nil
}

// Publications lists the publications of a region the caller may read along its line (its
// own subtree's and its ancestors'), newest period first.
func (s *Store) Publications(ctx context.Context, p *auth.Principal, regionCode string) ([]*models.Publication, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	out := []*models.Publication{}
	// SECURITY: along the caller's line only, as totals are (auth.ReadAggregate).
	r := s.allowed(c, regionCode, auth.ReadAggregate)
	if r == nil {
		return out, nil
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		return tx.Omit("snapshot").Where("plan_id = ? AND region_code = ?", plan.ID, r.Code).Find(&out).Error
	})
	slices.SortFunc(out, func(a, b *models.Publication) int {
		return period.MustParse(b.Period).Compare(period.MustParse(a.Period))
	})
	return out, err
}

const publicationColumns = `plan_id, region_code, region_path, period, version, published_at, published_by,
	withdrawn_at, withdrawn_by, withdrawn_reason`

func scanPublication(row *sql.Row, p *models.Publication) error {
	return row.Scan(&p.PlanID, &p.RegionCode, &p.RegionPath, &p.Period, &p.Version, &p.PublishedAt, &p.PublishedBy,
		&p.WithdrawnAt, &p.WithdrawnBy, &p.WithdrawnReason)
}

// snapshots reads the publications in force (not withdrawn) of the regions for the periods,
// by region code and period, in the caller's line.
func (s *Store) snapshots(ctx context.Context, c *caller, regions []*models.Region, periods []string) (map[[2]string]*publishedSnapshot, error) {
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(regions))
	for i, r := range regions {
		codes[i] = r.Code
	}
	out := map[[2]string]*publishedSnapshot{}
	err = s.scoped(ctx, c.region.Path, func(tx *gorm.DB) error {
		rows, err := db.Query(ctx, tx, `SELECT region_code, period, snapshot FROM publications
			WHERE plan_id = @plan AND region_code = ANY (@codes) AND period = ANY (@periods) AND withdrawn_at IS NULL`,
			db.Args{"plan": plan.ID, "codes": codes, "periods": periods})
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code, per string
			var raw []byte
			if err := rows.Scan(&code, &per, &raw); err != nil {
				return err
			}
			var snap publishedSnapshot
			if err := json.Unmarshal(raw, &snap); err != nil {
				return fmt.Errorf("publication %s %s: %w", code, per, err)
			}
			out[[2]string{code, per}] = &snap
		}
		return rows.Err()
	})
	return out, err
}

func notPublished(r *models.Region, rng period.Range) error {
	if !rng.IsSingle() {
		return apperr.New(apperr.NotFound, msg.PublishedPerPeriod, "code", r.Code, "name", r.Name, "period", rng.String()).With("field", "period").With("value", rng.String())
	}
	return apperr.New(apperr.NotFound, msg.NotPublished, "code", r.Code, "name", r.Name, "period", rng.String()).With("field", "period").With("value", rng.String())
}

// readPublished answers the values of regions above the caller from their publications: the
// caller's level's view of each (withheld totals without value, numerator or denominator;
// completeness shows the units in the value only). A period not published, or a range, answers
// NOT_FOUND, or with SkipHidden values that say so (Published false).
func (s *Store) readPublished(ctx context.Context, c *caller, regions []*models.Region, q ValuesQuery, inds []*models.Indicator, out map[ValueKey][]*IndicatorValue) error {
	var periods []string
	for _, rng := range q.Periods {
		if rng.IsSingle() {
			periods = append(periods, rng.From.String())
		}
	}
	snaps, err := s.snapshots(ctx, c, regions, periods)
	if err != nil {
		return err
	}
	depth := auth.Depth(c.region.Path)
	for _, r := range regions {
		for _, rng := range q.Periods {
			var snap *publishedSnapshot
			if rng.IsSingle() {
				snap = snaps[[2]string{r.Code, rng.From.String()}]
			}
			if snap == nil && !q.SkipHidden {
				return notPublished(r, rng)
			}
			list := make([]*IndicatorValue, 0, len(inds))
			for _, ind := range inds {
				v := &IndicatorValue{Indicator: ind, Region: r, Period: rng, Expected: []string{}, Reported: []string{},
					Approved: []string{}, Incomplete: []string{}, Missing: []string{}}
				if snap != nil {
					pv := snap.Indicators[ind.Code]
					v.Published = true
					v.Expected, v.Approved, v.Reported = nonNilStrings(pv.Expected), nonNilStrings(pv.Approved), nonNilStrings(pv.Approved)
					v.Partial = pv.Partial
					// SECURITY: a total withheld from the caller's level comes without value,
					// numerator and denominator.
					switch {
					case slices.Contains(pv.WithheldAt, depth):
						v.Withheld = true
					case pv.Value != nil:
						// SECURITY: numerator and denominator only where the value is.
						v.Value, v.Numerator, v.Denominator = pv.Value, pv.Numerator, pv.Denominator
					}
				}
				list = append(list, v)
			}
			out[ValueKey{r.Code, rng}] = list
		}
	}
	return nil
}

// publishedTasks answers a region's key-task roll-up above the caller from its publication.
func (s *Store) publishedTasks(ctx context.Context, c *caller, r *models.Region, rng period.Range) ([]*TaskRollup, error) {
	if !rng.IsSingle() {
		return nil, notPublished(r, rng)
	}
	snaps, err := s.snapshots(ctx, c, []*models.Region{r}, []string{rng.From.String()})
	if err != nil {
		return nil, err
	}
	snap := snaps[[2]string{r.Code, rng.From.String()}]
	if snap == nil {
		return nil, notPublished(r, rng)
	}
	plan, err := s.plan()
	if err != nil {
		return nil, err
	}
	cat := s.cache.Catalogue()
	depth := auth.Depth(c.region.Path)
	var out []*TaskRollup
	for _, pt := range snap.Tasks {
		t := cat.Task(plan.ID, pt.Code)
		if t == nil {
			continue // retired since publication
		}
		tr := &TaskRollup{Task: t, Expected: pt.Expected, Reporting: pt.Reporting, Done: pt.Done}
		// SECURITY: what the publication withholds from the caller's level stays out.
		if slices.Contains(pt.DoneWithheldAt, depth) {
			tr.Done = 0
			tr.DoneWithheld = true
		}
		for _, o := range pt.Outputs {
			if !slices.Contains(o.WithheldAt, depth) {
				tr.Outputs = append(tr.Outputs, OutputTotal{Code: o.Code, Unit: o.Unit, Value: o.Value})
			}
		}
		out = append(out, tr)
	}
	return out, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// EnsurePublished publishes the region's totals for each of the periods that has never been
// published (a withdrawn publication stays withdrawn), and returns how many it published.
// Start-up uses it for the demo cities, so that a restart changes nothing.
func (s *Store) EnsurePublished(ctx context.Context, p *auth.Principal, regionCode string, periods []string) (int, error) {
	have, err := s.Publications(ctx, p, regionCode)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, per := range periods {
		if slices.ContainsFunc(have, func(x *models.Publication) bool { return x.Period == per }) {
			continue
		}
		if _, err := s.Publish(ctx, p, regionCode, per); err != nil {
			return n, fmt.Errorf("publish %s %s: %w", regionCode, per, err)
		}
		n++
	}
	return n, nil
}

// unitsOf are the regions of "region|part" contributions.
func unitsOf(atoms []string) []string {
	out := make([]string, len(atoms))
	for i, a := range atoms {
		out[i], _, _ = strings.Cut(a, "|")
	}
	return out
}

// suppressDifferences withholds, at each reader depth, the published cells that another
// published cell of the same quantity would single units out of by subtraction
// (auth.SuppressDifferences): an element's totals in the indicators that use it, and an
// output code's totals over the task tree. Withholding one cell can expose another pair, so
// it runs until nothing changes.
func (s *Store) suppressDifferences(r *models.Region, depths []int, snap *publishedSnapshot, vals []*IndicatorValue, tasks []*TaskRollup) {
	path := func(code string) string {
		if u := s.cache.Regions().Get(code); u != nil {
			return u.Path
		}
		return code
	}
	for _, d := range depths {
		for changed := true; changed; {
			changed = false
			// An element's totals in every indicator that uses it.
			elements := map[string][]int{} // element code → indices in vals
			for i, v := range vals {
				for e := range v.units {
					elements[e] = append(elements[e], i)
				}
			}
			for e, idx := range elements {
				cells := make([][]auth.Contribution, len(idx))
				withheld := make([]bool, len(idx))
				for k, i := range idx {
					for _, u := range vals[i].units[e] {
						cells[k] = append(cells[k], auth.Contribution{UnitPath: path(u), Part: e})
					}
					withheld[k] = slices.Contains(snap.Indicators[vals[i].Indicator.Code].WithheldAt, d)
				}
				for k, w := range auth.SuppressDifferences(r.Path, d, cells, withheld) {
					if w && !withheld[k] {
						pv := snap.Indicators[vals[idx[k]].Indicator.Code]
						pv.WithheldAt = append(pv.WithheldAt, d)
						snap.Indicators[vals[idx[k]].Indicator.Code] = pv
						changed = true
					}
				}
			}
			// An output code's totals over the task tree, by each unit's measure.
			type at struct{ task, output int }
			codes := map[string][]at{}
			for ti, t := range tasks {
				for oi, o := range t.Outputs {
					codes[o.Code] = append(codes[o.Code], at{ti, oi})
				}
			}
			for _, list := range codes {
				cells := make([][]auth.Contribution, len(list))
				withheld := make([]bool, len(list))
				for k, a := range list {
					for _, atom := range tasks[a.task].Outputs[a.output].units {
						u, part, _ := strings.Cut(atom, "|")
						cells[k] = append(cells[k], auth.Contribution{UnitPath: path(u), Part: part})
					}
					withheld[k] = slices.Contains(snap.Tasks[a.task].Outputs[a.output].WithheldAt, d)
				}
				for k, w := range auth.SuppressDifferences(r.Path, d, cells, withheld) {
					if w && !withheld[k] {
						o := &snap.Tasks[list[k].task].Outputs[list[k].output]
						o.WithheldAt = append(o.WithheldAt, d)
						changed = true
					}
				}
			}
		}
	}
}
