package payments

import (
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/opsattr"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/workflows/internal/baseline"
	"github.com/careflow/engine/workflows/internal/dedup"
)

// impl is one payment's workflow state. The main coroutine, the update handlers and the
// event goroutine share it; Temporal runs one coroutine at a time, so plain fields are safe.
// mu serializes the Stripe calls that change the PaymentIntent (capture, cancel, refund,
// expiry) because a handler yields while its activity runs.
type impl struct {
	in        Input
	wfID      string
	state     State
	mu        workflow.Mutex
	events    *dedup.Set
	refundSeq int
	// expiring is set once the authorization TTL has passed: capture and cancel updates are
	// refused from then on while the workflow releases the hold itself.
	expiring bool
	// closing is set once the workflow has decided to finish: every new update is refused.
	closing bool
	signals workflow.ReceiveChannel
	logger  log.Logger
	// version is the workflow.GetVersion of ReconcileChangeID this execution follows.
	version workflow.Version
	// localStripe is the workflow.GetVersion of changeLocalStripe this execution follows.
	localStripe workflow.Version
	// ver answers this run's workflow.GetVersion questions through Baseline.
	ver baseline.Run
	// answeredAt is the workflow task time (workflow.Now) at which an update last answered.
	answeredAt time.Time
	// calls numbers the Stripe calls per step for their idempotency keys (version 1).
	calls map[string]int
	// root is the workflow's own context, which background jobs outlive their updates on.
	root workflow.Context
	// jobs counts Stripe calls running in the background after their update answered.
	jobs int
}

// Payment is the payment workflow: it authorizes the card (manual capture), waits for a
// capture or cancel update until the authorization TTL, then stays open for refund updates
// until the refund window ends or everything is refunded. Declines and Stripe failures end
// the workflow normally with a clear Status; the result is always the final State.
func Payment(ctx workflow.Context, in Input) (State, error) {
	w := newImpl(ctx, in)
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	opsattr.Watch(ctx, w.ver, "payment", w.ops)
	return w.run(ctx)
}

func newImpl(ctx workflow.Context, in Input) *impl {
	return &impl{
		in:     in,
		wfID:   workflow.GetInfo(ctx).WorkflowExecution.ID,
		mu:     workflow.NewMutex(ctx),
		events: dedup.New(maxRememberedEvents),
		logger: workflow.GetLogger(ctx),
		calls:  map[string]int{},
		root:   ctx,
	}
}

// setup validates the input, restores a previous run's checkpoint and registers the query,
// the updates and the Stripe event goroutine.
func (w *impl) setup(ctx workflow.Context) error {
	// First thing in every run, so that an execution started before the change replays and
	// continues on the old path, and every new run (continue-as-new included) takes the new one.
	w.ver = Baseline.Begin(ctx)
	w.version = w.ver.Version(ctx, ReconcileChangeID, workflow.DefaultVersion, ReconcileVersion)
	w.localStripe = w.ver.Version(ctx, changeLocalStripe, workflow.DefaultVersion, localStripeVersion)
	resume := w.in.Resume
	// Validate refuses Resume from clients; the workflow's own checkpoint is checked apart.
	w.in.Resume = nil
	if err := w.in.Validate(); err != nil {
		// FieldError names the field and the rule, never the value, so it is safe to return.
		return temporal.NewNonRetryableApplicationError("invalid payment input: "+err.Error(), ErrTypeInvalidInput, nil)
	}
	if resume != nil {
		w.restore(*resume)
	} else {
		w.state = State{
			PaymentID: w.in.PaymentID,
			Status:    StatusAuthorizing,
			Step:      StepAuthorize,
			Amount:    w.in.Amount,
			Currency:  w.in.Currency,
			Refunds:   []Refund{},
			Disputes:  []Dispute{},
		}
	}
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (State, error) {
		return w.snapshot(), nil
	}); err != nil {
		return err
	}
	if err := w.registerUpdates(ctx); err != nil {
		return err
	}
	w.signals = workflow.GetSignalChannel(ctx, StripeEventSignalName)
	workflow.GoNamed(ctx, "stripe-events", w.receiveEvents)
	return nil
}

// restore continues from the checkpoint of the previous run.
func (w *impl) restore(cp Checkpoint) {
	w.state = cp.State.clone()
	w.refundSeq = cp.RefundSeq
	for _, step := range workflow.DeterministicKeys(cp.Calls) {
		w.calls[step] = cp.Calls[step]
	}
	for _, id := range cp.EventIDs {
		w.events.Add(id)
	}
}

