package checkins

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/internal/call"
)

// The check-in calls its activities by the names their packages register, so that workers
// written in other languages can serve the same task queue. Each callX holds the options of
// one activity and the reason for its timeouts.

func (w *impl) callLoadCheckIn(ctx workflow.Context) (ehr.CheckInContext, error) {
	return call.Activity[ehr.CheckInContext](ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// The patient is at the desk: five minutes of EHR trouble is the most worth waiting.
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            call.Doubling(200*time.Millisecond, 10*time.Second, ehr.ErrTypeNotFound, ehr.ErrTypeRejected),
	}, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: w.in.AppointmentID})
}

// callCheckEligibility starts an eligibility inquiry and returns its future, so that the
// caller can wait for it alongside the front desk (or in the background).
func (w *impl) callCheckEligibility(ctx workflow.Context, in eligibility.CheckInput) workflow.Future {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// CAQH CORE real-time answers within 20 seconds or not at all.
		StartToCloseTimeout:    20 * time.Second,
		ScheduleToCloseTimeout: w.in.PayerWindow(),
		RetryPolicy:            call.Doubling(time.Second, 30*time.Second, eligibility.ErrTypeMalformed, eligibility.ErrTypeRejected),
	})
	return workflow.ExecuteActivity(actx, eligibility.CheckEligibilityName, in)
}

// ehrWrite returns the options of the write-back to the EHR (arrival and Encounter).
func ehrWrite() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		// Staff can fix the chart later; half an hour of EHR trouble is worth riding out before
		// the check-in records the failure and carries on.
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy:            call.Doubling(time.Second, time.Minute, ehr.ErrTypeNotFound, ehr.ErrTypeRejected, ehr.ErrTypeRefused),
	}
}

func (w *impl) callMarkArrived(ctx workflow.Context, in ehr.MarkArrivedInput) (ehr.MarkArrivedResult, error) {
	return call.Activity[ehr.MarkArrivedResult](ctx, ehrWrite(), ehr.MarkArrivedName, in)
}

func (w *impl) callCreateEncounter(ctx workflow.Context) (ehr.CreateEncounterResult, error) {
	return call.Activity[ehr.CreateEncounterResult](ctx, ehrWrite(), ehr.CreateEncounterName, ehr.CreateEncounterInput{
		AppointmentID: w.in.AppointmentID, PatientID: w.ehrCtx.PatientID, IdempotencyKey: w.wfID + "/encounter",
	})
}

func (w *impl) callSendSMS(ctx workflow.Context, in sms.SendInput) (sms.SendResult, error) {
	return call.Activity[sms.SendResult](ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// A check-in text is only useful while the patient waits.
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            call.Doubling(time.Second, time.Minute, sms.ErrTypeInvalidRecipient),
	}, sms.SendSMSName, in)
}
