package laborders_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/laborders"
)

// timers records, by duration, the workflow timers that fired and those canceled before firing.
type timers struct {
	durations map[string]time.Duration
	fired     []time.Duration
	canceled  []time.Duration
}

func watchTimers(env *testsuite.TestWorkflowEnvironment) *timers {
	tm := &timers{durations: map[string]time.Duration{}}
	env.SetOnTimerScheduledListener(func(id string, d time.Duration) { tm.durations[id] = d })
	env.SetOnTimerFiredListener(func(id string) { tm.fired = append(tm.fired, tm.durations[id]) })
	env.SetOnTimerCanceledListener(func(id string) { tm.canceled = append(tm.canceled, tm.durations[id]) })
	return tm
}

// waitVersions runs a test on an order of the current version (ChangeWaitWithin 1) and on one
// begun before it (DefaultVersion), whose timers must stay as they were for its history to replay.
var waitVersions = []struct {
	name   string
	within bool
}{{"within", true}, {"before-within", false}}

func waitEnv(t *testing.T, within bool) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	if !within {
		env.OnGetVersion(laborders.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
		env.OnGetVersion(laborders.ChangeWaitWithin, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	}
	return env
}

// waitOrder is waitEnv with the order sent, a patient without contact points and its filings
// recorded: what every test here starts from.
func waitOrder(t *testing.T, within bool) (*testsuite.TestWorkflowEnvironment, *filings) {
	t.Helper()
	env := waitEnv(t, within)
	expectOrder(env)
	quietPatient(env)
	f := &filings{}
	f.expect(env, 0)
	return env, f
}

// A page acknowledged after four minutes: since lab-order-wait-within its 15-minute timer is
// canceled, so it no longer wakes the order, which stays open in its corrections window; an
// order begun before the change keeps the SDK's wait, whose timer fires.
func TestAcknowledgedPageTimerIsCanceled(t *testing.T) {
	for _, v := range waitVersions {
		t.Run(v.name, func(t *testing.T) {
			env, _ := waitOrder(t, v.within)
			var p pager
			p.expect(env)
			tm := watchTimers(env)
			signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(6.8, "HH", "F"), glucose(90, "F")))
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(laborders.AcknowledgeUpdateName, "", &testsuite.TestUpdateCallback{
					OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, laborders.AcknowledgeUpdate{By: "dr.a"})
			}, 5*time.Minute)
			in := input()
			env.ExecuteWorkflow(laborders.LabOrder, in)

			s := final(t, env)
			require.Equal(t, laborders.EscalationAcknowledged, s.Escalation.State)
			require.Len(t, p.pages, 1, "acknowledged before the next contact was due")
			ack := in.AckTimeout()
			if v.within {
				require.NotContains(t, tm.fired, ack, "the acknowledged page's timer never fires")
				require.Contains(t, tm.canceled, ack, "it is canceled once acknowledged")
			} else {
				require.Contains(t, tm.fired, ack, "before the change the page's timer fires after the acknowledgment")
			}
		})
	}
}

// Every test final a minute after the order, then a seven-day corrections window: since
// lab-order-wait-within the 72-hour result deadline's timer is canceled once the results are
// complete, so it no longer wakes the order three days later; before the change it fires.
func TestResultDeadlineTimerIsCanceledOnceComplete(t *testing.T) {
	for _, v := range waitVersions {
		t.Run(v.name, func(t *testing.T) {
			env, f := waitOrder(t, v.within)
			tm := watchTimers(env)
			signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F")))
			in := input()
			in.CorrectionsWindowSeconds = int64(laborders.DefaultCorrectionsWindow / time.Second)
			env.ExecuteWorkflow(laborders.LabOrder, in)

			s := final(t, env)
			require.Equal(t, laborders.StatusFinal, s.Status)
			require.Len(t, f.all, 1)
			require.Greater(t, in.CorrectionsWindow(), in.ResultDeadline(), "the deadline falls inside the window")
			deadline := in.ResultDeadline()
			if v.within {
				require.NotContains(t, tm.fired, deadline, "the result deadline's timer never fires")
				require.Contains(t, tm.canceled, deadline, "it is canceled once every test is final")
			} else {
				require.Contains(t, tm.fired, deadline, "before the change the deadline's timer fires inside the window")
			}
			require.Contains(t, tm.fired, in.CorrectionsWindow(), "the window itself still ends on its timer")
		})
	}
}

// A correction inside the window: since lab-order-wait-within the window's wait that the
// correction ended is canceled, so only the wait that closes the window fires.
func TestCorrectionEndsTheWindowWaitsTimer(t *testing.T) {
	for _, v := range waitVersions {
		t.Run(v.name, func(t *testing.T) {
			env, f := waitOrder(t, v.within)
			tm := watchTimers(env)
			signal(env, time.Minute, laborders.ResultSignalName, oru("M1", "20261123090000", "F", potassium(4.2, "N", "F"), glucose(90, "F")))
			signal(env, 11*time.Minute, laborders.ResultSignalName, oru("M2", "20261123091000", "C", glucose(99, "C")))
			in := input()
			env.ExecuteWorkflow(laborders.LabOrder, in)

			s := final(t, env)
			require.Equal(t, laborders.StatusCorrected, s.Status)
			require.Len(t, f.all, 2)
			window := in.CorrectionsWindow()
			if v.within {
				require.Contains(t, tm.canceled, window, "the first window wait is canceled by the correction")
				require.Equal(t, []time.Duration{window - 10*time.Minute}, tm.fired, "only the wait that closes the window fires")
			} else {
				require.ElementsMatch(t, []time.Duration{window, window - 10*time.Minute}, tm.fired,
					"before the change the first window wait fires too")
			}
		})
	}
}
