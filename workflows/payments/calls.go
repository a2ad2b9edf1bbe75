package payments

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/workflows/internal/baseline"
	"github.com/careflow/engine/workflows/internal/call"
	"github.com/careflow/engine/workflows/internal/wait"
	"github.com/careflow/engine/workflows/opsattr"
)

// The workflow calls the Stripe activities by the names their package registers: calling by
// name keeps the workflow independent of the activity code and lets a worker in another
// language serve the same activities.

// ReconcileChangeID names the workflow.GetVersion change that brought Stripe reconciliation:
// per-call idempotency keys, updates that answer after UpdateWait while their Stripe call
// finishes in the background (status capturing), the release of an authorization left
// without a definite answer, and the 6-day default authorization TTL.
const ReconcileChangeID = "payments-reconcile"

// ReconcileVersion is the version of ReconcileChangeID new executions record.
const ReconcileVersion workflow.Version = 1

// changeLocalStripe names the workflow.GetVersion change that runs the money-moving Stripe
// calls (authorize, capture, cancel, refund) first as local activities (version 1), cancels
// the timers of the update wait and the authorization's expiry once they are no longer needed
// (version 2, awaitWithin), and runs the calls an update asks for as regular activities again
// (version 3, stripeCall).
const changeLocalStripe = "payments-local-stripe"

// localStripeVersion is the version of changeLocalStripe new executions record.
const localStripeVersion workflow.Version = 3

// Baseline (change "payments-baseline", version 1) stands for ReconcileChangeID,
// changeLocalStripe and the operator attributes' change at the versions new payments took: a new
// payment records one version marker and one TemporalChangeVersion upsert instead of three (see
// workflows/internal/baseline). A later change gets a change id of its own, asked through
// impl.ver; neither covered version is bumped again.
var Baseline = baseline.Baseline{ID: "payments-baseline", Covers: map[string]workflow.Version{
	ReconcileChangeID: 1, changeLocalStripe: 3, opsattr.ChangeID: 1,
}}

// updateWork marks the context of an update's work (bounded), whose Stripe calls are regular
// activities from version 3 of changeLocalStripe.
type updateWork struct{}

// awaitWithin waits until cond holds, at most timeout. From version 2 of changeLocalStripe its
// timer is canceled once cond holds (wait.Within): otherwise every update's UpdateWait timer
// fires 15 s later and the authorization's six days after the capture, each waking the
// payment for a workflow task that does nothing.
func (w *impl) awaitWithin(ctx workflow.Context, timeout time.Duration, cond func() bool) (bool, error) {
	if w.localStripe >= 2 {
		return wait.Within(ctx, timeout, cond)
	}
	return workflow.AwaitWithTimeout(ctx, timeout, cond)
}

// localStripeBudget is how long a Stripe call may run as a local activity before it carries on
// as the regular activity it was. A healthy Stripe answers in well under a second; five
// seconds keeps the workflow task, which holds back update answers and webhooks while a local
// activity runs, well inside its ten-second timeout. A Stripe that is slower or failing gets
// the regular activity with the whole retry budget, which operators see as a pending activity.
//
// Running a money-moving call again never moves money twice: every call carries its idempotency
// key (workflow ID + step + call number, recorded by replay), so a local activity re-run after a
// worker crash gets the answer Stripe stored under it; and from the second attempt on the
// activity reads Stripe's state before it sends anything under a new attempt key
// (activities/card). Which calls may run locally at all is stripeCall's rule.
const localStripeBudget = 5 * time.Second

// stripeCall runs a money-moving Stripe call: local first (version 1 of changeLocalStripe),
// else the regular activity. From version 3 only the calls the workflow makes on its own
// (authorize, automatic capture, the release of an expired or abandoned hold) run locally: the
// history already holds what drives them (the start, a fired timer), so after a crash the
// workflow replays to the same call with the same key. A call an update asks for runs as a
// regular activity: the update is only recorded when its workflow task completes, and a local
// call inside that task made the refund at Stripe before anything was durable. A worker killed
// there lost the update, the caller's retry met a payment the refund webhook had already
// marked refunded, and the refund was never recorded as the workflow's own (chaos run 8).
func stripeCall[O any](w *impl, ctx workflow.Context, opts workflow.ActivityOptions, name string, in any) (O, error) {
	local := w.localStripe >= 1
	if w.localStripe >= 3 && ctx.Value(updateWork{}) != nil {
		local = false
	}
	if local {
		return call.LocalFirst[O](ctx, opts, localStripeBudget, name, in)
	}
	return call.Activity[O](ctx, opts, name, in)
}

// UpdateWait bounds how long a capture, cancel or refund update waits for its Stripe call
// (version 1); the update then answers with the current state and the call goes on.
const UpdateWait = 15 * time.Second

// key returns the idempotency key of the next call of step: the legacy key for executions
// before ReconcileChangeID, else workflow ID + step + the step's call number, which the
// workflow records (Checkpoint.Calls) so that a repeated update gets a fresh key instead of
// a 500 Stripe stored under the last one.
func (w *impl) key(step, legacy string) string {
	if w.version < ReconcileVersion {
		return legacy
	}
	w.calls[step]++
	return w.wfID + step + "/" + strconv.Itoa(w.calls[step])
}

// FailureCode values for Stripe calls that never got a definite answer.
const (
	codeTimeout     = "stripe_timeout"
	codeUnavailable = "stripe_unavailable"
)

