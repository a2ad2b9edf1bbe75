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

// loadCheckInOptions are the options of the EHR read as a regular activity.
func loadCheckInOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// The patient is at the desk: five minutes of EHR trouble is the most worth waiting.
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            call.Doubling(200*time.Millisecond, 10*time.Second, ehr.ErrTypeNotFound, ehr.ErrTypeRejected),
	}
}

func (w *impl) callLoadCheckIn(ctx workflow.Context) (ehr.CheckInContext, error) {
	opts, in := loadCheckInOptions(), ehr.LoadCheckInInput{AppointmentID: w.in.AppointmentID}
	if w.localReads >= 1 {
		if left := w.localLeft(ctx); left >= minLocalRead {
			if out, done, err := call.Local[ehr.CheckInContext](ctx, opts, left, ehr.LoadCheckInName, in); done {
				return out, err
			}
		}
		w.endLocalReads()
	}
	return call.Activity[ehr.CheckInContext](ctx, opts, ehr.LoadCheckInName, in)
}

// eligibilityOptions are the options of an eligibility inquiry as a regular activity.
func (w *impl) eligibilityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		// CAQH CORE real-time answers within 20 seconds or not at all.
		StartToCloseTimeout:    20 * time.Second,
		ScheduleToCloseTimeout: w.in.PayerWindow(),
		RetryPolicy:            call.Doubling(time.Second, 30*time.Second, eligibility.ErrTypeMalformed, eligibility.ErrTypeRejected),
	}
}

// callCheckEligibility starts an eligibility inquiry and returns its future, so that the
// caller can wait for it alongside the front desk (or in the background).
func (w *impl) callCheckEligibility(ctx workflow.Context, in eligibility.CheckInput) workflow.Future {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, w.eligibilityOptions()), eligibility.CheckEligibilityName, in)
}

// callCheckEligibilityLocalFirst is callCheckEligibility for the primary coverage's inquiry in
// the verdict path: a local activity within what is left of the verdict wait, then, if the
// payer has not answered by then, the regular activity with the full payer window. Cancelling
// ctx cancels whichever runs, so a front-desk resolution still stops the inquiry.
func (w *impl) callCheckEligibilityLocalFirst(ctx workflow.Context, in eligibility.CheckInput) workflow.Future {
	opts := w.eligibilityOptions()
	left := w.localLeft(ctx)
	if left < minLocalRead {
		w.endLocalReads()
		return w.callCheckEligibility(ctx, in)
	}
	local := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, call.LocalOptions(opts, left)),
		eligibility.CheckEligibilityName, in)
	fut, set := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) {
		var res eligibility.CheckResult
		err := local.Get(gctx, &res)
		if err == nil || call.Settled(err, opts.RetryPolicy) || gctx.Err() != nil {
			// The main coroutine turns the answer into the verdict, which ends the verdict
			// update's wait; ending the local reads here would start its timer for nothing.
			set.Set(res, err)
			return
		}
		w.endLocalReads()
		set.Chain(w.callCheckEligibility(gctx, in))
	})
	return fut
}

// The verdict path's reads (LoadCheckIn and the primary inquiry) run first as local activities:
// in the worker, inside the workflow task that answers the verdict update, without the
// schedule, match, poll and complete round trips of a regular activity. Both are reads, so
// running one again (a local activity is retried, or re-run after a worker crash, with no
// record of its earlier attempts) changes nothing in the EHR or at the payer. A local activity
// holds the workflow task open, and no timer, update answer or front-desk resolution gets
// through until it ends, so the reads run locally only within the verdict wait (measured from
// the check-in's start) and then carry on as the regular activities they were, with the same
// retry policy and today's timeouts.
const (
	// localReadWait is how long after the start the reads may run locally.
	localReadWait = VerdictWait
	// minLocalRead is the least time worth a local attempt; with less left the read goes
	// straight to the regular activity.
	minLocalRead = 200 * time.Millisecond
)

// localLeft is what is left of localReadWait.
func (w *impl) localLeft(ctx workflow.Context) time.Duration {
	return w.startedAt.Add(localReadWait).Sub(workflow.Now(ctx))
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

// localArrivalBudget is how long the arrival's writes may run as local activities before they
// carry on as the regular activities they were: an EHR write answers in well under a second,
// and five seconds keep the workflow task, which holds back the check-in's updates while a
// local activity runs, well inside its ten-second timeout. A slower or failing EHR gets the
// regular activity with the whole half hour of retries, which operators see as pending.
const localArrivalBudget = 5 * time.Second

// newTaskForArrival ends the workflow task before the arrival's local activities with a 1 ms
// timer. Whatever that task answered (the verdict, a self-pay or override update) is then
// recorded before an EHR write runs, so the front desk never waits on the writes, and a
// worker that dies during them leaves a history that replays to the same writes: the arrival
// re-reads the appointment and stops at arrived, the Encounter is a conditional create on the
// check-in's identifier, so running them again changes nothing. Two local activities in one
// task replace two activities and the two tasks that took their results: about three history
// transactions fewer per check-in.
func (w *impl) newTaskForArrival(ctx workflow.Context) {
	// A cancellation ends the sleep early; the writes then see the same cancellation.
	_ = workflow.Sleep(ctx, time.Millisecond)
}

func (w *impl) callMarkArrived(ctx workflow.Context, in ehr.MarkArrivedInput) (ehr.MarkArrivedResult, error) {
	if w.localArrival {
		return call.LocalFirst[ehr.MarkArrivedResult](ctx, ehrWrite(), localArrivalBudget, ehr.MarkArrivedName, in)
	}
	return call.Activity[ehr.MarkArrivedResult](ctx, ehrWrite(), ehr.MarkArrivedName, in)
}

func (w *impl) callCreateEncounter(ctx workflow.Context) (ehr.CreateEncounterResult, error) {
	in := ehr.CreateEncounterInput{AppointmentID: w.in.AppointmentID, PatientID: w.ehrCtx.PatientID, IdempotencyKey: w.wfID + "/encounter"}
	if w.localArrival {
		return call.LocalFirst[ehr.CreateEncounterResult](ctx, ehrWrite(), localArrivalBudget, ehr.CreateEncounterName, in)
	}
	return call.Activity[ehr.CreateEncounterResult](ctx, ehrWrite(), ehr.CreateEncounterName, in)
}

func (w *impl) callSendSMS(ctx workflow.Context, in sms.SendInput) (sms.SendResult, error) {
	return call.Activity[sms.SendResult](ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// A check-in text is only useful while the patient waits.
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            call.Doubling(time.Second, time.Minute, sms.ErrTypeInvalidRecipient),
	}, sms.SendSMSName, in)
}
