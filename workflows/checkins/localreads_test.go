package checkins_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/workflows/checkins"
)

// starts records which activities ran as local and which as regular activities.
type starts struct {
	mu               sync.Mutex
	local, regular   []string
	regularCancelled []string
}

func watchStarts(env *testsuite.TestWorkflowEnvironment) *starts {
	s := &starts{}
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.local = append(s.local, info.ActivityType.Name)
	})
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.regular = append(s.regular, info.ActivityType.Name)
	})
	env.SetOnActivityCanceledListener(func(info *activity.Info) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.regularCancelled = append(s.regularCancelled, info.ActivityType.Name)
	})
	return s
}

func count(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

// TestVerdictReadsRunAsLocalActivities: the EHR read and the primary inquiry run inside the
// verdict's workflow task as local activities; nothing of the verdict path is a regular activity.
func TestVerdictReadsRunAsLocalActivities(t *testing.T) {
	env := newEnv(t)
	s := watchStarts(env)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
		Return(eligibility.CheckResult{Active: true, PlanName: "Gold"}, nil).Once()
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	in := input()
	in.CollectCopay, in.NotifyPatient = false, false
	in.AttentionTimeoutSeconds = 60
	env.ExecuteWorkflow(checkins.CheckIn, in)

	final(t, env)
	require.Equal(t, checkins.VerdictEligible, v.result.(checkins.VerdictResponse).Verdict.Verdict)
	// The arrival's write-back follows as a local activity of its own task (checkin-local-arrival).
	require.Equal(t, []string{ehr.LoadCheckInName, eligibility.CheckEligibilityName}, s.local[:2])
	require.Zero(t, count(s.regular, ehr.LoadCheckInName))
	require.Zero(t, count(s.regular, eligibility.CheckEligibilityName))
	env.AssertExpectations(t)
}

// TestCheckInsBeforeLocalReadsKeepRegularActivities: an execution begun before the
// checkin-local-reads change keeps reading with regular activities.
func TestCheckInsBeforeLocalReadsKeepRegularActivities(t *testing.T) {
	env := newEnv(t)
	env.OnGetVersion(checkins.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnGetVersion("checkin-local-reads", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	env.OnGetVersion("checkin-local-arrival", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	s := watchStarts(env)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
		Return(eligibility.CheckResult{Active: true}, nil).Once()
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	in := input()
	in.CollectCopay, in.NotifyPatient = false, false
	in.AttentionTimeoutSeconds = 60
	env.ExecuteWorkflow(checkins.CheckIn, in)

	final(t, env)
	require.Equal(t, checkins.VerdictEligible, v.result.(checkins.VerdictResponse).Verdict.Verdict)
	require.Empty(t, s.local)
	require.Equal(t, 1, count(s.regular, ehr.LoadCheckInName))
	require.Equal(t, 1, count(s.regular, eligibility.CheckEligibilityName))
}

// TestEHRUnavailableFallsBackToTheRegularActivity: an EHR that keeps failing is tried locally
// within the verdict wait, then by the regular activity for its five minutes; the verdict update
// answers meanwhile, and the check-in ends as ehr-unavailable.
func TestEHRUnavailableFallsBackToTheRegularActivity(t *testing.T) {
	env := newEnv(t)
	s := watchStarts(env)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).
		Return(ehr.CheckInContext{}, temporal.NewApplicationError("EHR down", "EHRUnavailable"))
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	st := final(t, env)
	require.True(t, v.done)
	require.NoError(t, v.err)
	require.Equal(t, checkins.VerdictPending, v.result.(checkins.VerdictResponse).Verdict.Verdict,
		"the update answers within the verdict wait, not after five minutes of retries")
	require.Equal(t, checkins.StatusFailed, st.Status)
	require.Equal(t, "ehr-unavailable", st.FailureCode)
	require.Equal(t, []string{"the EHR could not be read"}, st.Verdict.Reasons)
	require.NotZero(t, count(s.local, ehr.LoadCheckInName))
	require.Greater(t, count(s.regular, ehr.LoadCheckInName), 1, "the regular activity retries")
}

// TestFrontDeskResolvesBeforeThePayerAnswers: with the payer down, the local inquiry gives way to
// the regular one, and a self-pay resolution cancels that one; the check-in completes as self-pay.
func TestFrontDeskResolvesBeforeThePayerAnswers(t *testing.T) {
	env := newEnv(t)
	s := watchStarts(env)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
		Return(eligibility.CheckResult{}, temporal.NewApplicationError("payer timeout", "ClearinghouseUnavailable"))
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
	notifyStandIn(env, delivered())
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	pay := sendUpdate(env, 30*time.Second, checkins.SelfPayUpdateName, checkins.SelfPayUpdate{Amount: 4000, PaymentMethod: "pm_card_visa"})
	in := input()
	in.PayerWindowSeconds = 600
	env.ExecuteWorkflow(checkins.CheckIn, in)

	st := final(t, env)
	require.Equal(t, checkins.VerdictPending, v.result.(checkins.VerdictResponse).Verdict.Verdict)
	require.NoError(t, pay.err)
	require.Equal(t, checkins.StatusCompleted, st.Status)
	require.Equal(t, "self-pay", st.Resolution)
	require.Equal(t, []string{"resolved by the front desk before the payer answered"}, st.Verdict.Reasons)
	require.NotZero(t, count(s.local, eligibility.CheckEligibilityName))
	require.NotZero(t, count(s.regular, eligibility.CheckEligibilityName))
	require.Equal(t, []string{eligibility.CheckEligibilityName}, s.regularCancelled, "the resolution cancels the inquiry")
	require.EqualValues(t, 4000, st.Copay.Amount)
}

// The arrival's write-back and the Encounter run as local activities from checkin-local-arrival
// version 1, after a 1 ms timer that ends the verdict's workflow task; executions begun before
// it keep the regular activities.
func TestArrivalWritesRunAsLocalActivitiesInATaskOfTheirOwn(t *testing.T) {
	for _, c := range []struct {
		name    string
		version workflow.Version
	}{{"version 1", 1}, {"before", workflow.DefaultVersion}} {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			env.OnGetVersion(checkins.Baseline.ID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			env.OnGetVersion("checkin-local-arrival", workflow.DefaultVersion, 1).Return(c.version)
			s := watchStarts(env)
			var timers []time.Duration
			env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { timers = append(timers, d) })
			env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
			env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
				Return(eligibility.CheckResult{Active: true, PlanName: "Gold"}, nil).Once()
			env.OnActivity(ehr.MarkArrivedName, mock.Anything, arrivalOf(apptID)).Return(ehr.MarkArrivedResult{VersionID: "3"}, nil).Once()
			env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "enc-9"}, nil).Once()
			v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
			in := input()
			in.CollectCopay, in.NotifyPatient = false, false
			env.ExecuteWorkflow(checkins.CheckIn, in)

			st := final(t, env)
			require.NoError(t, v.err)
			require.True(t, st.Arrived)
			require.Equal(t, "enc-9", st.EncounterID)
			writes := []string{ehr.MarkArrivedName, ehr.CreateEncounterName}
			if c.version >= 1 {
				require.Equal(t, writes, s.local[2:], "the writes follow the verdict's reads as local activities")
				require.Zero(t, count(s.regular, ehr.MarkArrivedName)+count(s.regular, ehr.CreateEncounterName))
				require.Contains(t, timers, time.Millisecond, "a timer of its own ends the verdict's task first")
			} else {
				require.Equal(t, 1, count(s.regular, ehr.MarkArrivedName))
				require.Equal(t, 1, count(s.regular, ehr.CreateEncounterName))
				require.NotContains(t, timers, time.Millisecond)
			}
			env.AssertExpectations(t)
		})
	}
}
