package checkins

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// changeCancel (version 1): a cancellation request (the appointment sync sends one when the
// appointment is cancelled) ends the check-in as StatusCancelled at its next step, instead of
// carrying on with a cancelled context. Old executions never saw one, so the version is only
// asked for on that path.
const changeCancel = "checkin-cancel"

// FailureAppointmentCancelled is State.FailureCode of a check-in stopped by a cancellation.
const FailureAppointmentCancelled = "appointment-cancelled"

// cancelRequested reports whether the check-in was asked to stop and this execution honours it.
func (w *impl) cancelRequested(ctx workflow.Context) bool {
	if ctx.Err() == nil {
		return false
	}
	return w.ver.Version(ctx, changeCancel, workflow.DefaultVersion, 1) >= 1
}

// cancelled closes the check-in as cancelled: no arrival, copay or text follows. Running
// handlers are let finish on a disconnected context, then the workflow reports the cancel.
func (w *impl) cancelled(ctx workflow.Context) (State, error) {
	w.state.FailureCode = FailureAppointmentCancelled
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	st, _ := w.finish(dctx, StatusCancelled)
	return st, temporal.NewCanceledError(st)
}
