package payments_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/internal/wftest"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
	"github.com/careflow/engine/workflows/payments"
)

const (
	paymentID = "pay-1001"
	intentID  = "pi_test_1"
	// phrase stands for free text that must never reach an error message.
	phrase = "Jane Doe knee MRI"
)

var (
	wfID  = payments.WorkflowID(paymentID)
	start = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
)

// newEnv builds a test environment whose Stripe activities exist only by name, as the
// workflow calls them, so every call must be mocked with OnActivity.
func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID, TaskQueue: payments.TaskQueue})
	payments.Register(env)
	wftest.Stub[card.AuthorizeInput, card.AuthorizeResult](env, card.AuthorizePaymentName)
	wftest.Stub[card.CaptureInput, card.CaptureResult](env, card.CapturePaymentName)
	wftest.Stub[card.CancelInput, card.CancelResult](env, card.CancelPaymentName)
	wftest.Stub[card.RefundInput, card.RefundResult](env, card.RefundPaymentName)
	wftest.Stub[card.ReleaseInput, card.ReleaseResult](env, card.ReleaseAuthorizationsName)
	return env
}

func input() payments.Input {
	return payments.Input{
		PaymentID:     paymentID,
		Amount:        10000,
		Currency:      "USD",
		CustomerRef:   "cus_123",
		PaymentMethod: "pm_card_visa",
		Description:   phrase,
	}
}

// expectAuthorize mocks a successful authorization of the whole amount, checking every field
// the workflow sends, the idempotency key included.
func expectAuthorize(env *testsuite.TestWorkflowEnvironment) *testsuite.MockCallWrapper {
	return env.OnActivity(card.AuthorizePaymentName, mock.Anything, card.AuthorizeInput{
		IdempotencyKey: wfID + "/authorize/1",
		PaymentID:      paymentID,
		WorkflowID:     wfID,
		Amount:         10000,
		Currency:       "usd",
		CustomerRef:    "cus_123",
		PaymentMethod:  "pm_card_visa",
		Description:    phrase,
	}).Return(card.AuthorizeResult{PaymentIntentID: intentID, Status: "requires_capture", AmountCapturable: 10000}, nil).Once()
}

func expectCapture(env *testsuite.TestWorkflowEnvironment, amount, received int64) *testsuite.MockCallWrapper {
	return env.OnActivity(card.CapturePaymentName, mock.Anything, card.CaptureInput{
		IdempotencyKey: wfID + "/capture/1", WorkflowID: wfID, PaymentIntentID: intentID, Amount: amount,
	}).Return(card.CaptureResult{Status: "succeeded", AmountReceived: received}, nil).Once()
}

func expectRefund(env *testsuite.TestWorkflowEnvironment, seq string, amount int64, reason string) *testsuite.MockCallWrapper {
	return env.OnActivity(card.RefundPaymentName, mock.Anything, card.RefundInput{
		IdempotencyKey: wfID + "/refund/" + seq, WorkflowID: wfID, PaymentIntentID: intentID, Amount: amount, Reason: reason,
	}).Return(card.RefundResult{RefundID: "re_" + seq, Status: "succeeded", Amount: amount}, nil).Once()
}

func expectCancel(env *testsuite.TestWorkflowEnvironment, suffix, reason string) *testsuite.MockCallWrapper {
	return env.OnActivity(card.CancelPaymentName, mock.Anything, card.CancelInput{
		IdempotencyKey: wfID + suffix + "/1", WorkflowID: wfID, PaymentIntentID: intentID, Reason: reason,
	}).Return(card.CancelResult{Status: "canceled"}, nil).Once()
}

// outcome records what happened to one update.
type outcome struct {
	accepted, rejected, completed bool
	err                           error
	state                         payments.State
}

// update sends an update after a delay on the workflow clock.
func update(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg any) *outcome {
	out := &outcome{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept: func() { out.accepted = true },
			OnReject: func(err error) { out.rejected, out.err = true, err },
			OnComplete: func(v any, err error) {
				out.completed, out.err = true, err
				if s, ok := v.(payments.State); ok {
					out.state = s
				}
			},
		}, arg)
	}, after)
	return out
}

