package claims

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/workflows/internal/call"
)

// defaultBatchesPerRun bounds the batches of one run before continue-as-new keeps history
// small.
const defaultBatchesPerRun = 50

// Batcher collects ready claims for a short window after the first one, sends them as one
// interchange (a transaction set each) and tells every claim its control numbers. It ends
// when no claim is waiting; the next ready claim starts it again (signal-with-start).
func Batcher(ctx workflow.Context, in BatcherInput) error {
	ch := workflow.GetSignalChannel(ctx, ReadySignalName)
	if in.BatchesPerRun <= 0 {
		in.BatchesPerRun = defaultBatchesPerRun
	}
	pending := in.Pending
	seen := map[string]bool{}
	take := func(s ReadySignal) {
		if !seen[s.PayloadKey] {
			seen[s.PayloadKey] = true
			pending = append(pending, s)
		}
	}
	for _, p := range in.Pending {
		seen[p.PayloadKey] = true
	}
	drain := func() {
		var s ReadySignal
		for ch.ReceiveAsync(&s) {
			take(s)
			s = ReadySignal{}
		}
	}
	for batches := 0; ; batches++ {
		drain()
		if len(pending) == 0 {
			return nil
		}
		if batches == in.BatchesPerRun {
			return workflow.NewContinueAsNewError(ctx, BatcherWorkflowName,
				BatcherInput{Pending: pending, BatchesPerRun: in.BatchesPerRun})
		}
		window := pending[0].Window
		if window <= 0 {
			window = DefaultBatchWindow
		}
		// Collect for the window after the oldest waiting claim, or until the batch is full.
		timer := workflow.NewTimer(ctx, window)
		fired := false
		for !fired && len(pending) < MaxBatchClaims {
			sel := workflow.NewSelector(ctx)
			sel.AddFuture(timer, func(workflow.Future) { fired = true })
			sel.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
				var s ReadySignal
				c.Receive(ctx, &s)
				take(s)
			})
			sel.Select(ctx)
		}
		n := min(len(pending), MaxBatchClaims)
		batch := pending[:n]
		pending = append([]ReadySignal(nil), pending[n:]...)
		sendBatch(ctx, batch)
	}
}

// sendBatch allocates a control number, submits the batch and signals every claim.
func sendBatch(ctx workflow.Context, batch []ReadySignal) {
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	answers := make([]BatchedSignal, len(batch))
	for i, r := range batch {
		answers[i].PayloadKey = r.PayloadKey
	}
	control, err := allocate(ctx, wfID)
	var res billing.SubmitBatchResult
	if err == nil {
		claims := make([]billing.BatchClaim, len(batch))
		for i, r := range batch {
			claims[i] = billing.BatchClaim{WorkflowID: r.WorkflowID, Claim: r.Claim, SubmissionKey: r.PayloadKey}
		}
		res, err = callSubmitBatch(ctx, billing.SubmitBatchInput{ControlNumber: control, Claims: claims,
			PayloadKey: wfID + "/batch/" + strconv.FormatInt(control, 10)})
	}
	for i := range answers {
		switch {
		case err != nil:
			answers[i].Error = errorType(err)
		case res.Sets[i].Error != "":
			answers[i].Error = res.Sets[i].Error
		default:
			answers[i].ControlNumber, answers[i].SetControlNumber = control, res.Sets[i].SetControlNumber
		}
	}
	// Signal in parallel; a claim that ended meanwhile simply does not take its answer.
	futures := make([]workflow.Future, len(batch))
	for i, r := range batch {
		if err == nil && res.Sets[i].Duplicate {
			continue // answered when it went out the first time
		}
		futures[i] = workflow.SignalExternalWorkflow(ctx, r.WorkflowID, "", BatchedSignalName, answers[i])
	}
	for i, f := range futures {
		if f != nil && f.Get(ctx, nil) != nil {
			workflow.GetLogger(ctx).Warn("claims batcher: claim not signalled", "workflowId", batch[i].WorkflowID)
		}
	}
}

// allocate takes an interchange control number for a batch.
func allocate(ctx workflow.Context, wfID string) (int64, error) {
	res, err := call.Activity[billing.AllocateResult](ctx, workflow.ActivityOptions{
		// One INSERT: ten seconds is generous even on a busy database.
		StartToCloseTimeout: 10 * time.Second,
		// Without a control number nothing can be sent; an hour of store trouble fails the
		// batch visibly (every claim is told) instead of hiding it.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            dbRetry(),
	}, billing.AllocateControlNumberName, billing.AllocateInput{WorkflowID: wfID})
	return res.ControlNumber, err
}

func callSubmitBatch(ctx workflow.Context, in billing.SubmitBatchInput) (billing.SubmitBatchResult, error) {
	return call.Activity[billing.SubmitBatchResult](ctx, workflow.ActivityOptions{
		// As one claim's submission: answered by the envelope alone, but a batch is larger.
		StartToCloseTimeout: 2 * time.Minute,
		// Timely-filing limits are months: ride out a day-long clearinghouse outage; the
		// PayloadID makes every retry the same batch.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            clearinghouseRetry(),
	}, billing.SubmitBatchName, in)
}
