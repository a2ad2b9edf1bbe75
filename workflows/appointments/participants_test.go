package appointments_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/appointments"
)

// TestUnmappedParticipantWritesNothing: the front desk moves the appointment to a PMS
// provider the crosswalk does not know; nothing is written to the EHR, State.Error names the
// crosswalk kind; once the mapping exists the next change syncs with the mapped id.
func TestUnmappedParticipantWritesNothing(t *testing.T) {
	env, w := linked(t)
	signal(env, time.Minute, func() appointments.ChangeSignal {
		return w.humanPMS("p1", func(a *pms.Appointment) { a.ProviderID = "pms-prov-9"; a.Note = "new doctor" })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, appointments.StatusError, st.Status)
		assert.Contains(t, st.Error, crosswalk.PMSProvider)
		assert.NotContains(t, st.Error, "pms-prov-9", "kinds, never ids")
		assert.Equal(t, 0, w.ehrWrites, "nothing written to the EHR")
		assert.Equal(t, "prac-1", w.ehr["e1"].snap.Provider)
		w.mapParticipant(crosswalk.PMSProvider, crosswalk.FHIRPractitioner, "pms-prov-9", "prac-9")
	}, 2*time.Minute)
	signal(env, 3*time.Minute, func() appointments.ChangeSignal {
		return w.humanPMS("p1", func(a *pms.Appointment) { a.Duration = 30 })
	})
	env.RegisterDelayedCallback(func() {
		st := query(t, env)
		assert.Equal(t, appointments.StatusInSync, st.Status)
		assert.Empty(t, st.Error)
		assert.Equal(t, "prac-9", w.ehr["e1"].snap.Provider, "the PMS provider, mapped")
		assert.Equal(t, "new doctor", w.ehr["e1"].snap.Note)
		assert.Equal(t, 1, w.ehrWrites)
		env.CancelWorkflow()
	}, 4*time.Minute)
	start(env, appointments.Input{AppointmentID: "a1", EHRID: "e1", PMSID: "p1"})
}

// TestCreateWithoutMappingFails: an EHR appointment whose patient the crosswalk does not
// know is not created in the PMS; the link fails with the reason.
func TestCreateWithoutMappingFails(t *testing.T) {
	env, w := linked(t)
	w.mapParticipant(crosswalk.PMSProvider, crosswalk.FHIRPractitioner, "DR-1", "prac-1")
	start(env, appointments.Input{AppointmentID: "a9", EHRID: "e1"})
	var ae *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &ae), "%v", env.GetWorkflowError())
	assert.Equal(t, appointments.ErrTypeUnmapped, ae.Type())
	assert.Contains(t, ae.Message(), crosswalk.FHIRPatient)
	assert.Equal(t, 0, w.pmsWrites, "nothing created")
}
