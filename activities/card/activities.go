package card

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Audit actions, one per activity.
const (
	ActionAuthorize = "stripe.authorize"
	ActionCapture   = "stripe.capture"
	ActionCancel    = "stripe.cancel"
	ActionRefund    = "stripe.refund"
)

// Activities are the Stripe activities of the payments process. Register with
// worker.RegisterActivity(&Activities{...}); activity names are the method names, each also
// declared as a constant (AuthorizePaymentName, ...) for the workflow to call it by.
type Activities struct {
	Stripe  *stripe.Client
	Records audit.ActivityStore
	// Now is the clock for audit latencies; nil means time.Now.
	Now func() time.Time
}

// AuthorizePaymentName is the activity type name AuthorizePayment is registered under.
const AuthorizePaymentName = "AuthorizePayment"

// AuthorizePayment creates and confirms a PaymentIntent with manual capture, which places a
// hold on the card for Amount. A decline is a non-retryable ErrTypeCardDeclined error.
func (a *Activities) AuthorizePayment(ctx context.Context, in AuthorizeInput) (AuthorizeResult, error) {
	if err := requireFields("authorize", in.IdempotencyKey, in.WorkflowID); err != nil {
		return AuthorizeResult{}, err
	}
	ex := a.begin(ctx, ActionAuthorize, in.WorkflowID, in.IdempotencyKey)
	params := &stripe.PaymentIntentCreateParams{
		Amount:   stripe.Int64(in.Amount),
		Currency: stripe.String(in.Currency),
		// An explicit card-only list: with confirm=true, automatic payment methods would
		// require a return_url for redirect-based methods the engine cannot complete.
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		PaymentMethod:      stripe.String(in.PaymentMethod),
		Confirm:            stripe.Bool(true),
		CaptureMethod:      stripe.String(string(stripe.PaymentIntentCaptureMethodManual)),
		Metadata: map[string]string{
			crosswalk.StripeMetadataPaymentID:   in.PaymentID,
			crosswalk.StripeMetadataWorkflowID:  in.WorkflowID,
			crosswalk.StripeMetadataCustomerRef: in.CustomerRef,
		},
	}
	if in.Description != "" {
		params.Description = stripe.String(in.Description)
	}
	// Only a Stripe Customer id goes into customer; other references stay in metadata.
	if strings.HasPrefix(in.CustomerRef, "cus_") {
		params.Customer = stripe.String(in.CustomerRef)
	}
	key := in.IdempotencyKey
	if n := attempt(ctx); n > 1 {
		// An earlier attempt may have authorized without our learning it: its intent carries
		// the workflow ID in metadata.
		found, err := a.findAuthorization(ctx, in.WorkflowID)
		if err != nil {
			c := classify("authorize", err)
			ex.FinishFor(in.IdempotencyKey, c.outcome, c.code)
			return AuthorizeResult{}, c.err
		}
		if found != nil {
			return a.authorized(ctx, in, found, ex, "")
		}
		key = AttemptKey(in.IdempotencyKey, n)
	}
	params.SetIdempotencyKey(key)

	pi, err := a.Stripe.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		c := classify("authorize", err)
		exchange := firstNonEmpty(c.objectID, in.IdempotencyKey)
		if c.objectID != "" {
			// A declined intent still exists at Stripe and its webhooks name it.
			a.crosswalk(ctx, crosswalk.StripePaymentIntent, c.objectID, in.WorkflowID)
		}
		ex.FinishFor(exchange, c.outcome, c.code)
		return AuthorizeResult{}, c.err
	}
	return a.authorized(ctx, in, pi, ex, key)
}

