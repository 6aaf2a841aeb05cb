// Package resolvers implements the GraphQL schema: one file per schema area, and this file
// as the one place where dependencies are injected. Resolvers translate between the schema and
// the tenant service (store): they hold no SQL, open no transaction and decide no permission;
// the principal goes to the store, which asks auth.
package resolvers

import (
	"log/slog"

	"planapi/events"
	"planapi/graph"
	"planapi/snapshot"
	"planapi/store"
)

// Resolver is the root resolver. Its fields are the service's dependencies.
type Resolver struct {
	Cache *snapshot.Cache
	Store *store.Store
	// Events are the changes every replica announces, for subscriptions (nil: none).
	Events *events.Hub
	Logger *slog.Logger
	// MaxUploadBytes is the largest Excel workbook importWorkbook reads (MAX_BODY_BYTES).
	MaxUploadBytes int64
}

// Config returns the gqlgen configuration for the executable schema, with the cost of every
// list and every field that does real work (complexity.go).
func (r *Resolver) Config() graph.Config {
	c := graph.Config{Resolvers: r}
	complexity(&c.Complexity)
	return c
}

func (r *Resolver) AuditEntry() graph.AuditEntryResolver               { return &auditEntryResolver{r} }
func (r *Resolver) DataValue() graph.DataValueResolver                 { return &dataValueResolver{r} }
func (r *Resolver) Mutation() graph.MutationResolver                   { return &mutationResolver{r} }
func (r *Resolver) Submission() graph.SubmissionResolver               { return &submissionResolver{r} }
func (r *Resolver) TaskProgress() graph.TaskProgressResolver           { return &taskProgressResolver{r} }
func (r *Resolver) DataElement() graph.DataElementResolver             { return &dataElementResolver{r} }
func (r *Resolver) Indicator() graph.IndicatorResolver                 { return &indicatorResolver{r} }
func (r *Resolver) IndicatorCategory() graph.IndicatorCategoryResolver { return &categoryResolver{r} }
func (r *Resolver) Plan() graph.PlanResolver                           { return &planResolver{r} }
func (r *Resolver) Publication() graph.PublicationResolver             { return &publicationResolver{r} }
func (r *Resolver) ReportingPeriod() graph.ReportingPeriodResolver {
	return &reportingPeriodResolver{r}
}
func (r *Resolver) Subscription() graph.SubscriptionResolver   { return &subscriptionResolver{r} }
func (r *Resolver) Query() graph.QueryResolver                 { return &queryResolver{r} }
func (r *Resolver) Region() graph.RegionResolver               { return &regionResolver{r} }
func (r *Resolver) Task() graph.TaskResolver                   { return &taskResolver{r} }
func (r *Resolver) Viewer() graph.ViewerResolver               { return &viewerResolver{r} }
func (r *Resolver) MissingFigure() graph.MissingFigureResolver { return &missingFigureResolver{r} }
func (r *Resolver) QualityFlag() graph.QualityFlagResolver     { return &qualityFlagResolver{r} }
func (r *Resolver) UnitStatus() graph.UnitStatusResolver       { return &unitStatusResolver{r} }
func (r *Resolver) ReportSection() graph.ReportSectionResolver { return &reportSectionResolver{r} }
func (r *Resolver) ReportSectionEdit() graph.ReportSectionEditResolver {
	return &reportSectionEditResolver{r}
}

type (
	dataElementResolver       struct{ *Resolver }
	indicatorResolver         struct{ *Resolver }
	categoryResolver          struct{ *Resolver }
	planResolver              struct{ *Resolver }
	queryResolver             struct{ *Resolver }
	regionResolver            struct{ *Resolver }
	taskResolver              struct{ *Resolver }
	viewerResolver            struct{ *Resolver }
	auditEntryResolver        struct{ *Resolver }
	dataValueResolver         struct{ *Resolver }
	mutationResolver          struct{ *Resolver }
	submissionResolver        struct{ *Resolver }
	taskProgressResolver      struct{ *Resolver }
	missingFigureResolver     struct{ *Resolver }
	qualityFlagResolver       struct{ *Resolver }
	unitStatusResolver        struct{ *Resolver }
	publicationResolver       struct{ *Resolver }
	subscriptionResolver      struct{ *Resolver }
	reportingPeriodResolver   struct{ *Resolver }
	reportSectionResolver     struct{ *Resolver }
	reportSectionEditResolver struct{ *Resolver }
)
