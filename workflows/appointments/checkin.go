package appointments

import (
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/workflows/checkins"
)

// Workflow changes, each behind workflow.GetVersion so that syncs begun before it replay.
const (
	// changeCancelCheckIn (version 1): a cancellation synced from either side asks Temporal
	// to cancel the check-in of the same EHR appointment.
	changeCancelCheckIn = "appointment-cancels-checkin"
)

// Values of State.CheckIn.
const (
	// CheckInCancelRequested: the check-in of this appointment was asked to stop.
	CheckInCancelRequested = "cancel-requested"
	// CheckInNoneOpen: the appointment was cancelled with no check-in running.
	CheckInNoneOpen = "none-open"
)

// ending reports whether an appointment in FHIR status s will not take place, so a
// check-in for it must not go on.
func ending(s string) bool {
	return s == apptsync.FHIRCancelled || s == apptsync.FHIREnteredInError
}

// cancelCheckIn asks Temporal to cancel the check-in of this appointment. Check-ins are
// keyed by the EHR appointment id (checkins.WorkflowID), an opaque id and no PHI. A check-in
// that does not exist or has closed makes the request fail; that is the normal case.
func (w *impl) cancelCheckIn(ctx workflow.Context) {
	if w.ver.Version(ctx, changeCancelCheckIn, workflow.DefaultVersion, 1) < 1 || w.state.EHR.ID == "" {
		return
	}
	err := workflow.RequestCancelExternalWorkflow(ctx, checkins.WorkflowID(w.state.EHR.ID), "").Get(ctx, nil)
	if err != nil {
		w.state.CheckIn = CheckInNoneOpen
		return
	}
	w.state.CheckIn = CheckInCancelRequested
}