// run walks the saga: authorize, await capture, refund window, finish. A resumed run starts
// at the phase its checkpoint's Status names.
func (w *impl) run(ctx workflow.Context) (State, error) {
	if w.state.Status == StatusAuthorizing {
		if err := w.authorize(ctx); err != nil {
			return w.canceled(ctx, err)
		}
	}
	if w.state.Status == StatusAuthorized && w.in.AutoCapture {
		// The outcome is in State: a failed capture leaves the payment authorized, and the
		// capture update or the expiry timer decides it from there.
		if _, err := w.capture(ctx, CaptureUpdate{}); err != nil {
			w.logger.Warn("Automatic capture failed", "Status", w.state.Status)
		}
	}
	// A capture running in the background (version 1) moves the status to capturing; a
	// failed one moves it back to authorized and the wait for capture resumes.
	for w.state.Status == StatusAuthorized || w.state.Status == StatusCapturing {
		if err := w.awaitCapture(ctx); err != nil {
			return w.canceled(ctx, err)
		}
		if err := workflow.Await(ctx, func() bool { return w.state.Status != StatusCapturing }); err != nil {
			return w.canceled(ctx, err)
		}
	}
	if isCaptured(w.state.Status) {
		cont, err := w.refundWindow(ctx)
		if err != nil {
			return w.canceled(ctx, err)
		}
		if cont {
			return w.continueAsNew(ctx)
		}
	}
	return w.finish(ctx)
}

// authorize places the hold. A decline or a permanent Stripe error ends the payment with
// Status declined or failed; only cancellation of the workflow returns an error.
func (w *impl) authorize(ctx workflow.Context) error {
	res, err := w.callAuthorize(ctx)
	if err != nil {
		f := classify(err)
		w.state.Status = StatusFailed
		if f.errType == card.ErrTypeCardDeclined {
			w.state.Status = StatusDeclined
		}
		w.state.FailureCode = f.code
		w.logger.Info("Payment not authorized", "Status", w.state.Status, "FailureCode", f.code)
		if !f.permanent && w.version >= ReconcileVersion {
			// No definite answer: Stripe may hold the card after all. The hold is found by
			// the intent's metadata and released.
			w.state.Step = StepCancel
			w.releaseOrphans(ctx)
		}
		w.state.Step = StepDone
		return nil
	}
	ttl := w.in.AuthorizationTTL()
	if w.in.AuthorizationTTLSeconds <= 0 && w.version < ReconcileVersion {
		ttl = legacyAuthorizationTTL
	}
	expires := workflow.Now(ctx).Add(ttl)
	w.state.Status = StatusAuthorized
	w.state.Step = StepAwaitCapture
	w.state.PaymentIntentID = res.PaymentIntentID
	w.state.AuthorizedAmount = res.AmountCapturable
	if w.state.AuthorizedAmount <= 0 {
		// An older Stripe answer may omit amount_capturable; the hold is for the full amount.
		w.state.AuthorizedAmount = w.in.Amount
	}
	w.state.AuthorizationExpiresAt = &expires
	w.logger.Info("Payment authorized", "AuthorizedAmount", w.state.AuthorizedAmount)
	// The authorization ran to completion even if the workflow was canceled meanwhile, so
	// that canceled() can release a hold it now knows about.
	return ctx.Err()
}

// awaitCapture waits until a capture or cancel update has moved the status or the
// authorization TTL has passed; then the workflow releases the hold itself.
func (w *impl) awaitCapture(ctx workflow.Context) error {
	if remaining := w.state.AuthorizationExpiresAt.Sub(workflow.Now(ctx)); remaining > 0 {
		moved, err := w.awaitWithin(ctx, remaining, func() bool {
			return w.state.Status != StatusAuthorized
		})
		if err != nil || moved {
			return err
		}
	}
	w.expiring = true
	// A capture or cancel already running holds the mutex; its outcome decides.
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if w.state.Status == StatusAuthorized {
		w.releaseHold(ctx, "/expire", "abandoned", StatusExpired)
	}
	return nil
}

// refundWindow keeps the payment open for refunds until the window ends or everything is
// refunded. It reports true when history has grown long enough to continue as new, which
// it only does while no handler is running.
func (w *impl) refundWindow(ctx workflow.Context) (bool, error) {
	remaining := w.state.RefundWindowEndsAt.Sub(workflow.Now(ctx))
	if w.state.Status == StatusRefunded || remaining <= 0 {
		return false, nil
	}
	// AwaitWithTimeout's timer is durable: a window of months survives worker restarts.
	woke, err := workflow.AwaitWithTimeout(ctx, remaining, func() bool {
		return w.state.Status == StatusRefunded || w.continueAsNewDue(ctx)
	})
	if err != nil || !woke || w.state.Status == StatusRefunded {
		return false, err
	}
	return true, nil
}

