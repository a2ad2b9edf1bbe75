package claims_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/claims"
)

// TestClaimWaitsCancelTheirTimersOnceAnswered: a batched claim passes through all five timed
// waits, each answered long before its timeout (the batcher's answer twice, the 999 rejection,
// the correction, the 999 and 277CA of the second submission, the 835 before the status
// inquiry), then stays open 45 days for reversals. From version 1 of ChangeWaitWithin the only
// timer to fire is that last window's; executions started before it (DefaultVersion) keep the
// SDK's AwaitWithTimeout, whose timers all fire at their deadlines while the claim is open.
func TestClaimWaitsCancelTheirTimersOnceAnswered(t *testing.T) {
	batch := 30*time.Second + 25*time.Hour
	for _, c := range []struct {
		name      string
		version   workflow.Version
		wantFired []time.Duration
	}{
		{"version 1", 1, []time.Duration{45 * day}},
		{"DefaultVersion", workflow.DefaultVersion,
			[]time.Duration{batch, batch, 30 * day, 45 * day, 45 * day, 45 * day, 45 * day, 45 * day}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			if c.version == workflow.DefaultVersion {
				env.OnGetVersion(claims.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
				env.OnGetVersion(claims.ChangeWaitWithin, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			scheduled := map[string]time.Duration{}
			env.SetOnTimerScheduledListener(func(id string, d time.Duration) { scheduled[id] = d })
			var fired []time.Duration
			env.SetOnTimerFiredListener(func(id string) { fired = append(fired, scheduled[id]) })
			ready := expectReady(t, env)
			signalAt(env, 31*time.Second, claims.BatchedSignalName,
				claims.BatchedSignal{PayloadKey: wfID + "/submit/0", ControlNumber: 2001, SetControlNumber: "0001"})
			signalAt(env, time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 2001, SetControlNumber: "0001", Accepted: false})
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(claims.CorrectUpdateName, "u1", accept(t), claims.CorrectUpdate{Claim: claim()})
			}, day)
			signalAt(env, day+31*time.Second, claims.BatchedSignalName,
				claims.BatchedSignal{PayloadKey: wfID + "/submit/1", ControlNumber: 2005, SetControlNumber: "0003"})
			signalAt(env, day+time.Hour, claims.AckSignalName, claims.AckSignal{GroupControlNumber: 2005, SetControlNumber: "0003", Accepted: true})
			signalAt(env, day+2*time.Hour, claims.ClaimAckSignalName, acceptedCA("PCC1"))
			signalAt(env, 20*day, claims.RemitSignalName, remit("EFT-1", claims.ClaimPosting{Status: "1", Charge: 12500, Paid: 10000}))
			env.RegisterDelayedCallback(func() {
				assert.Equal(t, claims.StatusPartiallyPaid, query(t, env).Status, "open for reversals")
			}, 60*day)
			env.ExecuteWorkflow(claims.WorkflowName, batchedInput())
			s := result(t, env)
			assert.Equal(t, claims.StatusPartiallyPaid, s.Status)
			assert.Equal(t, 2, s.Submissions)
			assert.False(t, s.StatusInquiryDue, "the 835 came before the inquiry")
			require.Len(t, *ready, 2)
			assert.Equal(t, c.wantFired, fired, "durations of the timers that fired, in order")
		})
	}
}
