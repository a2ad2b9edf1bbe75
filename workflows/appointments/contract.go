package appointments

import (
	"errors"
	"regexp"
	"time"

	"github.com/careflow/engine/internal/apptsync"
)

// Names fixed by the contract.
const (
	// TaskQueue is where appointment-sync workflows and their PMS and EHR activities run.
	TaskQueue = "appointments"
	// WorkflowName is the registered type of the per-appointment entity workflow.
	WorkflowName = "appointments.Appointment"
	// ReconcileWorkflowName is the registered type of the reconciliation the Schedule starts.
	ReconcileWorkflowName = "appointments.Reconcile"
	// ChangeSignalName carries one inbound change notification (ChangeSignal).
	ChangeSignalName = "change"
	// ResolveUpdateName settles an open manual conflict (ResolveUpdate -> State); its
	// validator refuses a field without an open conflict or a resolution naming no value.
	ResolveUpdateName = "resolve"
	// StatusQuery returns the live State.
	StatusQuery = "status"
	// ConflictSearchAttribute is the keyword search attribute saying whether the appointment
	// has open conflicts (ConflictOpen or ConflictNone); it carries no PHI.
	ConflictSearchAttribute = "AppointmentConflict"
	// ScheduleID is the Temporal Schedule that runs the reconciliation.
	ScheduleID = "appointments-reconcile"
	// ReconcileWorkflowID is the workflow ID of every reconciliation run the Schedule starts.
	ReconcileWorkflowID = "appointments-reconcile"
)

// Values of ConflictSearchAttribute.
const (
	ConflictOpen = "open"
	ConflictNone = "none"
)

// DefaultReconcileInterval is APPOINTMENT_RECONCILE_INTERVAL's default.
const DefaultReconcileInterval = 15 * time.Minute

// Sources of change notifications.
const (
	SourceEHR = "ehr"
	SourcePMS = "pms"
)

// Status values.
const (
	// StatusLinking: the first reads (and the create on the other side) are running.
	StatusLinking = "linking"
	// StatusInSync: both sides hold the merged state.
	StatusInSync = "in-sync"
	// StatusConflict: at least one manual conflict waits for resolve.
	StatusConflict = "conflict"
	// StatusError: the last sync failed for good (Error says why); the next change or
	// reconciliation tries again.
	StatusError = "error"
)

// Error types.
const (
	// ErrTypeInvalidInput fails a workflow started with invalid input.
	ErrTypeInvalidInput = "InvalidInput"
	// ErrTypeRejected marks a resolve the workflow refuses; the API maps it to 422.
	ErrTypeRejected = "AppointmentUpdateRejected"
)

// Input starts the entity workflow: link EHRID and PMSID when both are given, else create
// the appointment on the other side.
type Input struct {
	AppointmentID string `json:"appointmentId"`
	EHRID         string `json:"ehrId,omitempty"`
	PMSID         string `json:"pmsId,omitempty"`
	// ConflictSearchAttribute is the registered search attribute name; "" publishes none.
	ConflictSearchAttribute string `json:"conflictSearchAttribute,omitempty"`
	// Carry is the state handed over by continue-as-new.
	Carry *State `json:"carry,omitempty"`
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateID checks an appointment, EHR or PMS id: opaque, 1-64 of [A-Za-z0-9._-].
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return errors.New("must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'")
	}
	return nil
}

// Validate checks an Input.
func (in Input) Validate() error {
	if err := ValidateID(in.AppointmentID); err != nil {
		return errors.New("appointmentId " + err.Error())
	}
	if in.Carry != nil {
		return nil
	}
	if in.EHRID == "" && in.PMSID == "" {
		return errors.New("ehrId or pmsId is required")
	}
	for _, id := range []string{in.EHRID, in.PMSID} {
		if id != "" && ValidateID(id) != nil {
			return errors.New("ehrId and pmsId must be opaque ids")
		}
	}
	return nil
}

// WorkflowID derives the workflow ID from the engine's appointment id.
func WorkflowID(appointmentID string) string { return "appointment:" + appointmentID }

// IDForEHR is the engine's appointment id for an EHR appointment first seen in a
// notification; IDForPMS likewise for the PMS.
func IDForEHR(ehrID string) string { return "ehr-" + ehrID }

// IDForPMS is the engine's appointment id for a PMS appointment first seen in a notification.
func IDForPMS(pmsID string) string { return "pms-" + pmsID }

// ChangeSignal is one change notification from either side. Version, UpdatedAt and Marked
// come from the notification when it carries them (full resource, PMS webhook); an id-only
// notification leaves them empty and the workflow reads the resource.
type ChangeSignal struct {
	Source    string    `json:"source"`
	EventID   string    `json:"eventId,omitempty"`
	ID        string    `json:"id"`
	Version   string    `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitempty"`
	// Marked says the changed version carries the engine's write marker.
	Marked bool `json:"marked,omitempty"`
}

// Resolution sides of a ResolveUpdate.
const (
	ResolveEHR = "ehr"
	ResolvePMS = "pms"
)

// ResolveUpdate settles the open conflict on Field with one side's value (Side) or an
// explicit Value (its Field is used).
type ResolveUpdate struct {
	Field string             `json:"field"`
	Side  string             `json:"side,omitempty"`
	Value *apptsync.Snapshot `json:"value,omitempty"`
	By    string             `json:"by,omitempty"`
}

// SideState is what the sync knows of one system's appointment.
type SideState struct {
	// ID is the appointment's id in that system (the crosswalk).
	ID string `json:"id"`
	// Version is the version last read and merged (FHIR meta.versionId, PMS version).
	Version   string    `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitempty"`
	// Written is the version the engine's own last write produced.
	Written string `json:"written,omitempty"`
	// Current is the side's fields as last read.
	Current *apptsync.Snapshot `json:"current,omitempty"`
}

// Pair maps a PMS id to an EHR id (patients, providers).
type Pair struct {
	PMS string `json:"pms"`
	EHR string `json:"ehr"`
}

// State is the live state of one synced appointment.
type State struct {
	AppointmentID string    `json:"appointmentId"`
	Status        string    `json:"status"`
	EHR           SideState `json:"ehr"`
	PMS           SideState `json:"pms"`
	// Merged is the last synced snapshot (the base of the next three-way merge).
	Merged    apptsync.Snapshot   `json:"merged"`
	Conflicts []apptsync.Conflict `json:"conflicts"`
	// Decided lists the latest conflicts a policy settled (bounded).
	Decided   []apptsync.Conflict `json:"decided"`
	Patients  []Pair              `json:"patients,omitempty"`
	Providers []Pair              `json:"providers,omitempty"`
	// EventIDs are the latest notification ids handled (bounded), for deduplication.
	EventIDs []string `json:"eventIds,omitempty"`
	Syncs    int      `json:"syncs"`
	Writes   int      `json:"writes"`
	// Echoes counts the engine's own writes that came back as notifications and were
	// recognised by their version: the EHR's (and, before the API recognised them itself,
	// the PMS's; Notifier.Notify).
	Echoes int    `json:"echoes"`
	Stale  int    `json:"stale"`
	Error  string `json:"error,omitempty"`
	// CheckIn says what the last cancellation did to the appointment's check-in
	// (CheckInCancelRequested or CheckInNoneOpen).
	CheckIn string `json:"checkIn,omitempty"`
}
