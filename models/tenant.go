package models

import (
	"encoding/json"
	"time"
)

// ReportingPeriod is a period a city has opened (or closed) for entry by its regions.
type ReportingPeriod struct {
	RegionCode string `gorm:"primaryKey"` // the city that runs the plan
	RegionPath string
	Period     string `gorm:"primaryKey"`
	Open       bool
	ClosesAt   *time.Time
	UpdatedAt  time.Time
	UpdatedBy  string
}

// Submission statuses: a clerk saves a DRAFT and submits it (and may recall it to DRAFT until
// it is reviewed); the city approves it or returns it (RETURNED), and an admin may reopen an
// approved one (back to RETURNED). Only
// APPROVED figures count in a total, and SUBMITTED ones in a preview.
const (
	StatusDraft     = "DRAFT"
	StatusSubmitted = "SUBMITTED"
	StatusApproved  = "APPROVED"
	StatusReturned  = "RETURNED"
)

// Submission is one region's figures for one period, with its review status.
type Submission struct {
	ID            int64
	PlanID        int64
	RegionCode    string
	RegionPath    string
	Period        string
	PeriodYear    int
	PeriodQuarter int
	Status        string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
	UpdatedBy     string
}

// DataValue is one figure of a submission.
type DataValue struct {
	SubmissionID int64 `gorm:"primaryKey"`
	ElementID    int64 `gorm:"primaryKey"`
	RegionPath   string
	Value        float64
	Comment      string
	UpdatedAt    time.Time
	UpdatedBy    string
	// Element is the catalogue's element of ElementID, set by the store when it reads the
	// value (not a column): the answer's DataValue.element, marshalled without a resolver.
	Element *DataElement `gorm:"-" json:"-"`
}

// MissingValue is a figure a region declared unavailable in a submission, with the reason.
type MissingValue struct {
	SubmissionID int64 `gorm:"primaryKey"`
	ElementID    int64 `gorm:"primaryKey"`
	RegionPath   string
	Reason       string
	UpdatedAt    time.Time
	UpdatedBy    string
}

// TaskReport is a region's progress on one key-task measure in a submission.
type TaskReport struct {
	SubmissionID int64 `gorm:"primaryKey"`
	TaskID       int64 `gorm:"primaryKey"`
	RegionPath   string
	Status       string
	Narrative    string
	Outputs      json.RawMessage `gorm:"type:jsonb"` // {"CASES": 12}
	UpdatedAt    time.Time
	UpdatedBy    string
}

// AuditEntry is one row of the append-only audit trail.
type AuditEntry struct {
	ID           int64
	SubmissionID int64
	RegionPath   string
	At           time.Time `gorm:"default:clock_timestamp()"` // set by the database
	Actor        string    // the token's sub: a stable account id
	ActorName    *string   // the token's name claim at the time, if it had one (migration 0007)
	Role         string
	Action       string
	Element      *string
	OldValue     *float64
	NewValue     *float64
	OldText      *string
	NewText      *string
	Comment      *string
	FromStatus   *string
	ToStatus     *string
	Version      int
}

// TableName names the audit table.
func (AuditEntry) TableName() string { return "audit_log" }

// Publication is a region's totals for a period as its admin published them: what the
// regions below it read (Snapshot, JSON), until withdrawn.
type Publication struct {
	PlanID          int64  `gorm:"primaryKey"`
	RegionCode      string `gorm:"primaryKey"`
	RegionPath      string
	Period          string `gorm:"primaryKey"`
	Version         int
	Snapshot        json.RawMessage `gorm:"type:jsonb"`
	PublishedAt     time.Time
	PublishedBy     string
	WithdrawnAt     *time.Time
	WithdrawnBy     *string
	WithdrawnReason *string
}

// ReportSection is a text the region writes into its evaluation report as of a period
// (二、存在的问题, 三、下一步工作), versioned like a submission (migration 0008).
type ReportSection struct {
	PlanID        int64  `gorm:"primaryKey"`
	RegionCode    string `gorm:"primaryKey"`
	RegionPath    string
	AsOf          string `gorm:"primaryKey"`
	Section       string `gorm:"primaryKey"` // PROBLEMS or NEXT_STEPS
	Text          string
	Version       int
	UpdatedAt     time.Time `gorm:"default:clock_timestamp()"`
	UpdatedBy     string
	UpdatedByName *string
}

// ReportSectionEdit is one saved version of a report section: the append-only history.
type ReportSectionEdit struct {
	ID         int64
	PlanID     int64
	RegionCode string
	RegionPath string
	AsOf       string
	Section    string
	Version    int
	Text       string
	At         time.Time `gorm:"default:clock_timestamp()"`
	Actor      string
	ActorName  *string
	Role       string
}

// TableName names the history table.
func (ReportSectionEdit) TableName() string { return "report_section_history" }
