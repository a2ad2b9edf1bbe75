package checkins_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/notifications"
)

// A check-in the front desk resolves after a minute, whose confirmation then takes two
// hours (quiet hours), outlives its one-hour attention timeout. From checkin-wait-within
// version 1 the resolved wait's timer is canceled; before it, it fires inside the two hours
// and wakes the check-in for nothing, which executions begun before the change keep doing.
func TestResolvedAttentionWaitLeavesNoTimerToFire(t *testing.T) {
	for _, c := range []struct {
		name    string
		version workflow.Version
		// wantFired counts the stand-in's two-hour sleep, plus the attention timer unless canceled.
		wantFired int
	}{{"version 1", 1, 1}, {"before", workflow.DefaultVersion, 2}} {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in notifications.Input) (notifications.State, error) {
				return delivered(), workflow.Sleep(ctx, 2*time.Hour)
			}, workflow.RegisterOptions{Name: notifications.WorkflowName})
			env.OnGetVersion(checkins.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			env.OnGetVersion("checkin-wait-within", workflow.DefaultVersion, 1).Return(c.version)
			// Without the arrival's own 1 ms timer (checkin-local-arrival), which would fire too.
			env.OnGetVersion(checkins.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			env.OnGetVersion("checkin-local-arrival", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			fired := 0
			env.SetOnTimerFiredListener(func(string) { fired++ })
			env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(false), nil).Once()
			env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{VersionID: "2"}, nil).Once()
			env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "enc-2"}, nil).Once()
			v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
			ok := sendUpdate(env, time.Minute, checkins.SelfPayUpdateName, checkins.SelfPayUpdate{Amount: 8000, PaymentMethod: "pm_card_visa"})
			in := input()
			in.AttentionTimeoutSeconds = 3600
			env.ExecuteWorkflow(checkins.CheckIn, in)

			s := final(t, env)
			require.NoError(t, v.err)
			require.NoError(t, ok.err)
			require.Equal(t, checkins.StatusCompleted, s.Status)
			require.Equal(t, "self-pay", s.Resolution)
			assert.Equal(t, c.wantFired, fired, "timers fired")
			env.AssertExpectations(t)
		})
	}
}
