package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"planapi/catalogue"
	"planapi/models"
	"planapi/snapshot"
)

// Key-task progress: a measure's status, narrative and output figures, saved with a
// submission (Save), validated and audited like its values.

// Task progress statuses.
var taskStatuses = map[string]bool{"NOT_STARTED": true, "IN_PROGRESS": true, "DONE": true}

// taskChange is a validated task input with its catalogue task.
type taskChange struct {
	task *models.Task
	in   TaskInput
}

func (s *Store) checkTasks(cat *snapshot.Catalogue, planID int64, tasks []TaskInput) ([]taskChange, []catalogue.Violation) {
	var out []taskChange
	var refused []catalogue.Violation
	seen := map[string]bool{}
	for _, t := range tasks {
		task := cat.Task(planID, t.Task)
		bad := func(rule catalogue.Rule, v *float64, format string, args ...any) {
			refused = append(refused, catalogue.Violation{Element: "task " + t.Task, Value: v, Rule: rule, Message: fmt.Sprintf(format, args...)})
		}
		switch {
		case task == nil:
			bad(catalogue.RuleUnknownTask, nil, "task %q is not a key task of the plan", t.Task)
			continue
		case task.Level != catalogue.MeasureLevel:
			bad(catalogue.RuleNotAMeasure, nil, "task %s is a %s: progress is reported per measure (like %s.1)", t.Task, levelName(task.Level), t.Task)
			continue
		case seen[t.Task]:
			bad(catalogue.RuleDuplicateTask, nil, "task %s appears more than once in the request", t.Task)
			continue
		}
		seen[t.Task] = true
		if t.Status != nil && !taskStatuses[*t.Status] {
			bad(catalogue.RuleBadTaskStatus, nil, "task %s: status %q is not NOT_STARTED, IN_PROGRESS or DONE", t.Task, *t.Status)
		}
		if t.Narrative != nil && utf8.RuneCountInString(*t.Narrative) > catalogue.MaxNarrativeRunes {
			bad(catalogue.RuleNarrativeTooLong, nil, "task %s: the narrative is longer than %d characters", t.Task, catalogue.MaxNarrativeRunes)
		}
		outputs := cat.TaskOutputs(task)
		keys := map[string]*models.TaskOutput{}
		for _, o := range outputs {
			keys[o.Key] = o
		}
		seenKey := map[string]bool{}
		for _, o := range t.Outputs {
			def, ok := keys[o.Key]
			if !ok {
				var known []string
				for _, d := range outputs {
					known = append(known, d.Key)
				}
				bad(catalogue.RuleUnknownOutput, o.Value, "task %s has no output %q (it reports: %s)", t.Task, o.Key, orNone(known))
				continue
			}
			if seenKey[o.Key] {
				bad(catalogue.RuleDuplicateOutput, o.Value, "task %s: output %s appears more than once", t.Task, o.Key)
				continue
			}
			seenKey[o.Key] = true
			if o.Value == nil {
				continue
			}
			v := *o.Value
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				bad(catalogue.RuleNotANumber, nil, "task %s %s: %v is not a number", t.Task, o.Key, v)
			case v < 0:
				bad(catalogue.RuleNegative, o.Value, "task %s %s (%s): %v is negative", t.Task, o.Key, def.Name, v)
			case def.Code != "FINES" && v != math.Trunc(v):
				bad(catalogue.RuleNotInteger, o.Value, "task %s %s (%s): %v is not a whole number of %s", t.Task, o.Key, def.Name, v, def.Unit)
			}
		}
		out = append(out, taskChange{task: task, in: t})
	}
	return out, refused
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no output figures"
	}
	return strings.Join(list, ", ")
}

func levelName(l int) string {
	switch l {
	case catalogue.KeyTaskLevel:
		return "key task"
	case catalogue.SubTaskLevel:
		return "sub-task"
	}
	return "measure"
}

func (s *Store) writeTasks(tx *gorm.DB, c *caller, sub *models.Submission, changes []taskChange, now time.Time) ([]*models.AuditEntry, error) {
	var entries []*models.AuditEntry
	if len(changes) == 0 {
		return nil, nil
	}
	// The submission's current reports, in one query.
	var current []*models.TaskReport
	if err := tx.Where("submission_id = ?", sub.ID).Find(&current).Error; err != nil {
		return nil, err
	}
	byTask := map[int64]*models.TaskReport{}
	for _, r := range current {
		byTask[r.TaskID] = r
	}
	for _, ch := range changes {
		rep, found := byTask[ch.task.ID]
		if !found {
			rep = &models.TaskReport{SubmissionID: sub.ID, TaskID: ch.task.ID, RegionPath: sub.RegionPath, Status: "NOT_STARTED", Outputs: json.RawMessage(`{}`)}
		}
		outputs := map[string]float64{}
		if len(rep.Outputs) > 0 {
			if err := json.Unmarshal(rep.Outputs, &outputs); err != nil {
				return nil, fmt.Errorf("task %s: decode outputs: %w", ch.task.Code, err)
			}
		}
		elem := "task " + ch.task.Code
		changed := !found
		if ch.in.Status != nil && *ch.in.Status != rep.Status {
			a := c.audit(sub, "SET_TASK")
			a.Element, a.OldText, a.NewText = ptr2(elem+" status"), ptr2(rep.Status), ptr2(*ch.in.Status)
			entries = append(entries, a)
			rep.Status, changed = *ch.in.Status, true
		}
		if ch.in.Narrative != nil && *ch.in.Narrative != rep.Narrative {
			a := c.audit(sub, "SET_TASK")
			a.Element, a.OldText, a.NewText = ptr2(elem+" narrative"), ptr2(rep.Narrative), ptr2(*ch.in.Narrative)
			entries = append(entries, a)
			rep.Narrative, changed = *ch.in.Narrative, true
		}
		for _, o := range ch.in.Outputs {
			old, had := outputs[o.Key]
			a := c.audit(sub, "SET_TASK")
			a.Element = ptr2(elem + " " + o.Key)
			if had {
				a.OldValue = ptr2(old)
			}
			switch {
			case o.Value == nil && had:
				delete(outputs, o.Key)
			case o.Value != nil && (!had || old != *o.Value):
				outputs[o.Key] = *o.Value
				a.NewValue = o.Value
			default:
				continue
			}
			entries = append(entries, a)
			changed = true
		}
		if !changed {
			continue
		}
		b, err := json.Marshal(outputs)
		if err != nil {
			return nil, err
		}
		rep.Outputs, rep.UpdatedAt, rep.UpdatedBy = b, now, c.Subject
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(rep).Error; err != nil {
			return nil, err
		}
	}
	return entries, nil
}