// query captures the live state at a point on the workflow clock.
func query(env *testsuite.TestWorkflowEnvironment, at time.Duration) *payments.State {
	var s payments.State
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(payments.StatusQuery)
		if err == nil {
			err = v.Get(&s)
		}
		if err != nil {
			s.Status = "query error: " + err.Error()
		}
	}, at)
	return &s
}

func signal(env *testsuite.TestWorkflowEnvironment, at time.Duration, ev payments.StripeEventSignal) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(payments.StripeEventSignalName, ev) }, at)
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) payments.State {
	t.Helper()
	return wftest.Result[payments.State](t, env)
}

func requireErrType(t *testing.T, err error, errType string) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errType, appErr.Type(), appErr.Error())
	require.NotContains(t, appErr.Error(), phrase)
	return appErr
}

func ptr(t time.Time) *time.Time { return &t }

func TestHappyPathPartialCaptureTwoRefunds(t *testing.T) {
	env := newEnv(t)
	asked := baselinetest.Asked(env)
	expectAuthorize(env)
	expectCapture(env, 6000, 6000)
	expectRefund(env, "1", 2500, "requested_by_customer")
	expectRefund(env, "2", 3500, "")

	authorized := query(env, time.Minute)
	captured := update(env, 2*time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 6000})
	first := update(env, 3*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 2500, Reason: "requested_by_customer"})
	partial := query(env, 4*time.Minute)
	rest := update(env, 5*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.Equal(t, payments.StatusAuthorized, authorized.Status)
	require.Equal(t, payments.StepAwaitCapture, authorized.Step)
	require.Equal(t, intentID, authorized.PaymentIntentID)
	require.Equal(t, int64(10000), authorized.AuthorizedAmount)
	require.Equal(t, ptr(start.Add(payments.DefaultAuthorizationTTL)), authorized.AuthorizationExpiresAt)
	require.False(t, authorized.Closed)

	require.True(t, captured.accepted)
	require.NoError(t, captured.err)
	require.Equal(t, payments.StatusCaptured, captured.state.Status)
	require.Equal(t, payments.StepRefundWindow, captured.state.Step)
	require.Equal(t, int64(6000), captured.state.CapturedAmount)
	require.Equal(t, ptr(start.Add(2*time.Minute+payments.DefaultRefundWindow)), captured.state.RefundWindowEndsAt)

	require.NoError(t, first.err)
	require.Equal(t, payments.StatusPartiallyRefunded, first.state.Status)
	require.Equal(t, int64(2500), first.state.RefundedAmount)
	require.Equal(t, payments.StatusPartiallyRefunded, partial.Status)
	require.Len(t, partial.Refunds, 1)

	require.NoError(t, rest.err)
	require.Equal(t, payments.StatusRefunded, rest.state.Status)

	final := result(t, env)
	require.Equal(t, payments.StatusRefunded, final.Status)
	require.Equal(t, payments.StepDone, final.Step)
	require.True(t, final.Closed)
	require.Equal(t, int64(6000), final.CapturedAmount)
	require.Equal(t, int64(6000), final.RefundedAmount)
	require.Equal(t, []payments.Refund{
		{RefundID: "re_1", Amount: 2500, Reason: "requested_by_customer", Status: "succeeded", CreatedAt: start.Add(3 * time.Minute)},
		{RefundID: "re_2", Amount: 3500, Status: "succeeded", CreatedAt: start.Add(5 * time.Minute)},
	}, final.Refunds)
	// A new payment records its baseline's version marker and asks nothing else.
	require.Equal(t, []string{payments.Baseline.ID}, *asked)
	env.AssertExpectations(t)
}

func TestCaptureAboveAuthorizationRejected(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCancel(env, "/cancel", "")

	tooMuch := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 10001})
	negative := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: -1})
	update(env, 2*time.Minute, payments.CancelUpdateName, payments.CancelUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.True(t, tooMuch.rejected)
	require.False(t, tooMuch.accepted)
	appErr := requireErrType(t, tooMuch.err, payments.ErrTypeRejected)
	require.Contains(t, appErr.Error(), "10000")
	require.True(t, negative.rejected)
	requireErrType(t, negative.err, payments.ErrTypeRejected)
	env.AssertActivityNumberOfCalls(t, card.CapturePaymentName, 0)
	require.Equal(t, payments.StatusCanceled, result(t, env).Status)
	env.AssertExpectations(t)
}

