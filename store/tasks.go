package store

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"planapi/catalogue"
	"planapi/models"
	"planapi/msg"
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
		bad := func(rule catalogue.Rule, v *float64, key msg.Key, args ...any) {
			args = append([]any{"task", t.Task}, args...)
			refused = append(refused, catalogue.Violation{Element: "task " + t.Task, Value: v, Rule: rule, Message: msg.T(key, args...)})
		}
		switch {
		case task == nil:
			bad(catalogue.RuleUnknownTask, nil, msg.UnknownTask)
			continue
		case task.Level != catalogue.MeasureLevel:
			bad(catalogue.RuleNotAMeasure, nil, msg.NotAMeasure, "level", levelName(task.Level))
			continue
		case seen[t.Task]:
			bad(catalogue.RuleDuplicateTask, nil, msg.DuplicateTask)
			continue
		}
		seen[t.Task] = true
		if t.Status != nil && !taskStatuses[*t.Status] {
			bad(catalogue.RuleBadTaskStatus, nil, msg.BadTaskStatus, "status", *t.Status)
		}
		if t.Narrative != nil && utf8.RuneCountInString(*t.Narrative) > catalogue.MaxNarrativeRunes {
			bad(catalogue.RuleNarrativeTooLong, nil, msg.NarrativeTooLong, "max", catalogue.MaxNarrativeRunes)
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
				bad(catalogue.RuleUnknownOutput, o.Value, msg.UnknownOutput, "output", o.Key, "known", orNone(known))
				continue
			}
			if seenKey[o.Key] {
				bad(catalogue.RuleDuplicateOutput, o.Value, msg.DuplicateOutput, "output", o.Key)
				continue
			}
			seenKey[o.Key] = true
			if o.Value == nil {
				continue
			}
			v := *o.Value
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				bad(catalogue.RuleNotANumber, nil, msg.TaskNotANumber, "output", o.Key, "value", fmt.Sprint(v))
			case v < 0:
				bad(catalogue.RuleNegative, o.Value, msg.TaskNegative, "output", o.Key, "name", def.Name, "value", v)
			case def.Code != "FINES" && v != math.Trunc(v):
				bad(catalogue.RuleNotInteger, o.Value, msg.TaskNotInteger, "output", o.Key, "name", def.Name, "value", v, "unit", def.Unit)
			}
		}
		out = append(out, taskChange{task: task, in: t})
	}
	return out, refused
}

func orNone(list []string) any {
	if len(list) == 0 {
		return msg.T(msg.TaskNoOutputs)
	}
	return list
}

func levelName(l int) msg.Text {
	switch l {
	case catalogue.KeyTaskLevel:
		return msg.T(msg.TaskLevelKeyTask)
	case catalogue.SubTaskLevel:
		return msg.T(msg.TaskLevelSubTask)
	}
	return msg.T(msg.TaskLevelMeasure)
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
