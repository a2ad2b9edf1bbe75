package card_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/sim/stripesim"
)

// startSim runs the stateful Stripe simulator for one test.
func startSim(t *testing.T) *stripesim.Server {
	t.Helper()
	srv, err := stripesim.Start(stripesim.Options{SecretKey: testKey, WebhookSecret: "whsec_test"})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// authorized authorizes 5000 on a test Visa and returns the result.
func authorized(t *testing.T, h *harness) card.AuthorizeResult {
	t.Helper()
	in := authorizeInput()
	in.CustomerRef = "ref-77" // not a Stripe customer: the simulator would look cus_ ids up
	res, err := h.authorize(in)
	require.NoError(t, err)
	return res
}

func TestSimAuthorizeCaptureRefund(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)

	auth := authorized(t, h)
	assert.Equal(t, "requires_capture", auth.Status)
	assert.Equal(t, int64(5000), auth.AmountCapturable)
	require.NotEmpty(t, auth.ChargeID)

	captured, err := h.capture(card.CaptureInput{IdempotencyKey: "payment:p-1/capture", WorkflowID: "payment:p-1",
		PaymentIntentID: auth.PaymentIntentID, Amount: 4000})
	require.NoError(t, err)
	assert.Equal(t, card.CaptureResult{Status: "succeeded", AmountReceived: 4000, IdempotencyKey: "payment:p-1/capture"}, captured)

	ref, err := h.refund(card.RefundInput{IdempotencyKey: "payment:p-1/refund-1", WorkflowID: "payment:p-1",
		PaymentID: "p-1", PaymentIntentID: auth.PaymentIntentID, Amount: 1500, Reason: "requested_by_customer"})
	require.NoError(t, err)
	assert.Equal(t, int64(1500), ref.Amount)
	assert.NotEmpty(t, ref.RefundID)

	view, ok := srv.Sim.PaymentIntent(auth.PaymentIntentID)
	require.True(t, ok)
	assert.Equal(t, "succeeded", view.Status)
	assert.Equal(t, "manual", view.CaptureMethod)
	assert.Equal(t, int64(4000), view.AmountReceived)
	assert.Equal(t, int64(1500), view.AmountRefunded)
	assert.Equal(t, map[string]string{"payment_id": "p-1", "workflow_id": "payment:p-1", "customer_ref": "ref-77"}, view.Metadata)
	stats := srv.Sim.Stats()
	assert.Equal(t, 1, stats.Creates)
	assert.Equal(t, 1, stats.Captures)
	assert.Equal(t, 1, stats.Refunds)

	for kind, id := range map[string]string{
		crosswalk.StripePaymentIntent: auth.PaymentIntentID,
		crosswalk.StripeCharge:        auth.ChargeID,
		crosswalk.StripeRefund:        ref.RefundID,
	} {
		wf, err := h.store.LookupCrosswalk(t.Context(), kind, id)
		require.NoError(t, err, kind)
		assert.Equal(t, "payment:p-1", wf, kind)
	}
	var actions []string
	for _, r := range h.store.all() {
		assert.Equal(t, audit.OutcomeOK, r.Outcome)
		actions = append(actions, r.Action)
	}
	assert.Equal(t, []string{card.ActionAuthorize, card.ActionCapture, card.ActionRefund}, actions)
}

func TestSimDeclineIsNonRetryable(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	in := authorizeInput()
	in.CustomerRef = "ref-77"
	in.PaymentMethod = "pm_card_chargeDeclinedInsufficientFunds"

	_, err := h.authorize(in)
	ae := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, card.ErrTypeCardDeclined, ae.Type())
	assert.Equal(t, "card declined: insufficient_funds", ae.Message())
	var info card.DeclineInfo
	require.NoError(t, ae.Details(&info))
	assert.Equal(t, "card_declined", info.Code)
	assert.Equal(t, "insufficient_funds", info.DeclineCode)
	assert.Equal(t, http.StatusPaymentRequired, info.HTTPStatus)

	assert.Equal(t, 1, srv.Sim.Stats().Declines)
	recs := h.store.all()
	require.Len(t, recs, 1)
	assert.Equal(t, audit.OutcomeRejected, recs[0].Outcome)
	assert.Equal(t, "insufficient_funds", recs[0].Code)
}

func TestSimServerErrorsThenRetryCapturesOnce(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	auth := authorized(t, h)
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultServerError, Count: 2})

	// Each call is one activity attempt, as Temporal's retry policy would make them.
	in := card.CaptureInput{IdempotencyKey: "payment:p-1/capture", WorkflowID: "payment:p-1", PaymentIntentID: auth.PaymentIntentID}
	for attempt := 1; attempt <= 2; attempt++ {
		_, err := h.capture(in)
		assert.False(t, appErr(t, err).NonRetryable(), "attempt %d must be retryable", attempt)
	}
	res, err := h.capture(in)
	require.NoError(t, err)
	assert.Equal(t, int64(5000), res.AmountReceived)
	// A late duplicate attempt replays the saved result instead of capturing again.
	_, err = h.capture(in)
	require.NoError(t, err)

	stats := srv.Sim.Stats()
	assert.Equal(t, 1, stats.CapturesByIntent[auth.PaymentIntentID])
	assert.Equal(t, 2, stats.FaultsTriggered)
	assert.GreaterOrEqual(t, stats.Replays, 1)

	var outcomes []string
	for _, r := range h.store.all() {
		if r.Action == card.ActionCapture {
			outcomes = append(outcomes, r.Outcome+" "+r.Code)
		}
	}
	assert.Equal(t, []string{"error 500", "error 500", "ok 200", "ok 200"}, outcomes)
}

