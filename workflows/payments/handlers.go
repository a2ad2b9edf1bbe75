package payments

import (
	"fmt"
	"strconv"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// registerUpdates binds the capture, cancel and refund updates with their validators.
// Validators only read state; a rejected update leaves no trace in the history.
func (w *impl) registerUpdates(ctx workflow.Context) error {
	capture := func(ctx workflow.Context, u CaptureUpdate) (State, error) {
		return w.bounded(ctx, func(ctx workflow.Context) (State, error) { return w.capture(ctx, u) })
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, CaptureUpdateName, capture,
		workflow.UpdateHandlerOptions{Validator: w.validateCapture}); err != nil {
		return err
	}
	cancel := func(ctx workflow.Context, u CancelUpdate) (State, error) {
		return w.bounded(ctx, func(ctx workflow.Context) (State, error) { return w.cancel(ctx, u) })
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, CancelUpdateName, cancel,
		workflow.UpdateHandlerOptions{Validator: w.validateCancel}); err != nil {
		return err
	}
	refund := func(ctx workflow.Context, u RefundUpdate) (State, error) {
		return w.bounded(ctx, func(ctx workflow.Context) (State, error) { return w.refund(ctx, u) })
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, RefundUpdateName, refund,
		workflow.UpdateHandlerOptions{Validator: w.validateRefund})
}

// bounded runs an update's work. Executions before ReconcileChangeID run it in the handler,
// which holds the update open for the whole Stripe retry budget. From version 1 the work runs
// on the workflow's own context and the handler waits at most UpdateWait: then it answers with
// the current state (for example capturing) and the work finishes in the background, so that
// no caller waits on the mutex or the retry budget and the API never times out.
func (w *impl) bounded(ctx workflow.Context, job func(workflow.Context) (State, error)) (State, error) {
	if w.version < ReconcileVersion {
		return job(ctx)
	}
	var (
		done     bool
		answered bool
		res      State
		jobErr   error
	)
	w.jobs++
	workflow.Go(workflow.WithValue(w.root, updateWork{}, true), func(gctx workflow.Context) {
		defer func() { w.jobs-- }()
		res, jobErr = job(gctx)
		done = true
		if answered && jobErr != nil {
			// The caller already has the state; the outcome shows in the next query.
			w.logger.Warn("Background payment update failed", "Status", w.state.Status)
		}
	})
	ok, err := w.awaitWithin(ctx, UpdateWait, func() bool { return done })
	answered = true
	w.answeredAt = workflow.Now(ctx)
	if err != nil {
		return w.snapshot(), err
	}
	if !ok {
		return w.snapshot(), nil
	}
	return res, jobErr
}

// rejected is the error for an update the payment refuses in its current state. Messages
// hold statuses, amounts and codes only.
func rejected(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeRejected)
}

// validateCapture accepts a capture while authorizing (it waits for the outcome) or
// authorized, for at most what is or will be held. The handler runs it again under the mutex.
func (w *impl) validateCapture(u CaptureUpdate) error {
	if u.Amount < 0 {
		return rejected("capture amount must not be negative")
	}
	if w.closing || w.expiring {
		return rejected("cannot capture: the authorization is no longer open")
	}
	var limit int64
	switch w.state.Status {
	case StatusAuthorizing:
		limit = w.in.Amount
	case StatusAuthorized:
		limit = w.state.AuthorizedAmount
	default:
		return rejected("cannot capture a payment that is %s", w.state.Status)
	}
	if u.Amount > limit {
		return rejected("capture amount %d exceeds the authorized amount %d", u.Amount, limit)
	}
	return nil
}

// capture takes all or part of the held amount and opens the refund window.
func (w *impl) capture(ctx workflow.Context, u CaptureUpdate) (State, error) {
	// A capture sent while Stripe is still authorizing waits for the outcome.
	if err := workflow.Await(ctx, func() bool { return w.state.Status != StatusAuthorizing }); err != nil {
		return w.snapshot(), err
	}
	if err := w.mu.Lock(ctx); err != nil {
		return w.snapshot(), err
	}
	defer w.mu.Unlock()
	// Another capture, a cancel or the expiry may have won while this one waited.
	if err := w.validateCapture(u); err != nil {
		return w.snapshot(), err
	}
	w.state.Step = StepCapture
	if w.version >= ReconcileVersion {
		// Cancel, a second capture and expiry see that a capture is under way.
		w.state.Status = StatusCapturing
	}
	res, err := w.callCapture(ctx, u.Amount)
	if err != nil {
		// The hold is untouched: the payment is still authorized and can be captured again.
		w.state.Status = StatusAuthorized
		w.state.Step = StepAwaitCapture
		return w.snapshot(), vendorUpdateError("capture", err)
	}
	captured := res.AmountReceived
	if captured <= 0 {
		// Stripe reports amount_received; fall back to what was asked for if it is missing.
		captured = u.Amount
		if captured == 0 {
			captured = w.state.AuthorizedAmount
		}
	}
	ends := workflow.Now(ctx).Add(w.in.RefundWindow())
	w.state.Status = StatusCaptured
	w.state.Step = StepRefundWindow
	w.state.CapturedAmount = captured
	w.state.RefundWindowEndsAt = &ends
	// A charge.refunded event that raced ahead of this answer is accounted for now.
	w.settleRefunds()
	w.logger.Info("Payment captured", "CapturedAmount", captured)
	return w.snapshot(), nil
}

