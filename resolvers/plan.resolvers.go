package resolvers

import (
	"context"
	"fmt"

	"planapi/catalogue"
	"planapi/graph/model"
	"planapi/models"
)

// The catalogue is public to every authenticated caller (the field middleware in server.go
// refuses anonymous callers) and is served from the in-memory snapshot: no statement runs.

func (r *queryResolver) Plan(ctx context.Context, code *string) (*models.Plan, error) {
	c := ""
	if code != nil {
		c = *code
	}
	return r.Cache.Catalogue().Plan(c), nil
}

func (r *queryResolver) Indicator(ctx context.Context, code string) (*models.Indicator, error) {
	cat := r.Cache.Catalogue()
	p := cat.Current()
	if p == nil {
		return nil, nil
	}
	return cat.Indicator(p.ID, code), nil
}

func (r *queryResolver) Task(ctx context.Context, code string) (*models.Task, error) {
	cat := r.Cache.Catalogue()
	p := cat.Current()
	if p == nil {
		return nil, nil
	}
	return cat.Task(p.ID, code), nil
}

func (r *planResolver) Categories(ctx context.Context, obj *models.Plan) ([]*models.IndicatorCategory, error) {
	return r.Cache.Catalogue().Categories[obj.ID], nil
}

func (r *planResolver) Indicators(ctx context.Context, obj *models.Plan) ([]*models.Indicator, error) {
	return r.Cache.Catalogue().Indicators[obj.ID], nil
}

func (r *planResolver) DataElements(ctx context.Context, obj *models.Plan) ([]*models.DataElement, error) {
	return r.Cache.Catalogue().Elements[obj.ID], nil
}

func (r *planResolver) Tasks(ctx context.Context, obj *models.Plan) ([]*models.Task, error) {
	return r.Cache.Catalogue().TaskChildren(obj.ID, ""), nil
}

func (r *categoryResolver) Indicators(ctx context.Context, obj *models.IndicatorCategory) ([]*models.Indicator, error) {
	return r.Cache.Catalogue().CategoryIndicators(obj.ID), nil
}

func (r *indicatorResolver) Category(ctx context.Context, obj *models.Indicator) (*models.IndicatorCategory, error) {
	return r.Cache.Catalogue().Category(obj.CategoryID), nil
}

func (r *indicatorResolver) Target(ctx context.Context, obj *models.Indicator) (*model.Target, error) {
	return &model.Target{Value: obj.TargetValue, Comparator: model.Comparator(obj.Comparator), Year: obj.TargetYear}, nil
}

func (r *indicatorResolver) Direction(ctx context.Context, obj *models.Indicator) (model.Direction, error) {
	return model.Direction(obj.Direction), nil
}

func (r *indicatorResolver) DataElements(ctx context.Context, obj *models.Indicator) ([]*models.DataElement, error) {
	return r.Cache.Catalogue().IndicatorElements(obj), nil
}

func (r *indicatorResolver) Formula(ctx context.Context, obj *models.Indicator) (*model.Formula, error) {
	cat := r.Cache.Catalogue()
	f := cat.Formula(obj.ID)
	terms := func(ts []catalogue.Term) ([]*model.FormulaTerm, error) {
		out := make([]*model.FormulaTerm, 0, len(ts))
		for _, t := range ts {
			e := cat.Element(obj.PlanID, t.Element)
			if e == nil {
				return nil, fmt.Errorf("indicator %s: formula element %s is not in the catalogue", obj.Code, t.Element)
			}
			out = append(out, &model.FormulaTerm{Element: e, Coefficient: t.Coef()})
		}
		return out, nil
	}
	num, err := terms(f.Numerator)
	if err != nil {
		return nil, err
	}
	den, err := terms(f.Denominator)
	if err != nil {
		return nil, err
	}
	return &model.Formula{Numerator: num, Denominator: den, Factor: f.Factor}, nil
}

func (r *dataElementResolver) ValueType(ctx context.Context, obj *models.DataElement) (model.ValueType, error) {
	return model.ValueType(obj.ValueType), nil
}

func (r *dataElementResolver) CollectedAt(ctx context.Context, obj *models.DataElement) (model.RegionLevel, error) {
	return model.RegionLevel(obj.CollectedAt), nil
}

func (r *dataElementResolver) PeriodTypes(ctx context.Context, obj *models.DataElement) ([]model.PeriodType, error) {
	out := make([]model.PeriodType, len(obj.PeriodTypes))
	for i, p := range obj.PeriodTypes {
		out[i] = model.PeriodType(p)
	}
	return out, nil
}

func (r *dataElementResolver) RegionAggregation(ctx context.Context, obj *models.DataElement) (model.RegionAggregation, error) {
	return model.RegionAggregation(obj.RegionRule), nil
}

func (r *dataElementResolver) WeightElement(ctx context.Context, obj *models.DataElement) (*models.DataElement, error) {
	if obj.WeightCode == "" {
		return nil, nil
	}
	return r.Cache.Catalogue().Element(obj.PlanID, obj.WeightCode), nil
}

func (r *dataElementResolver) TimeAggregation(ctx context.Context, obj *models.DataElement) (model.TimeAggregation, error) {
	return model.TimeAggregation(obj.TimeRule), nil
}

func (r *dataElementResolver) PartOf(ctx context.Context, obj *models.DataElement) (*models.DataElement, error) {
	if obj.PartOfCode == "" {
		return nil, nil
	}
	return r.Cache.Catalogue().Element(obj.PlanID, obj.PartOfCode), nil
}

func (r *taskResolver) Parent(ctx context.Context, obj *models.Task) (*models.Task, error) {
	if obj.ParentCode == "" {
		return nil, nil
	}
	return r.Cache.Catalogue().Task(obj.PlanID, obj.ParentCode), nil
}

func (r *taskResolver) Children(ctx context.Context, obj *models.Task) ([]*models.Task, error) {
	return r.Cache.Catalogue().TaskChildren(obj.PlanID, obj.Code), nil
}

func (r *taskResolver) Outputs(ctx context.Context, obj *models.Task) ([]*models.TaskOutput, error) {
	return r.Cache.Catalogue().TaskOutputs(obj), nil
}

func (r *dataElementResolver) OptionalReason(ctx context.Context, obj *models.DataElement) (*string, error) {
	if obj.Required || obj.OptionalReason == "" {
		return nil, nil
	}
	return &obj.OptionalReason, nil
}

func (r *dataElementResolver) MaxValue(ctx context.Context, obj *models.DataElement) (*float64, error) {
	if b := r.Cache.Catalogue().Rules(obj.PlanID)[obj.Code].Bound(); b > 0 {
		return &b, nil
	}
	return nil, nil
}

func (r *dataElementResolver) ChangeFactor(ctx context.Context, obj *models.DataElement) (float64, error) {
	return r.Cache.Catalogue().Rules(obj.PlanID)[obj.Code].ChangeFactorOf(), nil
}