func TestRefundAboveCapturedRejected(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 6000, 6000)
	in := input()
	in.RefundWindowSeconds = 3600

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 6000})
	tooMuch := update(env, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 6001})
	badReason := update(env, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 1, Reason: phrase})

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.True(t, tooMuch.rejected)
	requireErrType(t, tooMuch.err, payments.ErrTypeRejected)
	require.True(t, badReason.rejected)
	requireErrType(t, badReason.err, payments.ErrTypeRejected)
	env.AssertActivityNumberOfCalls(t, card.RefundPaymentName, 0)
	final := result(t, env)
	require.Equal(t, payments.StatusCaptured, final.Status)
	require.Zero(t, final.RefundedAmount)
	env.AssertExpectations(t)
}

func TestCaptureBeforeAuthorizationWaits(t *testing.T) {
	env := newEnv(t)
	// Stripe takes 20s to authorize; the capture arrives after 1s.
	expectAuthorize(env).After(20 * time.Second)
	expectCapture(env, 0, 10000)
	expectRefund(env, "1", 10000, "")

	authorizing := query(env, 500*time.Millisecond)
	early := update(env, time.Second, payments.CaptureUpdateName, payments.CaptureUpdate{})
	waiting := query(env, 5*time.Second)
	later := query(env, 30*time.Second)
	update(env, time.Minute, payments.RefundUpdateName, payments.RefundUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.Equal(t, payments.StatusAuthorizing, authorizing.Status)
	require.Equal(t, payments.StepAuthorize, authorizing.Step)
	require.True(t, early.accepted)
	require.NoError(t, early.err)
	// The update answers after UpdateWait with the state it finds; the capture goes on.
	require.Equal(t, payments.StatusAuthorizing, early.state.Status)
	// Accepted but still waiting for the authorization five seconds in.
	require.Equal(t, payments.StatusAuthorizing, waiting.Status)
	require.Equal(t, payments.StatusCaptured, later.Status)
	require.Equal(t, int64(10000), later.CapturedAmount)
	require.Equal(t, payments.StatusRefunded, result(t, env).Status)
	env.AssertExpectations(t)
}

func TestCardDeclined(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.Anything).
		Return(card.AuthorizeResult{}, temporal.NewNonRetryableApplicationError(
			"card declined: insufficient_funds", card.ErrTypeCardDeclined, nil,
			card.DeclineInfo{Code: "card_declined", DeclineCode: "insufficient_funds", HTTPStatus: 402})).
		After(5 * time.Second).Once()
	// A capture that arrives while authorizing is accepted, then refused by the decline.
	early := update(env, time.Second, payments.CaptureUpdateName, payments.CaptureUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	final := result(t, env)
	require.Equal(t, payments.StatusDeclined, final.Status)
	require.Equal(t, "insufficient_funds", final.FailureCode)
	require.Equal(t, payments.StepDone, final.Step)
	require.True(t, final.Closed)
	require.Zero(t, final.AuthorizedAmount)
	require.True(t, early.accepted)
	requireErrType(t, early.err, payments.ErrTypeRejected)
	env.AssertActivityNumberOfCalls(t, card.CapturePaymentName, 0)
	env.AssertExpectations(t)
}

func TestAuthorizeRetriesExhausted(t *testing.T) {
	env := newEnv(t)
	var calls atomic.Int32 // local and regular attempts run on different goroutines
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.Anything).
		Return(func(context.Context, card.AuthorizeInput) (card.AuthorizeResult, error) {
			calls.Add(1)
			return card.AuthorizeResult{}, errors.New("stripe authorize: http 503")
		})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	final := result(t, env)
	require.Equal(t, payments.StatusFailed, final.Status)
	require.Equal(t, "stripe_unavailable", final.FailureCode)
	require.True(t, final.Closed)
	require.Greater(t, calls.Load(), int32(1), "transient errors are retried")
	// The 10-minute budget ends the retries: the clock never goes past it.
	require.LessOrEqual(t, env.Now().Sub(start), 10*time.Minute)
}

