package snapshot

import (
	"context"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"planapi/catalogue"
	"planapi/models"
)

// Catalogue is an in-memory, read-only snapshot of the catalogue tables (retired rows left
// out). The catalogue is small and changes only at start-up sync, so the server keeps one
// snapshot and every request reads it without a query.
type Catalogue struct {
	Plans      []*models.Plan
	Categories map[int64][]*models.IndicatorCategory // by plan
	Indicators map[int64][]*models.Indicator         // by plan, in report order
	Elements   map[int64][]*models.DataElement       // by plan
	Tasks      map[int64][]*models.Task              // by plan, depth-first

	categoryByID     map[int64]*models.IndicatorCategory
	indicatorsByCat  map[int64][]*models.Indicator
	indicatorByCode  map[string]*models.Indicator // code within the current plan
	elementByCode    map[int64]map[string]*models.DataElement
	taskByCode       map[int64]map[string]*models.Task
	taskChildren     map[int64]map[string][]*models.Task
	formulas         map[int64]catalogue.Formula
	indicatorByPlanC map[int64]map[string]*models.Indicator
	elementByID      map[int64]*models.DataElement
	rules            map[int64]map[string]catalogue.ElementRules
	taskOutputs      map[int64][]*models.TaskOutput
	taskByID         map[int64]*models.Task
}

// LoadCatalogue reads the snapshot.
func LoadCatalogue(ctx context.Context, db *gorm.DB) (*Catalogue, error) {
	db = db.WithContext(ctx)
	c := &Catalogue{
		Categories:       map[int64][]*models.IndicatorCategory{},
		Indicators:       map[int64][]*models.Indicator{},
		Elements:         map[int64][]*models.DataElement{},
		Tasks:            map[int64][]*models.Task{},
		categoryByID:     map[int64]*models.IndicatorCategory{},
		indicatorsByCat:  map[int64][]*models.Indicator{},
		elementByCode:    map[int64]map[string]*models.DataElement{},
		taskByCode:       map[int64]map[string]*models.Task{},
		taskChildren:     map[int64]map[string][]*models.Task{},
		formulas:         map[int64]catalogue.Formula{},
		indicatorByPlanC: map[int64]map[string]*models.Indicator{},
		elementByID:      map[int64]*models.DataElement{},
		rules:            map[int64]map[string]catalogue.ElementRules{},
		taskOutputs:      map[int64][]*models.TaskOutput{},
		taskByID:         map[int64]*models.Task{},
	}
	if err := db.Order("start_year, id").Find(&c.Plans).Error; err != nil {
		return nil, fmt.Errorf("load plans: %w", err)
	}
	var cats []*models.IndicatorCategory
	if err := db.Where("NOT retired").Order("plan_id, ordinal").Find(&cats).Error; err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	for _, x := range cats {
		c.Categories[x.PlanID] = append(c.Categories[x.PlanID], x)
		c.categoryByID[x.ID] = x
	}
	var inds []*models.Indicator
	if err := db.Where("NOT retired").Order("plan_id, ordinal").Find(&inds).Error; err != nil {
		return nil, fmt.Errorf("load indicators: %w", err)
	}
	for _, x := range inds {
		c.Indicators[x.PlanID] = append(c.Indicators[x.PlanID], x)
		c.indicatorsByCat[x.CategoryID] = append(c.indicatorsByCat[x.CategoryID], x)
		if c.indicatorByPlanC[x.PlanID] == nil {
			c.indicatorByPlanC[x.PlanID] = map[string]*models.Indicator{}
		}
		c.indicatorByPlanC[x.PlanID][x.Code] = x
		var f catalogue.Formula
		if err := json.Unmarshal(x.Formula, &f); err != nil {
			return nil, fmt.Errorf("indicator %s: decode formula: %w", x.Code, err)
		}
		c.formulas[x.ID] = f
	}
	var els []*models.DataElement
	if err := db.Where("NOT retired").Order("plan_id, ordinal").Find(&els).Error; err != nil {
		return nil, fmt.Errorf("load data elements: %w", err)
	}
	for _, x := range els {
		c.Elements[x.PlanID] = append(c.Elements[x.PlanID], x)
		if c.elementByCode[x.PlanID] == nil {
			c.elementByCode[x.PlanID] = map[string]*models.DataElement{}
		}
		c.elementByCode[x.PlanID][x.Code] = x
		c.elementByID[x.ID] = x
		if c.rules[x.PlanID] == nil {
			c.rules[x.PlanID] = map[string]catalogue.ElementRules{}
		}
		pts := make([]catalogue.PeriodType, len(x.PeriodTypes))
		for i, p := range x.PeriodTypes {
			pts[i] = catalogue.PeriodType(p)
		}
		c.rules[x.PlanID][x.Code] = catalogue.ElementRules{Code: x.Code, Name: x.Name, ValueType: catalogue.ValueType(x.ValueType),
			CollectedAt: catalogue.Level(x.CollectedAt), PeriodTypes: pts, PartOf: x.PartOfCode,
			Required: x.Required, Max: x.MaxValue, ChangeFactor: x.ChangeFactor, TimeRule: catalogue.TimeRule(x.TimeRule)}
	}
	var tasks []*models.Task
	if err := db.Where("NOT retired").Order("plan_id, ordinal").Find(&tasks).Error; err != nil {
		return nil, fmt.Errorf("load tasks: %w", err)
	}
	for _, x := range tasks {
		c.Tasks[x.PlanID] = append(c.Tasks[x.PlanID], x)
		if c.taskByCode[x.PlanID] == nil {
			c.taskByCode[x.PlanID] = map[string]*models.Task{}
			c.taskChildren[x.PlanID] = map[string][]*models.Task{}
		}
		c.taskByCode[x.PlanID][x.Code] = x
		c.taskChildren[x.PlanID][x.ParentCode] = append(c.taskChildren[x.PlanID][x.ParentCode], x)
		var outs []*models.TaskOutput
		if len(x.Outputs) > 0 {
			if err := json.Unmarshal(x.Outputs, &outs); err != nil {
				return nil, fmt.Errorf("task %s: decode outputs: %w", x.Code, err)
			}
		}
		c.taskOutputs[x.ID] = outs
		c.taskByID[x.ID] = x
	}
	return c, nil
}

