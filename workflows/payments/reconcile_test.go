package payments_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/card"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/payments"
)

// A capture whose Stripe call outlasts UpdateWait answers "capturing" and finishes in the
// background; meanwhile a cancel is refused at once instead of queueing on the mutex.
func TestSlowCaptureAnswersCapturingAndFinishesInBackground(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	expectCapture(env, 0, 10000).After(2 * time.Minute)
	in := input()
	in.RefundWindowSeconds = 3600

	captured := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	canceled := update(env, 90*time.Second, payments.CancelUpdateName, payments.CancelUpdate{})
	later := query(env, 4*time.Minute)

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.True(t, captured.completed)
	require.NoError(t, captured.err)
	require.Equal(t, payments.StatusCapturing, captured.state.Status)
	require.Equal(t, payments.StepCapture, captured.state.Step)
	require.True(t, canceled.rejected)
	requireErrType(t, canceled.err, payments.ErrTypeRejected)
	require.Equal(t, payments.StatusCaptured, later.Status)
	require.Equal(t, int64(10000), result(t, env).CapturedAmount)
	env.AssertExpectations(t)
}

// Each capture call gets the next key the workflow records: a repeated capture never meets a
// result Stripe stored under the previous call's key.
func TestRepeatedCaptureGetsNextKey(t *testing.T) {
	env := newEnv(t)
	expectAuthorize(env)
	env.OnActivity(card.CapturePaymentName, mock.Anything, card.CaptureInput{
		IdempotencyKey: wfID + "/capture/1", WorkflowID: wfID, PaymentIntentID: intentID,
	}).Return(card.CaptureResult{}, temporal.NewNonRetryableApplicationError(
		"stripe rejected the request: processing_error", card.ErrTypeInvalidRequest, nil)).Once()
	env.OnActivity(card.CapturePaymentName, mock.Anything, card.CaptureInput{
		IdempotencyKey: wfID + "/capture/2", WorkflowID: wfID, PaymentIntentID: intentID,
	}).Return(card.CaptureResult{Status: "succeeded", AmountReceived: 10000}, nil).Once()
	in := input()
	in.RefundWindowSeconds = 3600

	first := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})
	second := update(env, 2*time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, in)

	requireErrType(t, first.err, payments.ErrTypeVendorRejected)
	require.NoError(t, second.err)
	require.Equal(t, payments.StatusCaptured, second.state.Status)
	require.Equal(t, payments.StatusCaptured, result(t, env).Status)
	env.AssertExpectations(t)
}

// An authorization that never got a definite answer fails the payment, and a hold Stripe may
// have placed after all is looked up by metadata and released.
func TestAuthorizationWithoutAnswerReleasesOrphans(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.Anything).
		Return(card.AuthorizeResult{}, errors.New("stripe authorize: http 500")).Maybe()
	env.OnActivity(card.ReleaseAuthorizationsName, mock.Anything, card.ReleaseInput{
		IdempotencyKey: wfID + "/release/1", WorkflowID: wfID,
	}).Return(card.ReleaseResult{Canceled: []string{"pi_orphan"}}, nil).Once()

	env.ExecuteWorkflow(payments.WorkflowName, input())

	final := result(t, env)
	require.Equal(t, payments.StatusFailed, final.Status)
	require.Equal(t, payments.StepDone, final.Step)
	env.AssertExpectations(t)
}

// A declined card leaves no hold: nothing is looked up.
func TestDeclineReleasesNothing(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.Anything).
		Return(card.AuthorizeResult{}, temporal.NewNonRetryableApplicationError(
			"card declined: insufficient_funds", card.ErrTypeCardDeclined, nil,
			card.DeclineInfo{DeclineCode: "insufficient_funds"})).Once()

	env.ExecuteWorkflow(payments.WorkflowName, input())

	require.Equal(t, payments.StatusDeclined, result(t, env).Status)
	env.AssertActivityNumberOfCalls(t, card.ReleaseAuthorizationsName, 0)
}

// The configuration's bound on PAYMENT_AUTHORIZATION_TTL is the contract's.
func TestAuthorizationTTLBoundsAgree(t *testing.T) {
	require.Equal(t, payments.MaxAuthorizationTTL, config.MaxPaymentAuthorizationTTL)
	require.Less(t, payments.DefaultAuthorizationTTL, payments.StripeHoldLimit)
}

// An execution that started before payments-reconcile (GetVersion answers DefaultVersion, as
// replaying its history does) finishes on the old path: legacy idempotency keys, updates held
// until Stripe answers, the 7-day default TTL. Replaying every committed history (tests/replay)
// proves the same against real histories.
func TestOldExecutionFinishesOnOldPath(t *testing.T) {
	env := newEnv(t)
	env.OnGetVersion(payments.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnGetVersion(payments.ReconcileChangeID, workflow.DefaultVersion, payments.ReconcileVersion).Return(workflow.DefaultVersion)
	env.OnActivity(card.AuthorizePaymentName, mock.Anything, mock.MatchedBy(func(in card.AuthorizeInput) bool {
		return in.IdempotencyKey == wfID+"/authorize"
	})).Return(card.AuthorizeResult{PaymentIntentID: intentID, Status: "requires_capture", AmountCapturable: 10000}, nil).Once()
	env.OnActivity(card.CapturePaymentName, mock.Anything, card.CaptureInput{
		IdempotencyKey: wfID + "/capture", WorkflowID: wfID, PaymentIntentID: intentID,
	}).Return(card.CaptureResult{Status: "succeeded", AmountReceived: 10000}, nil).After(2 * time.Minute).Once()
	in := input()
	in.RefundWindowSeconds = 3600
	authorized := query(env, 30*time.Second)
	captured := update(env, time.Minute, payments.CaptureUpdateName, payments.CaptureUpdate{})

	env.ExecuteWorkflow(payments.WorkflowName, in)

	require.Equal(t, start.Add(payments.StripeHoldLimit), *authorized.AuthorizationExpiresAt, "the old 7-day default")
	require.NoError(t, captured.err)
	require.Equal(t, payments.StatusCaptured, captured.state.Status, "the old update waits for Stripe's answer")
	require.Equal(t, payments.StatusCaptured, result(t, env).Status)
	env.AssertExpectations(t)
}