// A Stripe call runs first as a local activity; when Stripe is still failing at the end of
// the local budget, the same call (same idempotency key) carries on as the regular activity.
func TestStripeCallCarriesOnAsActivityAfterLocalBudget(t *testing.T) {
	env := newEnv(t)
	var (
		mu      sync.Mutex // local and regular attempts run on different goroutines
		keys    []string
		regular bool
	)
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.Anything).
		Return(func(ctx context.Context, in card.AuthorizeInput) (card.AuthorizeResult, error) {
			mu.Lock()
			defer mu.Unlock()
			keys = append(keys, in.IdempotencyKey)
			if !activity.GetInfo(ctx).IsLocalActivity {
				regular = true
				return card.AuthorizeResult{PaymentIntentID: intentID, Status: "requires_capture", AmountCapturable: 10000}, nil
			}
			return card.AuthorizeResult{}, errors.New("stripe authorize: http 503")
		})
	cancel := update(env, time.Minute, payments.CancelUpdateName, payments.CancelUpdate{Reason: "abandoned"})
	expectCancel(env, "/cancel", "abandoned")

	env.ExecuteWorkflow(payments.WorkflowName, input())

	final := result(t, env)
	mu.Lock()
	defer mu.Unlock()
	require.True(t, regular, "the regular activity took over")
	require.Greater(t, len(keys), 2, "the local attempts were retried within the budget first")
	for _, k := range keys {
		require.Equal(t, wfID+"/authorize/1", k, "every attempt is the same Stripe call")
	}
	require.True(t, cancel.completed)
	require.Equal(t, payments.StatusCanceled, final.Status)
	env.AssertExpectations(t)
}

func TestAuthorizePermanentErrorFails(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.Anything).
		Return(card.AuthorizeResult{}, temporal.NewNonRetryableApplicationError(
			"stripe rejected the request: parameter_invalid_integer", card.ErrTypeInvalidRequest, nil,
			card.DeclineInfo{Code: "parameter_invalid_integer", HTTPStatus: 400})).Once()

	env.ExecuteWorkflow(payments.WorkflowName, input())

	final := result(t, env)
	require.Equal(t, payments.StatusFailed, final.Status)
	require.Equal(t, "parameter_invalid_integer", final.FailureCode)
	env.AssertExpectations(t)
}

func TestAuthorizationExpires(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	var canceledAt time.Time
	env.OnActivity(card.CancelPaymentName, mock.Anything, card.CancelInput{
		IdempotencyKey: wfID + "/expire/1", WorkflowID: wfID, PaymentIntentID: intentID, Reason: "abandoned",
	}).Return(func(context.Context, card.CancelInput) (card.CancelResult, error) {
		canceledAt = env.Now()
		return card.CancelResult{Status: "canceled"}, nil
	}).Once()
	in := input()
	in.AuthorizationTTLSeconds = 3600

	env.ExecuteWorkflow(payments.WorkflowName, in)

	final := result(t, env)
	require.Equal(t, payments.StatusExpired, final.Status)
	require.Equal(t, payments.StepDone, final.Step)
	require.True(t, final.Closed)
	require.Equal(t, ptr(start.Add(time.Hour)), final.AuthorizationExpiresAt)
	require.False(t, canceledAt.Before(start.Add(time.Hour)), "released at %v, before the TTL", canceledAt)
	env.AssertActivityNumberOfCalls(t, card.CapturePaymentName, 0)
	env.AssertExpectations(t)
}

func TestCancelUpdate(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCancel(env, "/cancel", "requested_by_customer")

	badReason := update(env, time.Minute, payments.CancelUpdateName, payments.CancelUpdate{Reason: "changed mind"})
	canceled := update(env, 2*time.Minute, payments.CancelUpdateName, payments.CancelUpdate{Reason: "requested_by_customer"})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.True(t, badReason.rejected)
	requireErrType(t, badReason.err, payments.ErrTypeRejected)
	require.True(t, canceled.accepted)
	require.NoError(t, canceled.err)
	require.Equal(t, payments.StatusCanceled, canceled.state.Status)
	final := result(t, env)
	require.Equal(t, payments.StatusCanceled, final.Status)
	require.True(t, final.Closed)
	require.Zero(t, final.CapturedAmount)
	env.AssertExpectations(t)
}

