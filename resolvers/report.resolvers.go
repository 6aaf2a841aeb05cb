package resolvers

import (
	"context"

	"planapi/graph/model"
	"planapi/models"
	"planapi/report"
	"planapi/store"
)

// The evaluation report (issue 13): built by package report from the store's reads; the
// sections the region writes itself are the store's (store/reportsections.go).

func (r *queryResolver) EvaluationReport(ctx context.Context, regionCode string, asOf string) (*model.EvaluationReport, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := report.Build(ctx, r.Store, p, regionCode, asOf)
	if err != nil {
		return nil, err
	}
	texts, err := r.Store.ReportSections(ctx, p, rep.RegionCode, rep.AsOf)
	if err != nil {
		return nil, err
	}
	out := &model.EvaluationReport{RegionCode: rep.RegionCode, RegionName: rep.RegionName, Title: rep.Title, AsOf: rep.AsOf,
		AsOfText: rep.AsOfText, Sections: []*model.EvaluationReportSection{}, Indicators: []*model.EvaluationIndicator{},
		Annex:    &model.EvaluationTable{Title: rep.Annex.Title, Columns: nonNil(rep.Annex.Columns), Rows: [][]string{}},
		Problems: texts[store.SectionProblems], NextSteps: texts[store.SectionNextSteps]}
	var flatten func(parent *string, secs []report.Section)
	flatten = func(parent *string, secs []report.Section) {
		for _, s := range secs {
			out.Sections = append(out.Sections, &model.EvaluationReportSection{Key: s.Key, ParentKey: parent, Level: s.Level,
				Number: s.Number, Heading: s.Heading, Paragraphs: nonNil(s.Paragraphs)})
			key := s.Key
			flatten(&key, s.Children)
		}
	}
	flatten(nil, rep.Sections)
	for _, e := range rep.Indicators {
		out.Indicators = append(out.Indicators, &model.EvaluationIndicator{Code: e.Code, Name: e.Name, Unit: e.Unit, Category: e.Category,
			Status: model.ProgressStatus(e.Status), Verdict: e.Verdict, Paragraph: e.Paragraph})
	}
	for _, row := range rep.Annex.Rows {
		out.Annex.Rows = append(out.Annex.Rows, nonNil(row))
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r *mutationResolver) SaveReportSection(ctx context.Context, regionCode string, asOf string, section model.ReportSectionKey, text string, expectedVersion int) (*models.ReportSection, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.SaveReportSection(ctx, p, store.SaveReportSectionInput{RegionCode: regionCode, AsOf: asOf, Section: string(section),
		Text: text, ExpectedVersion: expectedVersion})
}

func (r *reportSectionResolver) Section(ctx context.Context, obj *models.ReportSection) (model.ReportSectionKey, error) {
	return model.ReportSectionKey(obj.Section), nil
}

func (r *reportSectionResolver) UpdatedByName(ctx context.Context, obj *models.ReportSection) (string, error) {
	if obj.UpdatedByName != nil && *obj.UpdatedByName != "" {
		return *obj.UpdatedByName, nil
	}
	return obj.UpdatedBy, nil
}

func (r *reportSectionResolver) History(ctx context.Context, obj *models.ReportSection) ([]*models.ReportSectionEdit, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	list, err := r.Store.ReportSectionHistory(ctx, p, obj.RegionCode, obj.AsOf, obj.Section)
	if list == nil && err == nil {
		list = []*models.ReportSectionEdit{}
	}
	return list, err
}

func (r *reportSectionEditResolver) ActorName(ctx context.Context, obj *models.ReportSectionEdit) (string, error) {
	if obj.ActorName != nil && *obj.ActorName != "" {
		return *obj.ActorName, nil
	}
	return obj.Actor, nil
}