// Current is the plan used when a query names none: the one that starts last.
func (c *Catalogue) Current() *models.Plan {
	if len(c.Plans) == 0 {
		return nil
	}
	return c.Plans[len(c.Plans)-1]
}

// Plan finds a plan by code; "" means the current plan.
func (c *Catalogue) Plan(code string) *models.Plan {
	if code == "" {
		return c.Current()
	}
	for _, p := range c.Plans {
		if p.Code == code {
			return p
		}
	}
	return nil
}

// PlanByID finds a plan by id.
func (c *Catalogue) PlanByID(id int64) *models.Plan {
	for _, p := range c.Plans {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Category returns the category with the given id.
func (c *Catalogue) Category(id int64) *models.IndicatorCategory { return c.categoryByID[id] }

// CategoryIndicators lists a category's indicators in report order.
func (c *Catalogue) CategoryIndicators(categoryID int64) []*models.Indicator {
	return c.indicatorsByCat[categoryID]
}

// Indicator finds an indicator of the plan by code.
func (c *Catalogue) Indicator(planID int64, code string) *models.Indicator {
	return c.indicatorByPlanC[planID][code]
}

// Element finds a data element of the plan by code.
func (c *Catalogue) Element(planID int64, code string) *models.DataElement {
	return c.elementByCode[planID][code]
}

// Formula returns an indicator's formula.
func (c *Catalogue) Formula(indicatorID int64) catalogue.Formula { return c.formulas[indicatorID] }

// IndicatorElements lists the distinct data elements an indicator is computed from, numerator
// first, in formula order.
func (c *Catalogue) IndicatorElements(ind *models.Indicator) []*models.DataElement {
	f := c.formulas[ind.ID]
	seen := map[string]bool{}
	var out []*models.DataElement
	for _, t := range append(append([]catalogue.Term{}, f.Numerator...), f.Denominator...) {
		if seen[t.Element] {
			continue
		}
		seen[t.Element] = true
		if e := c.Element(ind.PlanID, t.Element); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Task finds a task, sub-task or measure by code.
func (c *Catalogue) Task(planID int64, code string) *models.Task { return c.taskByCode[planID][code] }

// TaskChildren lists the children of a task; parent "" lists the top-level tasks.
func (c *Catalogue) TaskChildren(planID int64, parent string) []*models.Task {
	return c.taskChildren[planID][parent] // loaded in ordinal order
}

// ElementByID finds a data element by id (retired elements included only while loaded).
func (c *Catalogue) ElementByID(id int64) *models.DataElement { return c.elementByID[id] }

// ElementOrdinal is an element's position in the catalogue, for ordering values.
func (c *Catalogue) ElementOrdinal(id int64) int {
	if e := c.elementByID[id]; e != nil {
		return e.Ordinal
	}
	return 1 << 30
}

// Rules returns the validation rules of every data element of the plan, by code.
func (c *Catalogue) Rules(planID int64) map[string]catalogue.ElementRules { return c.rules[planID] }

// RequiredElements lists, in catalogue order, the elements required of a region of this level
// for this kind of period.
func (c *Catalogue) RequiredElements(planID int64, level catalogue.Level, pt catalogue.PeriodType) []*models.DataElement {
	var out []*models.DataElement
	for _, e := range c.Elements[planID] {
		if r := c.rules[planID][e.Code]; r.Required && r.Collects(level, pt) {
			out = append(out, e)
		}
	}
	return out
}

// TaskOutputs returns the output figures a measure reports.
func (c *Catalogue) TaskOutputs(t *models.Task) []*models.TaskOutput { return c.taskOutputs[t.ID] }

// TaskByID finds a task by id.
func (c *Catalogue) TaskByID(id int64) *models.Task { return c.taskByID[id] }