func (w *impl) continueAsNewDue(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() && w.idle(ctx)
}

// idle reports that no update handler and no background Stripe call is running.
func (w *impl) idle(ctx workflow.Context) bool {
	return workflow.AllHandlersFinished(ctx) && w.jobs == 0
}

// continueAsNew hands the state and the event dedup set to a fresh run.
func (w *impl) continueAsNew(ctx workflow.Context) (State, error) {
	// Events already delivered to this run would otherwise be lost with it.
	w.drainEvents(ctx)
	next := w.in
	next.Resume = &Checkpoint{State: w.state.clone(), EventIDs: w.events.IDs(), RefundSeq: w.refundSeq}
	if len(w.calls) > 0 {
		next.Resume.Calls = map[string]int{}
		for _, step := range workflow.DeterministicKeys(w.calls) {
			next.Resume.Calls[step] = w.calls[step]
		}
	}
	w.logger.Info("Payment continues as new", "EventsRemembered", len(next.Resume.EventIDs))
	return w.snapshot(), workflow.NewContinueAsNewError(ctx, WorkflowName, next)
}

// finish refuses further updates, lets running handlers complete and returns the summary.
func (w *impl) finish(ctx workflow.Context) (State, error) {
	w.closing = true
	if err := workflow.Await(ctx, func() bool { return w.idle(ctx) }); err != nil {
		return w.canceled(ctx, err)
	}
	if w.localStripe >= 1 && w.answeredAt.Equal(workflow.Now(ctx)) {
		// An update answered in this workflow task, typically after its Stripe call ran locally
		// inside it. Should a webhook arrive while the task runs, the server refuses to complete
		// the workflow in it (unhandled command) and aborts the update whose answer rode on the
		// task, although Stripe acted: the caller would get an error for a refund that was made.
		// One timer tick puts the completion in a later task, after the answer is recorded.
		if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
			return w.canceled(ctx, err)
		}
	}
	w.drainEvents(ctx)
	w.state.Step = StepDone
	w.state.Closed = true
	w.logger.Info("Payment closed", "Status", w.state.Status)
	return w.snapshot(), nil
}

// canceled is the saga's compensation when the workflow itself is canceled: a hold still on
// the card is released. Money already captured stays captured; refunds are a business
// decision, not a compensation. It returns cause so that the run is recorded as canceled.
func (w *impl) canceled(ctx workflow.Context, cause error) (State, error) {
	w.closing = true
	// ctx is canceled; the compensation needs a context that is not.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if err := w.mu.Lock(dctx); err == nil {
		if w.state.Status == StatusAuthorized {
			w.releaseHold(dctx, "/abort", "abandoned", StatusCanceled)
		}
		w.mu.Unlock()
	}
	_ = workflow.Await(dctx, func() bool { return w.idle(dctx) })
	w.state.Step = StepDone
	w.state.Closed = true
	w.logger.Info("Payment workflow canceled", "Status", w.state.Status)
	return w.snapshot(), cause
}

// releaseHold cancels the PaymentIntent for the workflow's own reasons (expiry, workflow
// cancellation). Nobody waits for an answer, so a failure is only recorded in FailureCode:
// Stripe releases an uncaptured authorization by itself after about seven days.
func (w *impl) releaseHold(ctx workflow.Context, suffix, reason, status string) {
	w.state.Step = StepCancel
	if err := w.callCancel(ctx, w.key(suffix, w.wfID+suffix), reason); err != nil {
		f := classify(err)
		w.state.FailureCode = f.code
		w.logger.Warn("Releasing the authorization failed", "FailureCode", f.code)
	}
	w.state.Status = status
	w.state.Step = StepDone
}

// isCaptured reports whether money has been taken, so refunds are possible.
func isCaptured(status string) bool {
	return status == StatusCaptured || status == StatusPartiallyRefunded || status == StatusRefunded
}

// snapshot is what queries, updates and the workflow's result return: a copy of the live state
// that shares nothing with it, so a caller never sees a later change half made.
func (w *impl) snapshot() State { return w.state.clone() }

// clone deep-copies the state so that query and update results never alias live slices.
func (s State) clone() State {
	c := s
	c.Refunds = append([]Refund{}, s.Refunds...)
	c.Disputes = append([]Dispute{}, s.Disputes...)
	if s.AuthorizationExpiresAt != nil {
		t := *s.AuthorizationExpiresAt
		c.AuthorizationExpiresAt = &t
	}
	if s.RefundWindowEndsAt != nil {
		t := *s.RefundWindowEndsAt
		c.RefundWindowEndsAt = &t
	}
	return c
}
