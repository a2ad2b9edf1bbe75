package prescriptions_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/internal/erxcheck"
	"github.com/careflow/engine/workflows/prescriptions"
)

// TestPrescriptionWaitsCancelTheirTimersOnceAnswered: a prescription held for review is
// released after 50 hours (review timeout 7 days), sent, filled on day 3, then follows its
// pharmacy for the 30-day follow window. From version 1 of WaitWithinChangeID the only timer
// to fire is that last window's; executions started before it (DefaultVersion) keep the SDK's
// AwaitWithTimeout, whose review timer and first follow timer fire while the prescription is
// still following.
func TestPrescriptionWaitsCancelTheirTimersOnceAnswered(t *testing.T) {
	week, window := 7*24*time.Hour, 30*24*time.Hour
	for _, c := range []struct {
		name      string
		version   workflow.Version
		wantFired []time.Duration
	}{
		{"version 1", 1, []time.Duration{window}},
		{"DefaultVersion", workflow.DefaultVersion, []time.Duration{week, window, window}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			if c.version == workflow.DefaultVersion {
				env.OnGetVersion(prescriptions.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
				env.OnGetVersion(prescriptions.WaitWithinChangeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			scheduled := map[string]time.Duration{}
			env.SetOnTimerScheduledListener(func(id string, d time.Duration) { scheduled[id] = d })
			var fired []time.Duration
			env.SetOnTimerFiredListener(func(id string) { fired = append(fired, scheduled[id]) })
			expectLoad(env)
			expectCheck(env, erxcheck.Result{Verdict: erxcheck.NeedsReview, Reasons: []erxcheck.Reason{{Code: erxcheck.ReasonAllergy, Verdict: erxcheck.NeedsReview, Text: "allergy"}}})
			expectNewRx(env)
			env.OnActivity(ehr.RecordFillName, mock.Anything, mock.Anything).Return(ehr.RecordFillResult{MedicationDispenseID: "md-1"}, nil).Once()
			override := update(env, 50*time.Hour, prescriptions.OverrideUpdateName, prescriptions.OverrideUpdate{By: "dr.demo", Reason: "tolerated before"})
			signal(env, 3*24*time.Hour, pharmacyMsg("fill-1", newRx, dispensed))
			var following prescriptions.State
			env.RegisterDelayedCallback(func() {
				v, err := env.QueryWorkflow(prescriptions.StatusQuery)
				require.NoError(t, err)
				require.NoError(t, v.Get(&following))
			}, 32*24*time.Hour)
			env.ExecuteWorkflow(prescriptions.WorkflowName, input())
			st := result(t, env)
			env.AssertExpectations(t)
			require.NoError(t, override.err)
			assert.Equal(t, prescriptions.StatusFilled, st.Status)
			assert.False(t, following.Closed, "still following on day 32")
			assert.Equal(t, prescriptions.StepFollow, following.Step)
			assert.Equal(t, c.wantFired, fired, "durations of the timers that fired, in order")
		})
	}
}
