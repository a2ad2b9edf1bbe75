package claims

import (
	"encoding/json"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/codecs/x12"
)

// dbRetry is for calls to the engine's own store: quick retries, a database restart takes
// a minute or two.
func dbRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute}
}

// clearinghouseRetry is for CORE calls: the envelope is idempotent by PayloadID, so any
// number of retries submits the batch once; backoff up to 10 minutes rides out outages.
func clearinghouseRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
		NonRetryableErrorTypes: []string{billing.ErrTypeInvalidClaim, billing.ErrTypeRejected}}
}

func (w *impl) callAllocate(ctx workflow.Context) (int64, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// One INSERT: ten seconds is generous even on a busy database.
		StartToCloseTimeout: 10 * time.Second,
		// Without a control number nothing can be sent; an hour of store trouble fails the
		// submission visibly instead of hiding it.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            dbRetry(),
	})
	var res billing.AllocateResult
	err := workflow.ExecuteActivity(actx, billing.AllocateControlNumberName, billing.AllocateInput{WorkflowID: w.wfID}).Get(actx, &res)
	return res.ControlNumber, err
}

func (w *impl) callSubmit(ctx workflow.Context, control int64, claim x12.ProfessionalClaim) (billing.SubmitResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// A batch submission is answered by the envelope alone, but the payload may be large
		// and CORE allows batch responders more time than real-time's 20 seconds.
		StartToCloseTimeout: 2 * time.Minute,
		// The claim has a timely-filing limit of months: keep trying through a day-long
		// clearinghouse outage; PayloadID idempotency makes every retry the same batch.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            clearinghouseRetry(),
	})
	var res billing.SubmitResult
	err := workflow.ExecuteActivity(actx, billing.SubmitClaimName, billing.SubmitInput{
		WorkflowID: w.wfID, ControlNumber: control, Claim: claim,
		PayloadKey: w.wfID + "/submit/" + strconv.Itoa(w.state.Submissions),
	}).Get(actx, &res)
	return res, err
}

func (w *impl) callReady(ctx workflow.Context, ready ReadySignal) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// One signal-with-start call to the Temporal frontend.
		StartToCloseTimeout: 10 * time.Second,
		// The frontend is the engine's own; an hour of trouble fails the claim visibly.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            dbRetry(),
	})
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
	return workflow.ExecuteActivity(actx, billing.SignalWithStartName, billing.SignalWithStartInput{
		WorkflowID: BatcherWorkflowID, Workflow: BatcherWorkflowName, TaskQueue: TaskQueue,
		Signal: ReadySignalName, SignalArg: sig, StartArg: start,
	}).Get(actx, nil)
}
