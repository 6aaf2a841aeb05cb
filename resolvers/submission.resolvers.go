package resolvers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"planapi/apperr"
	"planapi/auth"
	"planapi/catalogue"
	"planapi/graph/model"
	"planapi/models"
	"planapi/msg"
	"planapi/store"
)

// Every resolver here hands the principal to the store, which applies the permission rules
// (auth.Decide) and runs the queries under row-level security.

func principal(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, apperr.New(apperr.Unauthenticated, msg.AuthRequired)
	}
	return p, nil
}

func (r *queryResolver) Submission(ctx context.Context, regionCode string, period string) (*models.Submission, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Submission(ctx, p, regionCode, period)
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("submission:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), "submission:"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
				return id, nil
			}
		}
	}
	return 0, apperr.New(apperr.Invalid, msg.BadCursor, "cursor", c).With("field", "after")
}

func (r *queryResolver) Submissions(ctx context.Context, regionCode *string, period *string, status *model.SubmissionStatus, first *int, after *string) (*model.SubmissionConnection, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	f := store.SubmissionFilter{RegionCode: regionCode, Period: period, First: 50, Count: selects(ctx, "totalCount")}
	if first != nil {
		f.First = *first
	}
	if status != nil {
		s := string(*status)
		f.Status = &s
	}
	if after != nil {
		if f.After, err = decodeCursor(*after); err != nil {
			return nil, err
		}
	}
	// The page's values come in the page's own transaction when the answer asks for them;
	// they prime the request's loader, so Submission.values reads them without a batch.
	l, lerr := loadersFrom(ctx)
	var sel nodeSelection
	if lerr == nil {
		sel = selectedNode(ctx)
	}
	f.Values = sel.node["values"]
	page, err := r.Store.Submissions(ctx, p, f)
	if err != nil {
		return nil, err
	}
	if lerr == nil && len(page.Items) > 0 {
		prefetch(ctx, l, sel, page)
	}
	items, hasNext, total := page.Items, page.HasNext, page.Total
	conn := &model.SubmissionConnection{Edges: []*model.SubmissionEdge{}, PageInfo: &model.PageInfo{HasNextPage: hasNext}, TotalCount: int(total)}
	for _, s := range items {
		conn.Edges = append(conn.Edges, &model.SubmissionEdge{Cursor: encodeCursor(s.ID), Node: s})
	}
	if n := len(items); n > 0 {
		c := encodeCursor(items[n-1].ID)
		conn.PageInfo.EndCursor = &c
	}
	return conn, nil
}

func (r *queryResolver) ReportingPeriods(ctx context.Context, regionCode *string) ([]*models.ReportingPeriod, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Periods(ctx, p, regionCode)
}