// stripeRetryPolicy is shared by every Stripe call: quick first retries for blips, capped at
// 30s so a recovering Stripe is noticed soon. The activities already mark permanent errors
// non-retryable; listing their types here keeps that true if an activity forgets.
func stripeRetryPolicy() *temporal.RetryPolicy {
	return call.Doubling(time.Second, 30*time.Second,
		card.ErrTypeCardDeclined, card.ErrTypeInvalidRequest, card.ErrTypeAuthentication)
}

// Every money-moving call runs on a disconnected context: once Stripe may have acted, the
// workflow waits for the answer even if it is canceled, so State records what Stripe did.

func (w *impl) callAuthorize(ctx workflow.Context) (card.AuthorizeResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return stripeCall[card.AuthorizeResult](w, dctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// A customer is waiting at the desk: after ten minutes of Stripe trouble the payment
		// is failed and the front desk takes payment another way.
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            stripeRetryPolicy(),
	}, card.AuthorizePaymentName, card.AuthorizeInput{
		IdempotencyKey: w.key("/authorize", w.wfID+"/authorize"),
		PaymentID:      w.in.PaymentID,
		WorkflowID:     w.wfID,
		Amount:         w.in.Amount,
		Currency:       w.in.Currency,
		CustomerRef:    w.in.CustomerRef,
		PaymentMethod:  w.in.PaymentMethod,
		Description:    w.in.Description,
	})
}

func (w *impl) callCapture(ctx workflow.Context, amount int64) (card.CaptureResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return stripeCall[card.CaptureResult](w, dctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// The money is already held on the card: keep trying for a day rather than give up
		// on a capture the clinic has decided to make.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            stripeRetryPolicy(),
	}, card.CapturePaymentName, card.CaptureInput{
		IdempotencyKey:  w.key("/capture", w.wfID+"/capture"),
		WorkflowID:      w.wfID,
		PaymentIntentID: w.state.PaymentIntentID,
		Amount:          amount,
	})
}

func (w *impl) callCancel(ctx workflow.Context, key, reason string) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	_, err := stripeCall[card.CancelResult](w, dctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// A hold blocks the customer's funds: keep trying for a day to release it.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            stripeRetryPolicy(),
	}, card.CancelPaymentName, card.CancelInput{
		IdempotencyKey:  key,
		WorkflowID:      w.wfID,
		PaymentIntentID: w.state.PaymentIntentID,
		Reason:          reason,
	})
	return err
}

func (w *impl) callRefund(ctx workflow.Context, key string, amount int64, reason string) (card.RefundResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return stripeCall[card.RefundResult](w, dctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// The customer is owed this money: keep trying for a day; the idempotency key makes
		// every retry the same refund.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            stripeRetryPolicy(),
	}, card.RefundPaymentName, card.RefundInput{
		IdempotencyKey:  key,
		WorkflowID:      w.wfID,
		PaymentIntentID: w.state.PaymentIntentID,
		Amount:          amount,
		Reason:          reason,
	})
}

// releaseOrphans cancels any hold Stripe placed for this workflow although the authorization
// never got a definite answer. A failure is only logged: Stripe releases a hold by itself.
func (w *impl) releaseOrphans(ctx workflow.Context) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	res, err := call.Activity[card.ReleaseResult](dctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// Stripe's search index lags by up to a minute and Stripe may be the reason the
		// authorization failed: keep looking for a day.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            stripeRetryPolicy(),
	}, card.ReleaseAuthorizationsName, card.ReleaseInput{
		IdempotencyKey: w.key("/release", w.wfID+"/release"),
		WorkflowID:     w.wfID,
	})
	if err != nil {
		w.logger.Warn("Releasing an orphaned authorization failed", "FailureCode", classify(err).code)
		return
	}
	w.logger.Info("Orphaned authorizations released", "Count", len(res.Canceled))
}

// failure is what the workflow needs to know about a failed Stripe call.
type failure struct {
	// errType is the stripe ErrType* when Stripe refused the request, else empty.
	errType string
	// code is Stripe's decline code or error code, or codeTimeout / codeUnavailable.
	code      string
	permanent bool
}

// classify reads an activity error. Permanent Stripe errors carry DeclineInfo details with
// Stripe's codes; anything else means the retry budget ran out without a definite answer.
func classify(err error) failure {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch t := appErr.Type(); t {
		case card.ErrTypeCardDeclined, card.ErrTypeInvalidRequest, card.ErrTypeAuthentication:
			var info card.DeclineInfo
			if appErr.HasDetails() {
				// Without readable details the error type stands in for the code.
				_ = appErr.Details(&info)
			}
			return failure{errType: t, code: firstNonEmpty(info.DeclineCode, info.Code, t), permanent: true}
		}
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		return failure{code: codeTimeout}
	}
	return failure{code: codeUnavailable}
}

// vendorUpdateError turns a failed Stripe call into an update error the API can map. The
// message holds the operation and Stripe's code only: never Stripe's free-text message.
func vendorUpdateError(op string, err error) error {
	f := classify(err)
	if f.permanent {
		return temporal.NewApplicationError("stripe rejected the "+op+": "+f.code, ErrTypeVendorRejected)
	}
	return temporal.NewApplicationError("stripe did not complete the "+op+": "+f.code, ErrTypeVendorUnavailable)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
