package checkins_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/internal/baseline/baselinetest"
)

// TestCancelRequestStopsCheckInWaitingForDesk: a check-in that needs the front desk is
// cancelled (its appointment was cancelled): it closes as cancelled at once, and nothing is
// written to the EHR, charged or texted.
func TestCancelRequestStopsCheckInWaitingForDesk(t *testing.T) {
	env := newEnv(t)
	asked := baselinetest.Asked(env)
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, ehr.LoadCheckInInput{AppointmentID: apptID}).Return(ehrContext(false), nil).Once()
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(checkins.CheckIn, input())

	require.True(t, env.IsWorkflowCompleted())
	var ce *temporal.CanceledError
	require.True(t, errors.As(env.GetWorkflowError(), &ce), "closed as cancelled: %v", env.GetWorkflowError())
	var st checkins.State
	require.NoError(t, ce.Details(&st))
	require.Equal(t, checkins.StatusCancelled, st.Status)
	require.Equal(t, checkins.FailureAppointmentCancelled, st.FailureCode)
	require.True(t, st.Closed)
	require.False(t, st.Arrived)
	require.Nil(t, st.Copay)
	// The cancel change is the baseline's: honoured without a marker of its own.
	require.Equal(t, []string{checkins.Baseline.ID}, *asked)
	env.AssertExpectations(t)
	env.AssertNotCalled(t, ehr.MarkArrivedName, mock.Anything, mock.Anything)
}