func (r *mutationResolver) SaveDataValues(ctx context.Context, input model.SaveDataValuesInput) (*models.Submission, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	in := store.SaveInput{RegionCode: input.RegionCode, Period: input.Period, ExpectedVersion: input.ExpectedVersion}
	for _, v := range input.Values {
		in.Values = append(in.Values, store.ValueInput{Element: v.Element, Value: v.Value, Comment: v.Comment, MissingReason: v.MissingReason})
	}
	for _, t := range input.Tasks {
		ti := store.TaskInput{Task: t.Task, Narrative: t.Narrative}
		if t.Status != nil {
			s := string(*t.Status)
			ti.Status = &s
		}
		for _, o := range t.Outputs {
			ti.Outputs = append(ti.Outputs, store.OutputInput{Key: o.Key, Value: o.Value})
		}
		in.Tasks = append(in.Tasks, ti)
	}
	snap, err := r.Store.Save(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return prime(ctx, snap), nil
}

// prime hands a mutation's own snapshot to the request's loaders, so its answer shows the
// submission as this mutation left it.
func prime(ctx context.Context, snap *store.Snapshot) *models.Submission {
	if l, err := loadersFrom(ctx); err == nil {
		id := snap.Submission.ID
		l.values.Prime(id, snap.Values)
		l.tasks.Prime(id, snap.Tasks)
		l.history.Prime(id, snap.History)
		l.missing.Prime(id, snap.Missing)
	}
	return snap.Submission
}

func (r *mutationResolver) SubmitSubmission(ctx context.Context, regionCode string, period string, expectedVersion int) (*models.Submission, error) {
	return r.transition(ctx, regionCode, period, &expectedVersion, "submit", "")
}

func (r *mutationResolver) ApproveSubmission(ctx context.Context, regionCode string, period string, expectedVersion int, comment *string) (*models.Submission, error) {
	c := ""
	if comment != nil {
		c = *comment
	}
	return r.transition(ctx, regionCode, period, &expectedVersion, "approve", c)
}

func (r *mutationResolver) ReturnSubmission(ctx context.Context, regionCode string, period string, expectedVersion int, reason string) (*models.Submission, error) {
	return r.transition(ctx, regionCode, period, &expectedVersion, "return", reason)
}

func (r *mutationResolver) ReopenSubmission(ctx context.Context, regionCode string, period string, reason string) (*models.Submission, error) {
	return r.transition(ctx, regionCode, period, nil, "reopen", reason)
}

func (r *mutationResolver) RecallSubmission(ctx context.Context, regionCode string, period string, expectedVersion int, comment *string) (*models.Submission, error) {
	c := ""
	if comment != nil {
		c = *comment
	}
	return r.transition(ctx, regionCode, period, &expectedVersion, "recall", c)
}

func (r *mutationResolver) transition(ctx context.Context, regionCode, period string, expectedVersion *int, action, reason string) (*models.Submission, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := r.Store.Transition(ctx, p, regionCode, period, expectedVersion, action, reason)
	if err != nil {
		return nil, err
	}
	return prime(ctx, snap), nil
}

func (r *mutationResolver) OpenPeriod(ctx context.Context, period string, closesAt *time.Time, regionCode *string) (*models.ReportingPeriod, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.SetPeriod(ctx, p, regionCode, period, true, closesAt)
}

func (r *mutationResolver) ClosePeriod(ctx context.Context, period string, regionCode *string) (*models.ReportingPeriod, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.SetPeriod(ctx, p, regionCode, period, false, nil)
}

func (r *reportingPeriodResolver) Region(ctx context.Context, obj *models.ReportingPeriod) (*models.Region, error) {
	return r.Cache.Regions().Get(obj.RegionCode), nil
}

func (r *submissionResolver) Region(ctx context.Context, obj *models.Submission) (*models.Region, error) {
	return r.Cache.Regions().Get(obj.RegionCode), nil
}

func (r *submissionResolver) Status(ctx context.Context, obj *models.Submission) (model.SubmissionStatus, error) {
	return model.SubmissionStatus(obj.Status), nil
}

func (r *submissionResolver) Values(ctx context.Context, obj *models.Submission) ([]*models.DataValue, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	return l.values.Load(ctx, obj.ID)
}

func (r *submissionResolver) TaskProgress(ctx context.Context, obj *models.Submission) ([]*models.TaskReport, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	return l.tasks.Load(ctx, obj.ID)
}

func (r *submissionResolver) History(ctx context.Context, obj *models.Submission) ([]*models.AuditEntry, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	return l.history.Load(ctx, obj.ID)
}

// ReturnReason is the reason of the latest transition into RETURNED (a return, or an admin's
// reopening) while the submission is still RETURNED, read from the trail the history loader
// batches for the whole answer.
func (r *submissionResolver) ReturnReason(ctx context.Context, obj *models.Submission) (*string, error) {
	if obj.Status != models.StatusReturned {
		return nil, nil
	}
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	trail, err := l.history.Load(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range trail { // newest first
		if a.ToStatus != nil && *a.ToStatus == models.StatusReturned {
			return a.Comment, nil
		}
	}
	return nil, nil
}

func (r *dataValueResolver) History(ctx context.Context, obj *models.DataValue) ([]*models.AuditEntry, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	all, err := l.history.Load(ctx, obj.SubmissionID)
	if err != nil {
		return nil, err
	}
	e := r.Cache.Catalogue().ElementByID(obj.ElementID)
	out := []*models.AuditEntry{}
	for _, a := range all {
		if e != nil && a.Element != nil && *a.Element == e.Code {
			out = append(out, a)
		}
	}
	return out, nil
}

func (r *submissionResolver) MissingFigures(ctx context.Context, obj *models.Submission) ([]*models.MissingValue, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	out, err := l.missing.Load(ctx, obj.ID)
	if out == nil && err == nil {
		out = []*models.MissingValue{}
	}
	return out, err
}

func (r *missingFigureResolver) Element(ctx context.Context, obj *models.MissingValue) (*models.DataElement, error) {
	return r.Cache.Catalogue().ElementByID(obj.ElementID), nil
}

func (r *dataValueResolver) Flags(ctx context.Context, obj *models.DataValue) ([]*catalogue.Flag, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	bySub, err := l.flags.Load(ctx, obj.SubmissionID)
	if err != nil {
		return nil, err
	}
	out := bySub[obj.ElementID]
	if out == nil {
		out = []*catalogue.Flag{}
	}
	return out, nil
}

func (r *qualityFlagResolver) Code(ctx context.Context, obj *catalogue.Flag) (model.QualityFlagCode, error) {
	return model.QualityFlagCode(obj.Code), nil
}

// Message renders the flag's words in the request's language.
func (r *qualityFlagResolver) Message(ctx context.Context, obj *catalogue.Flag) (string, error) {
	return msg.Render(ctx, obj.Message), nil
}

func (r *taskProgressResolver) Task(ctx context.Context, obj *models.TaskReport) (*models.Task, error) {
	return r.Cache.Catalogue().TaskByID(obj.TaskID), nil
}

func (r *taskProgressResolver) Status(ctx context.Context, obj *models.TaskReport) (model.TaskStatus, error) {
	return model.TaskStatus(obj.Status), nil
}

func (r *taskProgressResolver) Outputs(ctx context.Context, obj *models.TaskReport) ([]*model.TaskOutputValue, error) {
	cat := r.Cache.Catalogue()
	task := cat.TaskByID(obj.TaskID)
	if task == nil {
		return nil, nil
	}
	vals, err := decodeOutputs(obj.Outputs)
	if err != nil {
		return nil, err
	}
	out := []*model.TaskOutputValue{}
	for _, o := range cat.TaskOutputs(task) {
		if v, ok := vals[o.Key]; ok {
			out = append(out, &model.TaskOutputValue{Output: o, Value: v})
		}
	}
	return out, nil
}

// ActorName is the display name the token carried at the time; the stable id when it had none
// or the entry predates names (migration 0007).
func (r *auditEntryResolver) ActorName(ctx context.Context, obj *models.AuditEntry) (string, error) {
	if obj.ActorName != nil && *obj.ActorName != "" {
		return *obj.ActorName, nil
	}
	return obj.Actor, nil
}

func (r *auditEntryResolver) FromStatus(ctx context.Context, obj *models.AuditEntry) (*model.SubmissionStatus, error) {
	return statusPtr(obj.FromStatus), nil
}

func (r *auditEntryResolver) ToStatus(ctx context.Context, obj *models.AuditEntry) (*model.SubmissionStatus, error) {
	return statusPtr(obj.ToStatus), nil
}

func statusPtr(s *string) *model.SubmissionStatus {
	if s == nil {
		return nil
	}
	v := model.SubmissionStatus(*s)
	return &v
}

func decodeOutputs(raw []byte) (map[string]float64, error) {
	out := map[string]float64{}
	if len(raw) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decode task outputs: %w", err)
	}
	return out, nil
}

// selects reports whether the current field's selection asks for the named field, through
// fragments too (graphql.CollectFieldsCtx applies @skip/@include and type conditions).
func selects(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// nodeSelection is what an answer asks of a page's submissions: the fields of edges.node and
// of edges.node.values, by name.
type nodeSelection struct {
	node, values map[string]bool
}

func selectedNode(ctx context.Context) nodeSelection {
	sel := nodeSelection{node: map[string]bool{}, values: map[string]bool{}}
	oc := graphql.GetOperationContext(ctx)
	for _, e := range graphql.CollectFieldsCtx(ctx, nil) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(oc, e.Selections, []string{"SubmissionEdge"}) {
			if n.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, n.Selections, []string{"Submission"}) {
				sel.node[f.Name] = true
				if f.Name == "values" {
					for _, v := range graphql.CollectFields(oc, f.Selections, []string{"DataValue"}) {
						sel.values[v.Name] = true
					}
				}
			}
		}
	}
	return sel
}

// prefetch hands the whole page to the request's loaders before any submission is marshalled:
// the values read with the page are primed, and every other loader the answer will ask gets
// all the page's keys in one batch at once. Without it each submission adds its key when gqlgen
// reaches it, and a page marshalled slower than the loaders' wait splits into several batches.
func prefetch(ctx context.Context, l *loaders, sel nodeSelection, page *store.Page) {
	ids := make([]int64, len(page.Items))
	returned := false
	for i, s := range page.Items {
		ids[i] = s.ID
		returned = returned || s.Status == models.StatusReturned
	}
	if page.Values != nil {
		for _, id := range ids {
			l.values.Prime(id, page.Values[id])
		}
	}
	if sel.node["taskProgress"] {
		l.tasks.LoadAllThunk(ctx, ids)
	}
	if sel.node["history"] || sel.values["history"] || (sel.node["returnReason"] && returned) {
		l.history.LoadAllThunk(ctx, ids)
	}
	if sel.node["missingFigures"] {
		l.missing.LoadAllThunk(ctx, ids)
	}
	if sel.values["flags"] {
		l.flags.LoadAllThunk(ctx, ids)
	}
}