func TestCaptureVendorRejectionKeepsAuthorization(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	env.OnActivity(card.CapturePaymentName, mock.Anything, mock.Anything).
		Return(card.CaptureResult{}, temporal.NewNonRetryableApplicationError(
			"stripe rejected the request: amount_too_large", card.ErrTypeInvalidRequest, nil,
			card.DeclineInfo{Code: "amount_too_large", HTTPStatus: 400})).Once()
	expectCancel(env, "/cancel", "")

	failed := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 5000})
	after := query(env, 2*time.Minute)
	update(env, 3*time.Minute, payments.CancelUpdateName, payments.CancelUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.True(t, failed.accepted)
	appErr := requireErrType(t, failed.err, payments.ErrTypeVendorRejected)
	require.Contains(t, appErr.Error(), "amount_too_large")
	require.Equal(t, payments.StatusAuthorized, after.Status)
	require.Equal(t, payments.StepAwaitCapture, after.Step)
	require.Zero(t, after.CapturedAmount)
	require.Equal(t, payments.StatusCanceled, result(t, env).Status)
	env.AssertExpectations(t)
}

func TestConcurrentCapturesOnlyOneWins(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 5000, 5000).After(10 * time.Second)
	in := input()
	in.RefundWindowSeconds = 3600

	first := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 5000})
	second := update(env, time.Minute+time.Second, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 3000})

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.NoError(t, first.err)
	// The first capture is running: the second is refused at once instead of waiting on it.
	require.True(t, second.rejected, "the validator saw a capture under way")
	appErr := requireErrType(t, second.err, payments.ErrTypeRejected)
	require.Contains(t, appErr.Error(), payments.StatusCapturing)
	require.Equal(t, int64(5000), result(t, env).CapturedAmount)
	env.AssertExpectations(t)
}

func TestDuplicateStripeEventAppliedOnce(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	in := input()
	in.RefundWindowSeconds = 3600
	succeeded := payments.StripeEventSignal{
		EventID: "evt_1", Type: payments.EventPaymentIntentSucceeded, PaymentIntentID: intentID, Amount: 10000,
	}

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	signal(env, 2*time.Minute, succeeded)
	signal(env, 3*time.Minute, succeeded)
	signal(env, 4*time.Minute, payments.StripeEventSignal{
		EventID: "evt_other", Type: payments.EventPaymentIntentSucceeded, PaymentIntentID: "pi_someone_else",
	})
	mid := query(env, 5*time.Minute)

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.True(t, mid.CaptureConfirmed)
	require.Equal(t, 1, mid.EventsApplied)
	final := result(t, env)
	require.Equal(t, 1, final.EventsApplied)
	require.True(t, final.CaptureConfirmed)
	env.AssertExpectations(t)
}

func TestDashboardRefundRaisesRefundedAmount(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	// The remaining 7500, not the full amount: Stripe already refunded 2500.
	expectRefund(env, "1", 7500, "")

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	signal(env, 2*time.Minute, payments.StripeEventSignal{
		EventID: "evt_r1", Type: payments.EventChargeRefunded, PaymentIntentID: intentID, ChargeID: "ch_1", AmountRefunded: 2500,
	})
	mid := query(env, 3*time.Minute)
	tooMuch := update(env, 4*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 8000})
	update(env, 5*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.Equal(t, payments.StatusPartiallyRefunded, mid.Status)
	require.Equal(t, int64(2500), mid.RefundedAmount)
	require.Equal(t, int64(2500), mid.RefundConfirmedAmount)
	require.Empty(t, mid.Refunds)
	requireErrType(t, tooMuch.err, payments.ErrTypeRejected)
	final := result(t, env)
	require.Equal(t, payments.StatusRefunded, final.Status)
	require.Equal(t, int64(10000), final.RefundedAmount)
	env.AssertExpectations(t)
}

