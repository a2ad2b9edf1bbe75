package claims

import (
	"encoding/json"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/workflows/internal/call"
)

// dbRetry is for calls to the engine's own store: quick retries, a database restart takes
// a minute or two.
func dbRetry() *temporal.RetryPolicy {
	return call.Doubling(time.Second, time.Minute)
}

// clearinghouseRetry is for CORE calls: the envelope is idempotent by PayloadID, so any
// number of retries submits the batch once; backoff up to 10 minutes rides out outages.
func clearinghouseRetry() *temporal.RetryPolicy {
	return call.Doubling(5*time.Second, 10*time.Minute, billing.ErrTypeInvalidClaim, billing.ErrTypeRejected)
}

func (w *impl) callAllocate(ctx workflow.Context) (int64, error) {
	res, err := call.Activity[billing.AllocateResult](ctx, workflow.ActivityOptions{
		// One INSERT: ten seconds is generous even on a busy database.
		StartToCloseTimeout: 10 * time.Second,
		// Without a control number nothing can be sent; an hour of store trouble fails the
		// submission visibly instead of hiding it.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            dbRetry(),
	}, billing.AllocateControlNumberName, billing.AllocateInput{WorkflowID: w.wfID})
	return res.ControlNumber, err
}

func (w *impl) callSubmit(ctx workflow.Context, control int64, claim x12.ProfessionalClaim) (billing.SubmitResult, error) {
	return call.Activity[billing.SubmitResult](ctx, workflow.ActivityOptions{
		// A batch submission is answered by the envelope alone, but the payload may be large
		// and CORE allows batch responders more time than real-time's 20 seconds.
		StartToCloseTimeout: 2 * time.Minute,
		// The claim has a timely-filing limit of months: keep trying through a day-long
		// clearinghouse outage; PayloadID idempotency makes every retry the same batch.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            clearinghouseRetry(),
	}, billing.SubmitClaimName, billing.SubmitInput{
		WorkflowID: w.wfID, ControlNumber: control, Claim: claim,
		PayloadKey: w.wfID + "/submit/" + strconv.Itoa(w.state.Submissions),
	})
}

func (w *impl) callReady(ctx workflow.Context, ready ReadySignal) error {
	opts := workflow.ActivityOptions{
		// One signal-with-start call to the Temporal frontend.
		StartToCloseTimeout: 10 * time.Second,
		// The frontend is the engine's own; an hour of trouble fails the claim visibly.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            dbRetry(),
	}
	// encoding/json is deterministic for these fixed structs (no maps): workflowcheck flags it
	// only because the encoder caches types.
	sig, err := json.Marshal(ready) //workflowcheck:ignore
	if err != nil {
		return err
	}
	start, err := json.Marshal(BatcherInput{}) //workflowcheck:ignore
	if err != nil {
		return err
	}
	_, err = call.Activity[struct{}](ctx, opts, billing.SignalWithStartName, billing.SignalWithStartInput{
		WorkflowID: BatcherWorkflowID, Workflow: BatcherWorkflowName, TaskQueue: TaskQueue,
		Signal: ReadySignalName, SignalArg: sig, StartArg: start,
	})
	return err
}