// authorized turns the intent an authorization created or found into the activity's result.
func (a *Activities) authorized(ctx context.Context, in AuthorizeInput, pi *stripe.PaymentIntent, ex *audit.Exchange, key string) (AuthorizeResult, error) {
	res := AuthorizeResult{PaymentIntentID: pi.ID, Status: string(pi.Status), AmountCapturable: pi.AmountCapturable, IdempotencyKey: key}
	if pi.LatestCharge != nil {
		res.ChargeID = pi.LatestCharge.ID
	}
	a.crosswalk(ctx, crosswalk.StripePaymentIntent, pi.ID, in.WorkflowID)
	a.crosswalk(ctx, crosswalk.StripeCharge, res.ChargeID, in.WorkflowID)

	if pi.Status != stripe.PaymentIntentStatusRequiresCapture && pi.Status != stripe.PaymentIntentStatusSucceeded {
		// requires_action means the issuer wants 3-D Secure, which a server-side confirmation
		// cannot complete; Stripe calls this decline authentication_required off-session.
		ex.FinishFor(pi.ID, audit.OutcomeRejected, string(pi.Status))
		reason := "authentication_required"
		if pi.Status != stripe.PaymentIntentStatusRequiresAction {
			reason = "unexpected_status_" + string(pi.Status)
		}
		return res, temporal.NewNonRetryableApplicationError("card declined: "+reason, ErrTypeCardDeclined,
			&VendorError{Op: "authorize", HTTPStatus: statusOf(pi.LastResponse), Code: reason},
			DeclineInfo{Code: reason, HTTPStatus: statusOf(pi.LastResponse)})
	}
	ex.FinishFor(pi.ID, audit.OutcomeOK, strconv.Itoa(statusOf(pi.LastResponse)))
	return res, nil
}

// CapturePaymentName is the activity type name CapturePayment is registered under.
const CapturePaymentName = "CapturePayment"

// CapturePayment captures Amount (zero: everything authorized) of an authorized PaymentIntent.
func (a *Activities) CapturePayment(ctx context.Context, in CaptureInput) (CaptureResult, error) {
	if err := requireFields("capture", in.IdempotencyKey, in.WorkflowID, in.PaymentIntentID); err != nil {
		return CaptureResult{}, err
	}
	ex := a.begin(ctx, ActionCapture, in.WorkflowID, in.IdempotencyKey)
	params := &stripe.PaymentIntentCaptureParams{}
	if in.Amount > 0 {
		params.AmountToCapture = stripe.Int64(in.Amount)
	}
	key := in.IdempotencyKey
	if n := attempt(ctx); n > 1 {
		// The first attempt's key may hold a stored 500 that Stripe replays for a day: read
		// the intent, and capture under the next attempt key only if nothing was captured.
		cur, err := a.Stripe.V1PaymentIntents.Retrieve(ctx, in.PaymentIntentID, nil)
		if err != nil {
			c := classify("capture", err)
			ex.FinishFor(in.PaymentIntentID, c.outcome, c.code)
			return CaptureResult{}, c.err
		}
		switch cur.Status {
		case stripe.PaymentIntentStatusSucceeded:
			ex.FinishFor(cur.ID, audit.OutcomeOK, "already-captured")
			return CaptureResult{Status: string(cur.Status), AmountReceived: cur.AmountReceived}, nil
		case stripe.PaymentIntentStatusRequiresCapture:
			key = AttemptKey(in.IdempotencyKey, n)
		default:
			ex.FinishFor(cur.ID, audit.OutcomeRejected, string(cur.Status))
			return CaptureResult{}, unexpectedStatus("capture", cur.Status)
		}
	}
	params.SetIdempotencyKey(key)

	pi, err := a.Stripe.V1PaymentIntents.Capture(ctx, in.PaymentIntentID, params)
	if err != nil && unexpectedState(err) {
		// Stripe keeps idempotency keys for about a day and replays a stored 500 for the same
		// key; if this capture already happened, the intent says so and the step is done.
		if done, rerr := a.Stripe.V1PaymentIntents.Retrieve(ctx, in.PaymentIntentID, nil); rerr == nil &&
			done.Status == stripe.PaymentIntentStatusSucceeded {
			ex.FinishFor(done.ID, audit.OutcomeOK, "already-captured")
			return CaptureResult{Status: string(done.Status), AmountReceived: done.AmountReceived}, nil
		}
	}
	if err != nil {
		c := classify("capture", err)
		ex.FinishFor(in.PaymentIntentID, c.outcome, c.code)
		return CaptureResult{}, c.err
	}
	if pi.LatestCharge != nil {
		a.crosswalk(ctx, crosswalk.StripeCharge, pi.LatestCharge.ID, in.WorkflowID)
	}
	ex.FinishFor(pi.ID, audit.OutcomeOK, strconv.Itoa(statusOf(pi.LastResponse)))
	return CaptureResult{Status: string(pi.Status), AmountReceived: pi.AmountReceived, IdempotencyKey: key}, nil
}

