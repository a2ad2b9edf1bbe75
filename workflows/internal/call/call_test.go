package call_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

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
	env.ExecuteWorkflow("wf")
	require.NoError(t, env.GetWorkflowError())
	var got string
	require.NoError(t, env.GetWorkflowResult(&got))
	assert.Equal(t, "hello ada", got)
}
