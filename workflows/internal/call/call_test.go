package call_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/internal/vendorrate"
	"github.com/careflow/engine/workflows/internal/call"
)

func TestDoublingSpellsOutThePolicy(t *testing.T) {
	assert.Equal(t, &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{"A", "B"}}, call.Doubling(time.Second, time.Minute, "A", "B"))
	assert.Equal(t, &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2},
		call.Doubling(time.Second, 0), "no cap and no types leave the fields zero, as the inline policies did")
}

func TestActivityCallsByNameWithTheOptions(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivityWithOptions(func(_ context.Context, in string) (string, error) { return "hello " + in, nil },
		activity.RegisterOptions{Name: "Greet"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (string, error) {
		return call.Activity[string](ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Second,
			RetryPolicy: call.Doubling(time.Second, 0, "Permanent")}, "Greet", "ada")
	}, workflow.RegisterOptions{Name: "wf"})
	greetsAda(t, env)
}

// greetCounting registers the activity "Greet", answered by greet, in a new test environment
// and counts its local and regular attempts.
func greetCounting(greet func(local bool, in string) (string, error)) (env *testsuite.TestWorkflowEnvironment, local, regular *int) {
	var suite testsuite.WorkflowTestSuite
	env = suite.NewTestWorkflowEnvironment()
	local, regular = new(int), new(int)
	env.RegisterActivityWithOptions(func(ctx context.Context, in string) (string, error) {
		isLocal := activity.GetInfo(ctx).IsLocalActivity
		if isLocal {
			*local++
		} else {
			*regular++
		}
		return greet(isLocal, in)
	}, activity.RegisterOptions{Name: "Greet"})
	return env, local, regular
}

func TestLocalFirstAnswersLocallyAndSettledErrorsStayLocal(t *testing.T) {
	env, local, regular := greetCounting(func(_ bool, in string) (string, error) {
		if in == "refused" {
			return "", temporal.NewApplicationError("no such patient", "Permanent")
		}
		return "hello " + in, nil
	})
	opts := workflow.ActivityOptions{StartToCloseTimeout: time.Second, RetryPolicy: call.Doubling(time.Second, 0, "Permanent")}
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (string, error) {
		out, err := call.LocalFirst[string](ctx, opts, 5*time.Second, "Greet", "ada")
		if err != nil {
			return "", err
		}
		_, err = call.LocalFirst[string](ctx, opts, 5*time.Second, "Greet", "refused")
		return out, err
	}, workflow.RegisterOptions{Name: "wf"})
	env.ExecuteWorkflow("wf")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	assert.Equal(t, "Permanent", appErr.Type())
	assert.Equal(t, 2, *local, "both calls ran locally")
	assert.Zero(t, *regular, "an answer, or an error the policy does not retry, is final")
}

func TestLocalFirstGoesOnAsTheRegularActivityWhenTheRateLimitDefers(t *testing.T) {
	env, local, regular := greetCounting(func(isLocal bool, in string) (string, error) {
		if isLocal {
			return "", temporal.NewApplicationError("over the rate", vendorrate.ErrTypeDeferred)
		}
		return "hello " + in, nil
	})
	opts := workflow.ActivityOptions{StartToCloseTimeout: time.Second, RetryPolicy: call.Doubling(time.Second, 0, "Permanent")}
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (string, error) {
		return call.LocalFirst[string](ctx, opts, 5*time.Second, "Greet", "ada")
	}, workflow.RegisterOptions{Name: "wf"})
	greetsAda(t, env)
	assert.Equal(t, 1, *local, "a deferred local attempt is not retried locally")
	assert.Equal(t, 1, *regular)
	assert.Equal(t, []string{"Permanent"}, opts.RetryPolicy.NonRetryableErrorTypes, "the caller's policy is left as it was")
}

func TestSettled(t *testing.T) {
	p := call.Doubling(time.Second, 0, "Permanent")
	assert.True(t, call.Settled(temporal.NewApplicationError("x", "Permanent"), p), "a type the policy does not retry")
	assert.True(t, call.Settled(temporal.NewNonRetryableApplicationError("x", "Other", nil), p), "marked non-retryable")
	assert.True(t, call.Settled(temporal.NewCanceledError(), p), "a cancellation")
	assert.False(t, call.Settled(temporal.NewApplicationError("x", "Other"), p), "a retryable failure goes on")
	assert.False(t, call.Settled(errors.New("timeout"), nil), "a plain error goes on")
	assert.False(t, call.Settled(temporal.NewNonRetryableApplicationError("x", vendorrate.ErrTypeDeferred, nil), p),
		"a turn the vendor's rate limit deferred goes on")
}

// greetsAda runs the registered workflow "wf" and checks that it ends with Greet's answer to ada.
func greetsAda(t *testing.T, env *testsuite.TestWorkflowEnvironment) {
	t.Helper()
	env.ExecuteWorkflow("wf")
	require.NoError(t, env.GetWorkflowError())
	var got string
	require.NoError(t, env.GetWorkflowResult(&got))
	assert.Equal(t, "hello ada", got)
}