// CancelPaymentName is the activity type name CancelPayment is registered under.
const CancelPaymentName = "CancelPayment"

// CancelPayment cancels a PaymentIntent, releasing its authorization.
func (a *Activities) CancelPayment(ctx context.Context, in CancelInput) (CancelResult, error) {
	if err := requireFields("cancel", in.IdempotencyKey, in.WorkflowID, in.PaymentIntentID); err != nil {
		return CancelResult{}, err
	}
	ex := a.begin(ctx, ActionCancel, in.WorkflowID, in.IdempotencyKey)
	params := &stripe.PaymentIntentCancelParams{}
	if in.Reason != "" {
		params.CancellationReason = stripe.String(in.Reason)
	}
	key := in.IdempotencyKey
	if n := attempt(ctx); n > 1 {
		// As for capture: read the intent before sending under the next attempt key.
		cur, err := a.Stripe.V1PaymentIntents.Retrieve(ctx, in.PaymentIntentID, nil)
		if err != nil {
			c := classify("cancel", err)
			ex.FinishFor(in.PaymentIntentID, c.outcome, c.code)
			return CancelResult{}, c.err
		}
		switch cur.Status {
		case stripe.PaymentIntentStatusCanceled:
			ex.FinishFor(cur.ID, audit.OutcomeOK, "already-canceled")
			return CancelResult{Status: string(cur.Status)}, nil
		case stripe.PaymentIntentStatusSucceeded, stripe.PaymentIntentStatusProcessing:
			ex.FinishFor(cur.ID, audit.OutcomeRejected, string(cur.Status))
			return CancelResult{}, unexpectedStatus("cancel", cur.Status)
		default:
			key = AttemptKey(in.IdempotencyKey, n)
		}
	}
	params.SetIdempotencyKey(key)

	pi, err := a.Stripe.V1PaymentIntents.Cancel(ctx, in.PaymentIntentID, params)
	if err != nil && unexpectedState(err) {
		// As for capture: a cancellation that already happened is the outcome this step wants.
		if done, rerr := a.Stripe.V1PaymentIntents.Retrieve(ctx, in.PaymentIntentID, nil); rerr == nil &&
			done.Status == stripe.PaymentIntentStatusCanceled {
			ex.FinishFor(done.ID, audit.OutcomeOK, "already-canceled")
			return CancelResult{Status: string(done.Status)}, nil
		}
	}
	if err != nil {
		c := classify("cancel", err)
		ex.FinishFor(in.PaymentIntentID, c.outcome, c.code)
		return CancelResult{}, c.err
	}
	ex.FinishFor(pi.ID, audit.OutcomeOK, strconv.Itoa(statusOf(pi.LastResponse)))
	return CancelResult{Status: string(pi.Status), IdempotencyKey: key}, nil
}

// RefundPaymentName is the activity type name RefundPayment is registered under.
const RefundPaymentName = "RefundPayment"

