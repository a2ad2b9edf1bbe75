package pms

import (
	"fmt"
	"time"
)

// EngineWriter is the UpdatedBy marker the engine sets on its own writes.
const EngineWriter = "careflow"

// PMS appointment statuses.
const (
	StatusScheduled  = "scheduled"
	StatusConfirmed  = "confirmed"
	StatusCheckedIn  = "checked-in"
	StatusInProgress = "in-progress"
	StatusCompleted  = "completed"
	StatusCancelled  = "cancelled"
)

// Statuses lists every PMS status in lifecycle order.
var Statuses = []string{StatusScheduled, StatusConfirmed, StatusCheckedIn, StatusInProgress, StatusCompleted, StatusCancelled}

// ValidStatus reports whether s is a PMS status.
func ValidStatus(s string) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Appointment is the PMS's appointment resource.
type Appointment struct {
	AppointmentID   string    `json:"appointmentId"`
	PatientID       string    `json:"patientId"`
	ProviderID      string    `json:"providerId"`
	ScheduledTime   time.Time `json:"scheduledTime"`
	Duration        int       `json:"duration"` // minutes
	AppointmentType string    `json:"appointmentType"`
	Status          string    `json:"status"`
	Department      string    `json:"department"`
	// Note is the front-desk note; the shape does not name it, so
	// this is the simulator's field name until the clinic's PMS confirms it.
	Note string `json:"note,omitempty"`
	// Version is bumped by the PMS on every change; writes send it as If-Match.
	Version int `json:"version"`
	// UpdatedAt is when the PMS stored the last change.
	UpdatedAt time.Time `json:"updatedAt"`
	// UpdatedBy names the last writer; the engine sends EngineWriter.
	UpdatedBy string `json:"updatedBy,omitempty"`
}

// Validate checks the fields a write needs; its messages name fields, never values.
func (a Appointment) Validate() error {
	switch {
	case a.PatientID == "":
		return fmt.Errorf("pms: patientId is required")
	case a.ProviderID == "":
		return fmt.Errorf("pms: providerId is required")
	case a.ScheduledTime.IsZero():
		return fmt.Errorf("pms: scheduledTime is required")
	case a.Duration <= 0:
		return fmt.Errorf("pms: duration must be a positive number of minutes")
	case !ValidStatus(a.Status):
		return fmt.Errorf("pms: unknown status")
	}
	return nil
}

// Page is one page of the changes list.
type Page struct {
	Appointments []Appointment `json:"appointments"`
	// NextCursor fetches the next page; "" on the last page.
	NextCursor string `json:"nextCursor,omitempty"`
}

// Webhook event types.
const (
	EventCreated = "appointment.created"
	EventUpdated = "appointment.updated"
)

// WebhookEvent is the body of a PMS webhook.
type WebhookEvent struct {
	// EventID is unique per change (the same across redeliveries of it).
	EventID     string      `json:"eventId"`
	Type        string      `json:"type"`
	Appointment Appointment `json:"appointment"`
}
