package apptsync

import (
	"errors"
	"fmt"
)

// FHIR R4 Appointment.status codes.
const (
	FHIRProposed       = "proposed"
	FHIRPending        = "pending"
	FHIRBooked         = "booked"
	FHIRArrived        = "arrived"
	FHIRFulfilled      = "fulfilled"
	FHIRCancelled      = "cancelled"
	FHIRNoShow         = "noshow"
	FHIREnteredInError = "entered-in-error"
	FHIRCheckedIn      = "checked-in"
	FHIRWaitlist       = "waitlist"
)

// PMS appointment statuses (the same strings as clients/pms, repeated so
// this package imports no client).
const (
	PMSScheduled  = "scheduled"
	PMSConfirmed  = "confirmed"
	PMSCheckedIn  = "checked-in"
	PMSInProgress = "in-progress"
	PMSCompleted  = "completed"
	PMSCancelled  = "cancelled"
)

// StatusMapping is one row of the status table.
type StatusMapping struct {
	From, To string
	// Lossy says the reverse mapping does not give From back.
	Lossy bool
}

// PMSToFHIR is the PMS -> FHIR half of the status table.
var PMSToFHIR = []StatusMapping{
	{PMSScheduled, FHIRBooked, true},
	{PMSConfirmed, FHIRBooked, false},
	{PMSCheckedIn, FHIRArrived, false},
	{PMSInProgress, FHIRArrived, true},
	{PMSCompleted, FHIRFulfilled, false},
	{PMSCancelled, FHIRCancelled, false},
}

// FHIRToPMS is the FHIR -> PMS half of the status table.
var FHIRToPMS = []StatusMapping{
	{FHIRProposed, PMSScheduled, true},
	{FHIRPending, PMSScheduled, true},
	{FHIRWaitlist, PMSScheduled, true},
	{FHIRBooked, PMSConfirmed, false},
	{FHIRArrived, PMSCheckedIn, false},
	{FHIRCheckedIn, PMSCheckedIn, true},
	{FHIRFulfilled, PMSCompleted, false},
	{FHIRCancelled, PMSCancelled, false},
	{FHIRNoShow, PMSCancelled, true},
	{FHIREnteredInError, PMSCancelled, true},
}

// ErrUnknownStatus is wrapped by the mapping functions for a status
// outside the table; its text quotes the code, which is not PHI.
var ErrUnknownStatus = errors.New("apptsync: unknown appointment status")

func lookup(table []StatusMapping, s string) (string, bool) {
	for _, m := range table {
		if m.From == s {
			return m.To, true
		}
	}
	return "", false
}

// FHIRStatusFromPMS maps a PMS status to FHIR.
func FHIRStatusFromPMS(s string) (string, error) {
	if v, ok := lookup(PMSToFHIR, s); ok {
		return v, nil
	}
	return "", fmt.Errorf("%w: PMS %q", ErrUnknownStatus, s)
}

// PMSStatusFromFHIR maps a FHIR status to PMS.
func PMSStatusFromFHIR(s string) (string, error) {
	if v, ok := lookup(FHIRToPMS, s); ok {
		return v, nil
	}
	return "", fmt.Errorf("%w: FHIR %q", ErrUnknownStatus, s)
}

// PMSStatusFor returns the PMS status to write for FHIR status fhir when
// the PMS currently has current: current itself when it already maps to
// fhir (no regression through a lossy row), else the table's value.
func PMSStatusFor(fhir, current string) (string, error) {
	if c, err := FHIRStatusFromPMS(current); err == nil && SameStatus(c, fhir) {
		return current, nil
	}
	return PMSStatusFromFHIR(fhir)
}

// FHIRStatusFor is PMSStatusFor's mirror: the FHIR status to write for
// PMS status pms when the EHR currently has current.
func FHIRStatusFor(pms, current string) (string, error) {
	if p, err := PMSStatusFromFHIR(current); err == nil && p == pms {
		return current, nil
	}
	return FHIRStatusFromPMS(pms)
}

// SameStatus reports whether two FHIR statuses are one state for the sync:
// equal, or both mapping to the same PMS status through a row the PMS
// cannot tell apart (arrived/checked-in; proposed/pending/waitlist/booked
// are distinct in the EHR, so they are not merged here).
func SameStatus(a, b string) bool {
	if a == b {
		return true
	}
	arrived := func(s string) bool { return s == FHIRArrived || s == FHIRCheckedIn }
	return arrived(a) && arrived(b)
}

// Clinical reports whether a FHIR status records what happened to the
// patient (the EHR is the system of record for these).
func Clinical(s string) bool {
	switch s {
	case FHIRArrived, FHIRCheckedIn, FHIRFulfilled, FHIRNoShow:
		return true
	}
	return false
}