func TestSimLostResponseIsReplayedNotRepeated(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	auth := authorized(t, h)
	// The capture executes but its answer is lost: exactly the case idempotency keys exist for.
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultLost, Count: 1})

	in := card.CaptureInput{IdempotencyKey: "payment:p-1/capture", WorkflowID: "payment:p-1", PaymentIntentID: auth.PaymentIntentID}
	_, err := h.capture(in)
	assert.False(t, appErr(t, err).NonRetryable())
	res, err := h.capture(in)
	require.NoError(t, err)
	assert.Equal(t, "succeeded", res.Status)
	assert.Equal(t, 1, srv.Sim.Stats().CapturesByIntent[auth.PaymentIntentID])
}

func TestSimTimeoutAndRateLimitAreRetryable(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	auth := authorized(t, h)

	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultRateLimit, Count: 1})
	in := card.CaptureInput{IdempotencyKey: "payment:p-1/capture", WorkflowID: "payment:p-1", PaymentIntentID: auth.PaymentIntentID}
	_, err := h.capture(in)
	assert.False(t, appErr(t, err).NonRetryable(), "429")

	// A client whose timeout is shorter than the simulator's delay sees a timeout.
	short := newHarness(t, srv.URL)
	short.acts.Stripe = card.NewClient(srv.URL, testKey, &http.Client{Timeout: 100 * time.Millisecond})
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultTimeout, Count: 1, Delay: time.Second})
	_, err = short.capture(in)
	assert.False(t, appErr(t, err).NonRetryable(), "timeout")
	assert.Equal(t, "timeout", short.store.all()[0].Code)

	_, err = h.capture(in)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Sim.Stats().CapturesByIntent[auth.PaymentIntentID])
}

func TestSimCancelThenCaptureIsInvalid(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	auth := authorized(t, h)

	res, err := h.cancel(card.CancelInput{IdempotencyKey: "payment:p-1/cancel", WorkflowID: "payment:p-1",
		PaymentIntentID: auth.PaymentIntentID, Reason: "requested_by_customer"})
	require.NoError(t, err)
	assert.Equal(t, "canceled", res.Status)

	_, err = h.capture(card.CaptureInput{IdempotencyKey: "payment:p-1/capture", WorkflowID: "payment:p-1", PaymentIntentID: auth.PaymentIntentID})
	ae := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, card.ErrTypeInvalidRequest, ae.Type())
	assert.Equal(t, 0, srv.Sim.Stats().Captures)
}

func TestSimWrongKeyIsAuthenticationError(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	h.acts.Stripe = card.NewClient(srv.URL, "sk_test_wrong", &http.Client{Timeout: 5 * time.Second})
	_, err := h.authorize(authorizeInput())
	ae := appErr(t, err)
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, card.ErrTypeAuthentication, ae.Type())
	assert.NotContains(t, err.Error(), "sk_test_wrong")
}

// TestSimCaptureAfterIdempotencyKeyExpiredIsRecognised: Stripe forgets idempotency keys after a
// day, so a capture retried with a new key meets an already-captured intent; the activity
// reports the capture that happened instead of failing the step, and nothing is captured twice.
func TestSimCaptureAfterIdempotencyKeyExpiredIsRecognised(t *testing.T) {
	srv := startSim(t)
	h := newHarness(t, srv.URL)
	auth := authorized(t, h)
	first := card.CaptureInput{IdempotencyKey: "payment:p-9/capture", WorkflowID: "payment:p-9", PaymentIntentID: auth.PaymentIntentID}
	_, err := h.capture(first)
	require.NoError(t, err)
	again := first
	again.IdempotencyKey = "payment:p-9/capture-after-expiry"
	res, err := h.capture(again)
	require.NoError(t, err)
	assert.Equal(t, int64(5000), res.AmountReceived)
	assert.Equal(t, 1, srv.Sim.Stats().CapturesByIntent[auth.PaymentIntentID])

	// A capture of a canceled intent is still refused: only the state the step wants counts.
	in := authorizeInput()
	in.CustomerRef, in.IdempotencyKey = "ref-78", "payment:p-10/authorize"
	other, err := h.authorize(in)
	require.NoError(t, err)
	require.NotEqual(t, auth.PaymentIntentID, other.PaymentIntentID)
	_, err = h.cancel(card.CancelInput{IdempotencyKey: "payment:p-10/cancel", WorkflowID: "payment:p-10", PaymentIntentID: other.PaymentIntentID})
	require.NoError(t, err)
	_, err = h.capture(card.CaptureInput{IdempotencyKey: "payment:p-10/capture", WorkflowID: "payment:p-10", PaymentIntentID: other.PaymentIntentID})
	assert.True(t, appErr(t, err).NonRetryable())
	_, err = h.cancel(card.CancelInput{IdempotencyKey: "payment:p-10/cancel-2", WorkflowID: "payment:p-10", PaymentIntentID: other.PaymentIntentID})
	require.NoError(t, err, "canceling a canceled intent is the outcome the step wants")
}
