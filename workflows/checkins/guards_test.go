package checkins_test

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/workflows/checkins"
)

// refused asserts the workflow failed with ErrTypeRefused and returns the refusal it carries.
func refused(t *testing.T, env *testsuite.TestWorkflowEnvironment) ehr.Refusal {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	require.Equal(t, checkins.ErrTypeRefused, appErr.Type())
	var r ehr.Refusal
	require.NoError(t, appErr.Details(&r))
	return r
}

// TestRefusedBeforeAnySideEffect: an appointment the guards refuse gets a refused verdict and
// nothing else happens: no 270, no write-back, no Encounter, no copay, no text (every activity
// but LoadCheckIn answers "not mocked", which the workflow would record as a failure code).
func TestRefusedBeforeAnySideEffect(t *testing.T) {
	for name, tc := range map[string]struct {
		status, start, patient string
		override               bool
		code, detail           string
	}{
		"cancelled":          {status: "cancelled", start: "2026-11-23T14:30:00Z", code: ehr.RefusedStatus, detail: "cancelled"},
		"cancelled+override": {status: "cancelled", start: "2026-11-23T14:30:00Z", override: true, code: ehr.RefusedStatus, detail: "cancelled"},
		"noshow":             {status: "noshow", start: "2026-11-23T14:30:00Z", code: ehr.RefusedStatus, detail: "noshow"},
		"a month away":       {status: "booked", start: "2026-12-23T14:30:00Z", code: ehr.RefusedWindow, detail: "from 2h before to 1h after"},
		"declined":           {status: "booked", start: "2026-11-23T14:30:00Z", patient: "declined", code: ehr.RefusedParticipant, detail: "declined"},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			c := ehrContext(true)
			c.AppointmentStatus, c.AppointmentStart, c.PatientStatus = tc.status, tc.start, tc.patient
			env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(c, nil).Once()
			v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
			in := input()
			if tc.override {
				in.Override = &checkins.StartOverride{By: "desk-1", Reason: "patient is here early"}
			}
			env.ExecuteWorkflow(checkins.CheckIn, in)

			r := refused(t, env)
			require.Equal(t, tc.code, r.Code)
			require.Contains(t, r.Detail, tc.detail)
			require.True(t, v.done)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, v.err, &appErr, "the verdict update answers with the refusal")
			require.Equal(t, checkins.ErrTypeRefused, appErr.Type())
			require.Contains(t, appErr.Message(), tc.detail)
			env.AssertExpectations(t)
		})
	}
}

// TestWindowOverrideChecksIn: the front desk's explicit override lifts the window only, and is
// kept in the state.
func TestWindowOverrideChecksIn(t *testing.T) {
	env := newEnv(t)
	c := ehrContext(true)
	c.AppointmentStart = "2026-11-23T19:00:00Z" // five hours ahead
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).Return(eligibility.CheckResult{Active: true}, nil).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.MatchedBy(func(in ehr.MarkArrivedInput) bool {
		return in.Guard != nil && in.Guard.WindowOverridden
	})).Return(ehr.MarkArrivedResult{VersionID: "2"}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
	notifyStandIn(env, delivered())
	in := input()
	in.Override = &checkins.StartOverride{By: "desk-1", Reason: "patient is here early"}
	env.ExecuteWorkflow(checkins.CheckIn, in)

	s := final(t, env)
	require.Equal(t, checkins.StatusCompleted, s.Status)
	require.Equal(t, in.Override, s.WindowOverride)
	env.AssertExpectations(t)
}

// TestCancelledBetweenVerdictAndArrival: the write-back finds the appointment cancelled; the
// check-in stops there: no Encounter, no copay, no text, and the state says why.
func TestCancelledBetweenVerdictAndArrival(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(ehrContext(true), nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.Anything).
		Return(eligibility.CheckResult{Active: true, CopayAmount: ptr(int64(2500))}, nil).Once()
	refusal := ehr.Refusal{Code: ehr.RefusedStatus, Status: "cancelled", Detail: "the appointment is cancelled and cannot be checked in"}
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, arrivalOf(apptID)).
		Return(ehr.MarkArrivedResult{}, temporal.NewNonRetryableApplicationError("refused", ehr.ErrTypeRefused, nil, refusal)).Once()
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	r := refused(t, env)
	var st checkins.State
	res, err := env.QueryWorkflow(checkins.StatusQuery)
	require.NoError(t, err)
	require.NoError(t, res.Get(&st))
	require.Equal(t, "cancelled", r.Status)
	require.Equal(t, checkins.VerdictEligible, v.result.(checkins.VerdictResponse).Verdict.Verdict)
	env.AssertExpectations(t) // CreateEncounter, SendSMS and the copay child were never asked for
	require.Nil(t, st.Copay)
	require.False(t, st.Arrived)
	require.Equal(t, checkins.StatusRefused, st.Status)
	require.Equal(t, "appointment-changed", st.FailureCode)
	require.NotNil(t, st.Refusal)
}