// RefundPayment refunds Amount (zero: whatever is left) of a captured PaymentIntent.
func (a *Activities) RefundPayment(ctx context.Context, in RefundInput) (RefundResult, error) {
	if err := requireFields("refund", in.IdempotencyKey, in.WorkflowID, in.PaymentIntentID); err != nil {
		return RefundResult{}, err
	}
	ex := a.begin(ctx, ActionRefund, in.WorkflowID, in.IdempotencyKey)
	params := &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(in.PaymentIntentID),
		// The base key finds this refund again if its answer is lost (see findRefund).
		Metadata: map[string]string{crosswalk.StripeMetadataWorkflowID: in.WorkflowID, MetadataKey: in.IdempotencyKey},
	}
	if in.PaymentID != "" {
		params.Metadata[crosswalk.StripeMetadataPaymentID] = in.PaymentID
	}
	if in.Amount > 0 {
		params.Amount = stripe.Int64(in.Amount)
	}
	if in.Reason != "" {
		params.Reason = stripe.String(in.Reason)
	}
	key := in.IdempotencyKey
	if n := attempt(ctx); n > 1 {
		// An earlier attempt may have refunded: its refund carries the base key in metadata.
		found, err := a.findRefund(ctx, in.PaymentIntentID, in.IdempotencyKey)
		if err != nil {
			c := classify("refund", err)
			ex.FinishFor(in.IdempotencyKey, c.outcome, c.code)
			return RefundResult{}, c.err
		}
		if found != nil {
			ex.FinishFor(found.ID, audit.OutcomeOK, "already-refunded")
			return RefundResult{RefundID: found.ID, Status: string(found.Status), Amount: found.Amount}, nil
		}
		key = AttemptKey(in.IdempotencyKey, n)
	}
	params.SetIdempotencyKey(key)

	re, err := a.Stripe.V1Refunds.Create(ctx, params)
	if err != nil {
		c := classify("refund", err)
		ex.FinishFor(in.IdempotencyKey, c.outcome, c.code)
		return RefundResult{}, c.err
	}
	a.crosswalk(ctx, crosswalk.StripeRefund, re.ID, in.WorkflowID)
	ex.FinishFor(re.ID, audit.OutcomeOK, strconv.Itoa(statusOf(re.LastResponse)))
	return RefundResult{RefundID: re.ID, Status: string(re.Status), Amount: re.Amount, IdempotencyKey: key}, nil
}

// begin opens the audit record of a Stripe exchange. Its process is the workflow the input
// names, which the activities also write in Stripe's metadata and the crosswalk.
func (a *Activities) begin(ctx context.Context, action, workflowID, exchange string) *audit.Exchange {
	ex := audit.Begin(ctx, a.Records, a.Now, action, "stripe", exchange)
	ex.Process = workflowID
	return ex
}

// crosswalk maps a Stripe object to its workflow. Webhooks also carry the workflow ID in
// metadata, so a failed write is logged rather than failing a call Stripe already made.
func (a *Activities) crosswalk(ctx context.Context, kind, externalID, workflowID string) {
	if a.Records == nil || externalID == "" || workflowID == "" {
		return
	}
	if err := a.Records.PutCrosswalk(ctx, kind, externalID, workflowID); err != nil {
		activity.GetLogger(ctx).Warn("crosswalk write failed", "kind", kind, "process", workflowID, "error", err)
	}
}

// requireFields rejects inputs that would make the call unsafe or meaningless; paymentIntentID
// is checked when given.
func requireFields(op, idempotencyKey, workflowID string, paymentIntentID ...string) error {
	switch {
	case strings.TrimSpace(idempotencyKey) == "" || len(idempotencyKey) > 255:
		return invalidInput(op, "idempotencyKey")
	case workflowID == "":
		return invalidInput(op, "workflowId")
	}
	for _, id := range paymentIntentID {
		if id == "" {
			return invalidInput(op, "paymentIntentId")
		}
	}
	return nil
}

// statusOf returns the HTTP status of a response, or 0 when stripe-go kept none.
func statusOf(r *stripe.APIResponse) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// unexpectedState reports Stripe's answer for an operation the intent's state no longer allows,
// such as capturing an intent that was already captured.
func unexpectedState(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && se.Code == stripe.ErrorCodePaymentIntentUnexpectedState
}