func TestRefundWebhookBeforeActivityAnswerNotCountedTwice(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	expectRefund(env, "1", 4000, "").After(30 * time.Second)
	in := input()
	in.RefundWindowSeconds = 3600

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	refunded := update(env, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 4000})
	// Stripe's webhook for this very refund arrives while the activity is still answering.
	signal(env, 2*time.Minute+10*time.Second, payments.StripeEventSignal{
		EventID: "evt_r1", Type: payments.EventChargeRefunded, PaymentIntentID: intentID, AmountRefunded: 4000,
	})

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.NoError(t, refunded.err)
	require.Equal(t, int64(4000), refunded.state.RefundedAmount)
	final := result(t, env)
	require.Equal(t, int64(4000), final.RefundedAmount)
	require.Equal(t, payments.StatusPartiallyRefunded, final.Status)
	env.AssertExpectations(t)
}

func TestDisputeRecordedOnce(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	in := input()
	in.RefundWindowSeconds = 3600
	created := start.Add(90 * time.Second).Unix()
	dispute := payments.StripeEventSignal{
		EventID: "evt_d1", Type: payments.EventDisputeCreated, Created: created, PaymentIntentID: intentID,
		ChargeID: "ch_1", Amount: 10000, DisputeID: "dp_1", DisputeReason: "fraudulent",
	}
	redelivered := dispute
	redelivered.EventID = "evt_d2"

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	signal(env, 2*time.Minute, dispute)
	signal(env, 3*time.Minute, dispute)
	signal(env, 4*time.Minute, redelivered)

	env.ExecuteWorkflow(payments.WorkflowName, in)

	final := result(t, env)
	require.Equal(t, []payments.Dispute{
		{DisputeID: "dp_1", Amount: 10000, Reason: "fraudulent", OpenedAt: time.Unix(created, 0).UTC()},
	}, final.Disputes)
	require.Equal(t, 2, final.EventsApplied, "two distinct events, one duplicate delivery")
	env.AssertExpectations(t)
}

func TestRefundWindowEndCloses(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 8000, 8000)
	expectRefund(env, "1", 1000, "duplicate")
	in := input()
	in.RefundWindowSeconds = 86400

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{Amount: 8000})
	update(env, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 1000, Reason: "duplicate"})
	open := query(env, 12*time.Hour)

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.False(t, open.Closed)
	require.Equal(t, payments.StepRefundWindow, open.Step)
	final := result(t, env)
	require.True(t, final.Closed)
	require.Equal(t, payments.StepDone, final.Step)
	require.Equal(t, payments.StatusPartiallyRefunded, final.Status)
	require.Equal(t, paymentID, final.PaymentID)
	require.Equal(t, "usd", final.Currency)
	require.Equal(t, int64(10000), final.Amount)
	require.Equal(t, int64(10000), final.AuthorizedAmount)
	require.Equal(t, int64(8000), final.CapturedAmount)
	require.Equal(t, int64(1000), final.RefundedAmount)
	require.Len(t, final.Refunds, 1)
	require.Equal(t, ptr(start.Add(time.Minute+24*time.Hour)), final.RefundWindowEndsAt)
	require.False(t, env.Now().Before(start.Add(time.Minute+24*time.Hour)), "closed before the window ended")
	env.AssertExpectations(t)
}

func TestRefundAttemptsGetFreshKeys(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	env.OnActivity(card.RefundPaymentName, mock.Anything, card.RefundInput{
		IdempotencyKey: wfID + "/refund/1", WorkflowID: wfID, PaymentIntentID: intentID, Amount: 3000,
	}).Return(card.RefundResult{}, temporal.NewNonRetryableApplicationError(
		"stripe rejected the request: charge_disputed", card.ErrTypeInvalidRequest, nil,
		card.DeclineInfo{Code: "charge_disputed"})).Once()
	expectRefund(env, "2", 3000, "")
	in := input()
	in.RefundWindowSeconds = 3600

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	failed := update(env, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 3000})
	retried := update(env, 3*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 3000})

	env.ExecuteWorkflow(payments.WorkflowName, in)

	appErr := requireErrType(t, failed.err, payments.ErrTypeVendorRejected)
	require.Contains(t, appErr.Error(), "charge_disputed")
	require.NoError(t, retried.err)
	final := result(t, env)
	require.Equal(t, int64(3000), final.RefundedAmount)
	require.Equal(t, "re_2", final.Refunds[0].RefundID)
	env.AssertExpectations(t)
}

