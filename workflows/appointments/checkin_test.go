package appointments_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/checkins"
)

// TestCancellationInPMSCancelsCheckIn: the front desk cancels in the PMS; the EHR gets the
// cancellation and the check-in of the same EHR appointment is asked to stop, once.
func TestCancellationInPMSCancelsCheckIn(t *testing.T) {
	env, w := linked(t)
	env.OnRequestCancelExternalWorkflow(mock.Anything, checkins.WorkflowID("e1"), "").Return(nil).Once()
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanPMS("p1", func(a *pms.Appointment) { a.Status = pms.StatusCancelled })
	})
	// A later edit of the cancelled appointment cancels nothing more.
	signal(env, 2*time.Minute, func() appointments.ChangeSignal {
		return w.humanPMS("p1", func(a *pms.Appointment) { a.Note = "patient called" })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, apptsync.FHIRCancelled, w.ehr["e1"].snap.Status)
		assert.Equal(t, appointments.CheckInCancelRequested, st.CheckIn)
		env.CancelWorkflow()
	}, 3*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
	env.AssertExpectations(t)
}

// TestCancellationWithoutCheckIn: no check-in runs for the appointment; the failed cancel
// request is recorded and the sync carries on.
func TestCancellationWithoutCheckIn(t *testing.T) {
	env, w := linked(t)
	env.OnRequestCancelExternalWorkflow(mock.Anything, checkins.WorkflowID("e1"), "").
		Return(errors.New("workflow not found")).Once()
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanEHR("e1", func(s *apptsync.Snapshot) { s.Status = apptsync.FHIRCancelled })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, pms.StatusCancelled, w.pms["p1"].Status)
		assert.Equal(t, appointments.CheckInNoneOpen, st.CheckIn)
		assert.Equal(t, appointments.StatusInSync, st.Status)
		env.CancelWorkflow()
	}, 2*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
	require.True(t, env.IsWorkflowCompleted())
	env.AssertExpectations(t)
}