// validateCancel accepts a cancel while the authorization is pending or open.
func (w *impl) validateCancel(u CancelUpdate) error {
	if !CancelReasons[u.Reason] {
		return rejected("cancellation reason is not one Stripe accepts")
	}
	if w.closing || w.expiring {
		return rejected("cannot cancel: the authorization is no longer open")
	}
	if w.state.Status != StatusAuthorizing && w.state.Status != StatusAuthorized {
		return rejected("cannot cancel a payment that is %s", w.state.Status)
	}
	return nil
}

// cancel releases the hold; the workflow then completes with Status canceled.
func (w *impl) cancel(ctx workflow.Context, u CancelUpdate) (State, error) {
	if err := workflow.Await(ctx, func() bool { return w.state.Status != StatusAuthorizing }); err != nil {
		return w.snapshot(), err
	}
	if err := w.mu.Lock(ctx); err != nil {
		return w.snapshot(), err
	}
	defer w.mu.Unlock()
	if err := w.validateCancel(u); err != nil {
		return w.snapshot(), err
	}
	w.state.Step = StepCancel
	if err := w.callCancel(ctx, w.key("/cancel", w.wfID+"/cancel"), u.Reason); err != nil {
		w.state.Step = StepAwaitCapture
		return w.snapshot(), vendorUpdateError("cancellation", err)
	}
	w.state.Status = StatusCanceled
	w.state.Step = StepDone
	w.logger.Info("Payment canceled", "Reason", u.Reason)
	return w.snapshot(), nil
}

// validateRefund accepts a refund of at most what is captured and not yet refunded, while
// the refund window is open.
func (w *impl) validateRefund(ctx workflow.Context, u RefundUpdate) error {
	if !RefundReasons[u.Reason] {
		return rejected("refund reason is not one Stripe accepts")
	}
	if u.Amount < 0 {
		return rejected("refund amount must not be negative")
	}
	if w.state.Status != StatusCaptured && w.state.Status != StatusPartiallyRefunded {
		return rejected("cannot refund a payment that is %s", w.state.Status)
	}
	if w.closing || !workflow.Now(ctx).Before(*w.state.RefundWindowEndsAt) {
		return rejected("the refund window has closed")
	}
	if remaining := w.state.CapturedAmount - w.state.RefundedAmount; u.Amount > remaining {
		return rejected("refund amount %d exceeds the refundable amount %d", u.Amount, remaining)
	}
	return nil
}

// refund returns money to the card. Each attempt gets the next sequence number in its
// idempotency key: a retried activity repeats the same refund, a new update makes a new one.
func (w *impl) refund(ctx workflow.Context, u RefundUpdate) (State, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.snapshot(), err
	}
	defer w.mu.Unlock()
	// An earlier refund may have used up the amount while this one waited.
	if err := w.validateRefund(ctx, u); err != nil {
		return w.snapshot(), err
	}
	amount := u.Amount
	if amount == 0 {
		// Sent explicitly so Stripe refunds exactly what the workflow believes remains.
		amount = w.state.CapturedAmount - w.state.RefundedAmount
	}
	w.refundSeq++
	key := w.wfID + "/refund/" + strconv.Itoa(w.refundSeq)
	// base is what was refunded before this call; charge.refunded events may raise
	// RefundedAmount while the call runs, and may or may not include this refund.
	base := w.state.RefundedAmount
	w.state.Step = StepRefund
	res, err := w.callRefund(ctx, key, amount, u.Reason)
	w.state.Step = StepRefundWindow
	if err != nil {
		return w.snapshot(), vendorUpdateError("refund", err)
	}
	refunded := res.Amount
	if refunded <= 0 {
		refunded = amount
	}
	w.state.Refunds = append(w.state.Refunds, Refund{
		RefundID:  res.RefundID,
		Amount:    refunded,
		Reason:    u.Reason,
		Status:    res.Status,
		CreatedAt: workflow.Now(ctx),
	})
	w.state.RefundedAmount = base + refunded
	w.settleRefunds()
	w.logger.Info("Payment refunded", "Amount", refunded, "RefundedAmount", w.state.RefundedAmount)
	return w.snapshot(), nil
}

// settleRefunds raises RefundedAmount to the cumulative amount Stripe confirmed and derives
// the status. Raising (never adding) counts a refund made in the Stripe dashboard, and never
// counts twice a refund whose webhook arrived before the activity's answer: the refund
// handler adds its amount to the total from before its call, and this takes the larger.
// When both happen at once the total is low until Stripe's next cumulative report; a low
// total only lets Stripe refuse an over-refund, a high one would refuse a rightful refund.
func (w *impl) settleRefunds() {
	if !isCaptured(w.state.Status) {
		return
	}
	w.state.RefundedAmount = max(w.state.RefundedAmount, w.state.RefundConfirmedAmount)
	switch {
	case w.state.RefundedAmount >= w.state.CapturedAmount:
		w.state.Status = StatusRefunded
	case w.state.RefundedAmount > 0:
		w.state.Status = StatusPartiallyRefunded
	default:
		w.state.Status = StatusCaptured
	}
}
