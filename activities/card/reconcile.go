package card

import (
	"context"
	"strconv"

	stripe "github.com/stripe/stripe-go/v85"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// MetadataKey is the refund metadata that carries the workflow's base idempotency key, so a
// refund whose answer was lost is found again among the intent's refunds.
const MetadataKey = "careflow_key"

// ActionRelease is the audit action of ReleaseAuthorizations.
const ActionRelease = "stripe.release"

// Stripe keeps the first result stored under an Idempotency-Key for 24 hours, a 500 included,
// and replays it to every retry with that key. So a retry never reuses its attempt's key
// blindly: from the second attempt on, the activity first reads Stripe's state (reconcile)
// and, if the step is not done, sends the request under the next attempt key. Keys stay
// deterministic: the workflow's base key (workflow ID + step + the workflow's call number)
// plus Temporal's attempt number, which the history records with the activity.

// attempt is Temporal's attempt number of the running activity (1 for the first).
func attempt(ctx context.Context) int32 {
	if !activity.IsActivity(ctx) {
		return 1
	}
	return activity.GetInfo(ctx).Attempt
}

// AttemptKey is the Idempotency-Key of attempt n of the step whose base key is base: the
// base itself for the first attempt, base + "#<n>" after it.
func AttemptKey(base string, n int32) string {
	if n <= 1 {
		return base
	}
	return base + "#" + strconv.Itoa(int(n))
}

// findAuthorization returns the newest intent whose metadata names workflowID, or nil.
func (a *Activities) findAuthorization(ctx context.Context, workflowID string) (*stripe.PaymentIntent, error) {
	params := &stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{
		Query: "metadata['" + crosswalk.StripeMetadataWorkflowID + "']:'" + workflowID + "'",
	}}
	params.Limit = stripe.Int64(10)
	list := a.Stripe.V1PaymentIntents.Search(ctx, params)
	for pi, err := range list.All(ctx) {
		if err != nil {
			return nil, err
		}
		if pi.Status != stripe.PaymentIntentStatusCanceled {
			return pi, nil
		}
	}
	return nil, nil
}

// findRefund returns the refund of intent piID whose metadata carries base key, or nil.
func (a *Activities) findRefund(ctx context.Context, piID, key string) (*stripe.Refund, error) {
	params := &stripe.RefundListParams{PaymentIntent: stripe.String(piID)}
	params.Limit = stripe.Int64(100)
	for re, err := range a.Stripe.V1Refunds.List(ctx, params).All(ctx) {
		if err != nil {
			return nil, err
		}
		if re.Metadata[MetadataKey] == key {
			return re, nil
		}
	}
	return nil, nil
}

// ReleaseAuthorizationsName is the activity type name ReleaseAuthorizations is registered under.
const ReleaseAuthorizationsName = "ReleaseAuthorizations"

// ReleaseAuthorizations cancels every uncaptured PaymentIntent whose metadata names the
// workflow. The workflow calls it when an authorization ended without a definite answer, so
// that a hold Stripe placed after all does not stay on the card for seven days. Stripe's
// search index lags writes by up to a minute, which the activity's schedule allows for.
func (a *Activities) ReleaseAuthorizations(ctx context.Context, in ReleaseInput) (ReleaseResult, error) {
	if err := requireFields("release", in.IdempotencyKey, in.WorkflowID); err != nil {
		return ReleaseResult{}, err
	}
	ex := a.begin(ctx, ActionRelease, in.WorkflowID, in.IdempotencyKey)
	params := &stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{
		Query: "metadata['" + crosswalk.StripeMetadataWorkflowID + "']:'" + in.WorkflowID + "'",
	}}
	var open []string
	for pi, err := range a.Stripe.V1PaymentIntents.Search(ctx, params).All(ctx) {
		if err != nil {
			c := classify("release", err)
			ex.FinishFor(in.IdempotencyKey, c.outcome, c.code)
			return ReleaseResult{}, c.err
		}
		switch pi.Status {
		case stripe.PaymentIntentStatusRequiresCapture, stripe.PaymentIntentStatusRequiresPaymentMethod,
			stripe.PaymentIntentStatusRequiresConfirmation, stripe.PaymentIntentStatusRequiresAction:
			open = append(open, pi.ID)
		}
	}
	res := ReleaseResult{Canceled: []string{}}
	for _, id := range open {
		p := &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String("abandoned")}
		p.SetIdempotencyKey(AttemptKey(in.IdempotencyKey+"/"+id, attempt(ctx)))
		// Each cancellation is an exchange of its own, with a record of its own.
		cex := a.begin(ctx, ActionRelease, in.WorkflowID, id)
		if _, err := a.Stripe.V1PaymentIntents.Cancel(ctx, id, p); err != nil && !unexpectedState(err) {
			c := classify("release", err)
			cex.Finish(c.outcome, c.code)
			return res, c.err
		}
		res.Canceled = append(res.Canceled, id)
		cex.Finish(audit.OutcomeOK, "canceled")
	}
	if len(open) == 0 {
		ex.FinishFor(in.IdempotencyKey, audit.OutcomeOK, "none")
	}
	return res, nil
}

// unexpectedStatus is the permanent error of a step whose intent is in a state the step can
// no longer change (a capture of a canceled intent).
func unexpectedStatus(op string, status stripe.PaymentIntentStatus) error {
	code := string(stripe.ErrorCodePaymentIntentUnexpectedState)
	return temporal.NewNonRetryableApplicationError("stripe rejected the request: "+code, ErrTypeInvalidRequest,
		&VendorError{Op: op, Code: code}, DeclineInfo{Code: code})
}
