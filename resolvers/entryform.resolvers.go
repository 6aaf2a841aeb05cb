package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"planapi/catalogue"
	"planapi/excel"
	"planapi/graph"
	"planapi/graph/model"
	"planapi/models"
	"planapi/store"
)

// The entry form and the Excel import: what a clerk fills, and the filled sheet saved through
// the store's save path (excel.Import calls store.Save, as saveDataValues does).

func (r *queryResolver) EntryForm(ctx context.Context, regionCode string, period string) (*store.EntryForm, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.EntryForm(ctx, p, regionCode, period)
}

func (r *mutationResolver) ImportWorkbook(ctx context.Context, file graphql.Upload, regionCode string, period string, expectedVersion int) (*models.Submission, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := excel.Import(ctx, r.Store, p, excel.ImportInput{File: file.File, MaxBytes: r.MaxUploadBytes,
		RegionCode: regionCode, Period: period, ExpectedVersion: &expectedVersion})
	if err != nil {
		return nil, err
	}
	return prime(ctx, snap), nil
}

func (r *Resolver) EntryForm() graph.EntryFormResolver   { return &entryFormResolver{r} }
func (r *Resolver) EntryField() graph.EntryFieldResolver { return &entryFieldResolver{r} }
func (r *Resolver) EntryRule() graph.EntryRuleResolver   { return &entryRuleResolver{r} }

type (
	entryFormResolver  struct{ *Resolver }
	entryFieldResolver struct{ *Resolver }
	entryRuleResolver  struct{ *Resolver }
)

func (r *entryFormResolver) Period(ctx context.Context, obj *store.EntryForm) (string, error) {
	return obj.Period.String(), nil
}
func (r *entryFormResolver) PeriodType(ctx context.Context, obj *store.EntryForm) (model.PeriodType, error) {
	return model.PeriodType(obj.Period.Type()), nil
}
func (r *entryFormResolver) PlanCode(ctx context.Context, obj *store.EntryForm) (string, error) {
	return obj.Plan.Code, nil
}
func (r *entryFormResolver) Status(ctx context.Context, obj *store.EntryForm) (model.ReportingState, error) {
	return model.ReportingState(obj.Status()), nil
}
func (r *entryFormResolver) Version(ctx context.Context, obj *store.EntryForm) (int, error) {
	return obj.Version(), nil
}

func (r *entryFieldResolver) Code(ctx context.Context, obj *store.EntryField) (string, error) {
	return obj.Element.Code, nil
}
func (r *entryFieldResolver) Name(ctx context.Context, obj *store.EntryField) (string, error) {
	return obj.Element.Name, nil
}
func (r *entryFieldResolver) Unit(ctx context.Context, obj *store.EntryField) (string, error) {
	return obj.Element.Unit, nil
}
func (r *entryFieldResolver) Description(ctx context.Context, obj *store.EntryField) (string, error) {
	return obj.Element.Description, nil
}
func (r *entryFieldResolver) ValueType(ctx context.Context, obj *store.EntryField) (model.ValueType, error) {
	return model.ValueType(obj.Element.ValueType), nil
}
func (r *entryFieldResolver) MinValue(ctx context.Context, obj *store.EntryField) (float64, error) {
	return obj.Bounds.Min, nil
}
func (r *entryFieldResolver) MaxValue(ctx context.Context, obj *store.EntryField) (float64, error) {
	return obj.Bounds.Max, nil
}
func (r *entryFieldResolver) WholeNumber(ctx context.Context, obj *store.EntryField) (bool, error) {
	return obj.Bounds.Integer, nil
}
func (r *entryFieldResolver) PreviousPeriod(ctx context.Context, obj *store.EntryField) (*string, error) {
	if obj.PreviousValue == nil {
		return nil, nil
	}
	return &obj.PreviousPeriod, nil
}

func (r *entryRuleResolver) Rule(ctx context.Context, obj *catalogue.AppliedRule) (string, error) {
	return string(obj.Rule), nil
}
