package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/checkins"
)

// TestRecordAppointmentCheckInHistories records the histories of the changes
// appointment-cancels-checkin, checkin-cancel and appointment-reconcile-ehr: a front-desk
// cancellation that cancels the check-in waiting for the desk (both workflows' histories),
// and a reconciliation run that lists both sides.
func TestRecordAppointmentCheckInHistories(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) { c.PayloadKeys = replay.PayloadKeys })

	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "rec-ci", "ehrId": "appt-2001"}, http.StatusCreated)
	e.pmsAppt("rec-ci", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("rec-ci", appointmentIn(appointments.StatusInSync))
	code, v := e.call("POST", "/v1/checkins", checkInBody("appt-2001", false))
	require.Equal(t, http.StatusCreated, code, v)
	e.waitCheckIn("appt-2001", func(v api.CheckInView) bool { return v.Status == checkins.StatusNeedsAttention })
	cancelled := pms.StatusCancelled
	_, err := e.st.PMSSim.Sim.Edit("rec-ci", pmssim.Edit{Status: &cancelled})
	require.NoError(t, err)
	e.waitCheckIn("appt-2001", func(v api.CheckInView) bool { return v.Status == checkins.StatusCancelled })
	e.waitAppointment("rec-ci", func(v api.AppointmentView) bool { return v.CheckIn == appointments.CheckInCancelRequested })
	e.exportRun(appointments.WorkflowID("rec-ci"), "", "appointment-cancels-checkin.json")
	e.exportRun(checkins.WorkflowID("appt-2001"), "", "checkin-cancelled-by-appointment.json")

	note := "reconciled"
	_, err = e.st.PMSSim.Sim.Edit("rec-ci", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	e.editEHR("appt-1006", func(r map[string]any) { r["comment"] = "reconciled" })
	run, err := e.st.Temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: "rec-reconcile",
		TaskQueue: appointments.TaskQueue}, appointments.ReconcileWorkflowName, appointments.ReconcileInput{Lookback: time.Hour})
	require.NoError(t, err)
	var res appointments.ReconcileResult
	require.NoError(t, run.Get(context.Background(), &res))
	require.Positive(t, res.Seen)
	require.Positive(t, res.EHRSeen)
	e.exportRun("rec-reconcile", "", "appointment-reconcile-both-sides.json")
}

// TestRecordAppointmentParticipantHistory records a history of the change
// appointment-participant-crosswalk: a PMS twin created with the crosswalk's ids, then a PMS
// edit naming a provider the crosswalk does not know, which writes nothing.
func TestRecordAppointmentParticipantHistory(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) { c.PayloadKeys = replay.PayloadKeys })
	e.st.EHRSim.Sim.Subscribe(ehrsim.Subscription{})
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "rec-xw", "ehrId": "appt-1003"}, http.StatusCreated)
	e.pmsAppt("rec-xw", func(a pms.Appointment) bool { return a.Version >= 1 && a.PatientID == "pat-1003" })
	e.waitAppointment("rec-xw", appointmentIn(appointments.StatusInSync))
	unknown := "pms-prov-unmapped"
	_, err := e.st.PMSSim.Sim.Edit("rec-xw", pmssim.Edit{ProviderID: &unknown})
	require.NoError(t, err)
	e.waitAppointment("rec-xw", func(v api.AppointmentView) bool {
		return v.Status == appointments.StatusError && strings.Contains(v.Error, crosswalk.PMSProvider)
	})
	r, _ := e.st.EHRSim.Sim.Resource("Appointment", "appt-1003")
	require.NotContains(t, fmt.Sprint(r["participant"]), unknown, "nothing written to the EHR")
	e.exportRun(appointments.WorkflowID("rec-xw"), "", "appointment-participant-crosswalk.json")
}
