package ehr

import (
	"fmt"
	"strings"
	"time"
)

// Default check-in window around an appointment's start: two hours early, one hour late.
const (
	DefaultWindowBefore = 2 * time.Hour
	DefaultWindowAfter  = time.Hour
)

// Refusal codes: why an appointment cannot be checked in.
const (
	// RefusedStatus means the appointment's status does not allow a check-in (cancelled, noshow, ...).
	RefusedStatus = "appointment-status"
	// RefusedWindow means the appointment starts outside the check-in window; an explicit
	// front-desk override lifts it.
	RefusedWindow = "outside-window"
	// RefusedParticipant means the patient participant has declined the appointment.
	RefusedParticipant = "patient-declined"
)

// Window is the check-in window: an appointment may be checked in from Before its start until
// After its start. Zero values mean the defaults.
type Window struct {
	BeforeSeconds int64 `json:"beforeSeconds,omitempty"`
	AfterSeconds  int64 `json:"afterSeconds,omitempty"`
}

// Before returns how early a check-in is allowed.
func (w Window) Before() time.Duration {
	if w.BeforeSeconds > 0 {
		return time.Duration(w.BeforeSeconds) * time.Second
	}
	return DefaultWindowBefore
}

// After returns how late a check-in is allowed.
func (w Window) After() time.Duration {
	if w.AfterSeconds > 0 {
		return time.Duration(w.AfterSeconds) * time.Second
	}
	return DefaultWindowAfter
}

// String names the window without naming the appointment ("from 2h before to 1h after the start").
func (w Window) String() string {
	return fmt.Sprintf("from %s before to %s after the appointment's start", shortDuration(w.Before()), shortDuration(w.After()))
}

// Refusal says why an appointment cannot be checked in; Detail names codes and the window only.
type Refusal struct {
	Code string `json:"code"`
	// Status is the appointment's status when Code is RefusedStatus.
	Status string `json:"status,omitempty"`
	Detail string `json:"detail"`
}

// AppointmentFacts are what the guards look at, as read from the EHR.
type AppointmentFacts struct {
	Status string `json:"status"`
	// Start is the appointment's start as the EHR sent it (RFC 3339).
	Start string `json:"start,omitempty"`
	// PatientStatus is the patient participant's own status (accepted, declined, tentative, needs-action).
	PatientStatus string `json:"patientStatus,omitempty"`
}

// checkInStatuses are the appointment statuses that may be checked in; arrived already is, and
// checking it in again changes nothing.
var checkInStatuses = map[string]bool{"booked": true, "pending": true, "checked-in": true, "arrived": true}

// Guard decides whether the appointment may be checked in at now: its status must be booked,
// pending, checked-in or arrived; the patient participant must not have declined; and its start
// must lie within the window around now unless windowOverridden. It returns nil when it may.
// The order matters: a cancelled appointment is refused as cancelled even when overridden.
func Guard(f AppointmentFacts, now time.Time, w Window, windowOverridden bool) *Refusal {
	if !checkInStatuses[f.Status] {
		status := f.Status
		if status == "" {
			status = "unknown"
		}
		return &Refusal{Code: RefusedStatus, Status: status,
			Detail: fmt.Sprintf("the appointment is %s and cannot be checked in", status)}
	}
	if f.PatientStatus == "declined" {
		return &Refusal{Code: RefusedParticipant, Detail: "the patient has declined the appointment"}
	}
	if windowOverridden {
		return nil
	}
	start, err := time.Parse(time.RFC3339, f.Start)
	if err != nil {
		return &Refusal{Code: RefusedWindow, Detail: "the appointment has no start time; the check-in window " + w.String() + " cannot be applied"}
	}
	if now.Before(start.Add(-w.Before())) || now.After(start.Add(w.After())) {
		return &Refusal{Code: RefusedWindow, Detail: "the appointment's start is outside the check-in window, " + w.String()}
	}
	return nil
}

// shortDuration prints 2h, 90m, 1h30m or 45s rather than Go's 2h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
