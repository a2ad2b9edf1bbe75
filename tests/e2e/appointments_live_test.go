package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/checkins"
)

// TestAppointmentLiveSyncWithCheckIn: the simulated EHR notifies the engine by itself (its
// subscription, every shape in turn): an edit in the EHR reaches the PMS; a check-in marks
// the EHR appointment arrived and the PMS shows checked-in through the same sync; and a
// cancellation at the front desk cancels the EHR appointment and the check-in that waits for
// the desk.
func TestAppointmentLiveSyncWithCheckIn(t *testing.T) {
	e := startEngine(t, nil)
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "live-1", "ehrId": "appt-1001"}, http.StatusCreated)
	e.pmsAppt("live-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("live-1", appointmentIn(appointments.StatusInSync))

	e.editEHR("appt-1001", func(r map[string]any) { r["comment"] = "Edited in the EHR" })
	e.pmsAppt("live-1", func(a pms.Appointment) bool { return a.Note == "Edited in the EHR" })

	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-1001", false))
	require.Equal(t, http.StatusCreated, code, v)
	e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Arrived })
	e.pmsAppt("live-1", func(a pms.Appointment) bool { return a.Status == pms.StatusCheckedIn })
	e.waitAppointment("live-1", func(v api.AppointmentView) bool {
		return v.Merged.Status == "arrived" && v.Status == appointments.StatusInSync
	})

	// No coverage on file: the check-in waits for the front desk, which cancels instead.
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "live-2", "ehrId": "appt-2001"}, http.StatusCreated)
	e.pmsAppt("live-2", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("live-2", appointmentIn(appointments.StatusInSync))
	code, v = e.call("POST", "/v1/checkins", checkInBody("appt-2001", false))
	require.Equal(t, http.StatusCreated, code, v)
	e.waitCheckIn("appt-2001", func(v api.CheckInView) bool { return v.Status == checkins.StatusNeedsAttention })
	cancelled := pms.StatusCancelled
	_, err := e.st.PMSSim.Sim.Edit("live-2", pmssim.Edit{Status: &cancelled})
	require.NoError(t, err)
	e.ehrAppt("appt-2001", func(r map[string]any) bool { return r["status"] == "cancelled" })
	st := e.waitCheckIn("appt-2001", func(v api.CheckInView) bool { return v.Status == checkins.StatusCancelled && v.Closed })
	require.NotContains(t, string(st.Body), `"arrived":true`)
	e.waitAppointment("live-2", func(v api.AppointmentView) bool { return v.CheckIn == appointments.CheckInCancelRequested })

	sent, stats := e.st.EHRSim.Sim.Notifications()
	shapes := map[string]bool{}
	for _, n := range sent {
		shapes[n.Shape] = true
	}
	require.Len(t, shapes, 3, "every notification shape was used: %+v", sent)
	require.Zero(t, stats.Failed)
}

// TestAppointmentReconcileHealsLostEHRNotification: with the EHR's notification lost, an
// edit in the EHR reaches the PMS when the reconciliation runs: it lists the EHR's changed
// Appointments by _lastUpdated since its watermark.
func TestAppointmentReconcileHealsLostEHRNotification(t *testing.T) {
	e := startEngine(t, nil)
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "heal-2", "ehrId": "appt-1005"}, http.StatusCreated)
	e.pmsAppt("heal-2", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("heal-2", appointmentIn(appointments.StatusInSync))
	e.st.EHRSim.Sim.Subscribe(ehrsim.Subscription{})
	e.editEHR("appt-1005", func(r map[string]any) { r["comment"] = "Lost notification" })
	h := e.raw.ScheduleClient().GetHandle(context.Background(), appointments.ScheduleID)
	require.NoError(t, h.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	e.pmsAppt("heal-2", func(a pms.Appointment) bool { return a.Note == "Lost notification" })
}
