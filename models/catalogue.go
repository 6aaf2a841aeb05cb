// Package models holds the gorm models: plain structs mapped to the tables the migrations
// create, and the submission statuses. No HTTP, no GraphQL, no business rules, no queries.
package models

import (
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// Plan is a five-year plan.
type Plan struct {
	ID         int64
	Code       string
	Name       string
	StartYear  int
	EndYear    int
	OwnerLevel string
	Source     string
	UpdatedAt  time.Time
}

// IndicatorCategory groups indicators (市场活力指标…).
type IndicatorCategory struct {
	ID      int64
	PlanID  int64
	Code    string
	Name    string
	Ordinal int
	Retired bool
}

// TableName keeps the table name explicit.
func (IndicatorCategory) TableName() string { return "indicator_categories" }

// DataElement is a raw figure regions submit.
type DataElement struct {
	ID          int64
	PlanID      int64
	Code        string
	Name        string
	Unit        string
	ValueType   string
	CollectedAt string
	PeriodTypes TextArray `gorm:"type:text[]"`
	RegionRule  string
	WeightCode  string
	TimeRule    string
	PartOfCode  string
	Description string
	Ordinal     int
	Retired     bool
	// Required of the level that collects it; OptionalReason says why not.
	Required       bool
	OptionalReason string
	MaxValue       *float64 // nil: the default bound
	ChangeFactor   *float64 // nil: the default factor
}

// Indicator is a headline figure with its 2025 target.
type Indicator struct {
	ID          int64
	PlanID      int64
	CategoryID  int64
	Code        string
	Name        string
	Unit        string
	TargetValue *float64 // nil: redacted in the report, unknown
	Comparator  string
	TargetYear  int
	Direction   string
	Cumulative  bool
	Source      string
	Note        string
	Formula     json.RawMessage `gorm:"type:jsonb"`
	Ordinal     int
	Retired     bool
}

// Task is a key task (level 1), a sub-task (2) or a measure (3).
type Task struct {
	ID         int64
	PlanID     int64
	Code       string
	ParentCode string
	Level      int
	Title      string
	Text       string
	Outputs    json.RawMessage `gorm:"type:jsonb"`
	Ordinal    int
	Retired    bool
}

// Region is a node of the GB/T 2260 region tree.
type Region struct {
	Code       string `gorm:"primaryKey"`
	Name       string
	Level      string
	ParentCode *string
	Path       string
}

// TaskOutput is an output figure a measure reports, stored in tasks.outputs. Key identifies it
// within the measure (the code, or "ITEMS_2" where a code occurs more than once).
type TaskOutput struct {
	Key         string   `json:"key"`
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Unit        string   `json:"unit"`
	Reported    *float64 `json:"reported,omitempty"`
	Approximate bool     `json:"approximate,omitempty"`
}

// TextArray is a PostgreSQL text[] column, decoded by pgx's own array codec. Only the catalogue
// snapshot reads one (a data element's period types), once at start-up.
type TextArray []string

// Scan implements sql.Scanner.
func (a *TextArray) Scan(src any) error {
	return pgtype.NewMap().SQLScanner((*[]string)(a)).Scan(src)
}
