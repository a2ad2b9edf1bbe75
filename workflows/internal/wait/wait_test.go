package wait_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/internal/wait"
)

// The condition comes true after a second; the workflow then idles for an hour. With the
// SDK's AwaitWithTimeout the ten-minute timer still fires inside that hour (a workflow task
// for nothing); with Within it is canceled, so the hour's sleep is the only timer to fire.
func TestWithinCancelsItsTimerOnceTheConditionHolds(t *testing.T) {
	for _, c := range []struct {
		name      string
		await     func(workflow.Context, time.Duration, func() bool) (bool, error)
		wantFired int
	}{{"Within", wait.Within, 2}, {"AwaitWithTimeout", workflow.AwaitWithTimeout, 3}} {
		t.Run(c.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			fired := 0
			env.SetOnTimerFiredListener(func(string) { fired++ })
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (bool, error) {
				done := false
				workflow.Go(ctx, func(ctx workflow.Context) {
					_ = workflow.Sleep(ctx, time.Second)
					done = true
				})
				ok, err := c.await(ctx, 10*time.Minute, func() bool { return done })
				if err != nil {
					return false, err
				}
				return ok, workflow.Sleep(ctx, time.Hour)
			}, workflow.RegisterOptions{Name: "wf"})
			env.ExecuteWorkflow("wf")
			require.NoError(t, env.GetWorkflowError())
			var ok bool
			require.NoError(t, env.GetWorkflowResult(&ok))
			assert.True(t, ok, "the condition came true before the timeout")
			assert.Equal(t, c.wantFired, fired, "timers fired: the 1 s sleep, the hour, and the await's own unless canceled")
		})
	}
}