func TestWorkflowCancellationReleasesHold(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCancel(env, "/abort", "abandoned")
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Minute)

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.True(t, env.IsWorkflowCompleted())
	require.True(t, temporal.IsCanceledError(env.GetWorkflowError()), "got %v", env.GetWorkflowError())
	env.AssertExpectations(t)
}

func TestInvalidInputFails(t *testing.T) {
	env := newEnv(t)
	in := input()
	in.Amount = 0

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.True(t, env.IsWorkflowCompleted())
	appErr := requireErrType(t, env.GetWorkflowError(), payments.ErrTypeInvalidInput)
	require.Contains(t, appErr.Error(), "amount")
	env.AssertActivityNumberOfCalls(t, card.AuthorizePaymentName, 0)
}

func TestValidateRejectsClientResume(t *testing.T) {
	in := input()
	in.Resume = &payments.Checkpoint{State: payments.State{Status: payments.StatusRefunded}}
	var fe *payments.FieldError
	require.ErrorAs(t, in.Validate(), &fe)
	require.Equal(t, "resume", fe.Field)
}

func TestContinueAsNewCarriesStateAndDedup(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	expectRefund(env, "1", 1000, "")
	succeeded := payments.StripeEventSignal{EventID: "evt_1", Type: payments.EventPaymentIntentSucceeded, PaymentIntentID: intentID}

	update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	signal(env, 90*time.Second, succeeded)
	update(env, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{Amount: 1000})
	// The test clock's callback wakes the workflow, which then sees the suggestion.
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 3*time.Minute)

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.True(t, env.IsWorkflowCompleted())
	var canErr *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &canErr)
	var next payments.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(canErr.Input, &next))
	require.NotNil(t, next.Resume)
	require.Equal(t, payments.StatusPartiallyRefunded, next.Resume.State.Status)
	require.Equal(t, int64(1000), next.Resume.State.RefundedAmount)
	require.Equal(t, []string{"evt_1"}, next.Resume.EventIDs)
	require.Equal(t, 1, next.Resume.RefundSeq)
	env.AssertExpectations(t)

	// The next run: the redelivered event is ignored and the refund key continues the sequence.
	env2 := newEnv(t)
	env2.SetStartTime(start.Add(3 * time.Minute))
	expectRefund(env2, "2", 9000, "")
	signal(env2, time.Minute, succeeded)
	rest := update(env2, 2*time.Minute, payments.RefundUpdateName, payments.RefundUpdate{})

	env2.ExecuteWorkflow(payments.WorkflowName, next)

	require.NoError(t, rest.err)
	final := result(t, env2)
	require.Equal(t, payments.StatusRefunded, final.Status)
	require.Equal(t, int64(10000), final.RefundedAmount)
	require.Equal(t, 1, final.EventsApplied)
	require.Len(t, final.Refunds, 2)
	require.True(t, final.Closed)
	env2.AssertExpectations(t)
}

// TestAutoCaptureCapturesRightAfterAuthorization: a copay needs no review, so the workflow
// captures the whole hold itself and opens the refund window.
func TestAutoCaptureCapturesRightAfterAuthorization(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000)
	in := input()
	in.AutoCapture = true
	in.RefundWindowSeconds = 3600
	mid := query(env, time.Minute)
	env.ExecuteWorkflow(payments.Payment, in)

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, payments.StatusCaptured, mid.Status)
	require.EqualValues(t, 10000, mid.CapturedAmount)
	var final payments.State
	require.NoError(t, env.GetWorkflowResult(&final))
	require.True(t, final.Closed)
	require.EqualValues(t, 10000, final.CapturedAmount)
	env.AssertExpectations(t)
}
