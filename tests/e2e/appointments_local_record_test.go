package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/workflows/appointments"
)

// TestRecordAppointmentLocalSyncHistories records a history of the change
// appointment-local-sync: an EHR appointment linked and its PMS twin created (regular
// activities), an arrival in the EHR synced to the PMS as checked-in with local reads and a
// local write (the committed history has the PMS webhook of that write as an echo signal; the
// API has since recognised such echoes itself), a front-desk note synced to the EHR the same
// way, then a time conflict whose resolve update makes the sync call regular activities.
func TestRecordAppointmentLocalSyncHistories(t *testing.T) {
	e := startEngine(t, recording(t, nil))
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "rec-ls", "ehrId": "appt-1002"}, http.StatusCreated)
	created := e.pmsAppt("rec-ls", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("rec-ls", appointmentIn(appointments.StatusInSync))

	body := e.editEHR("appt-1002", func(r map[string]any) { r["status"] = "arrived" })
	code, _ := e.fhirNotify(body)
	require.Equal(t, http.StatusOK, code)
	e.pmsAppt("rec-ls", func(a pms.Appointment) bool { return a.Status == pms.StatusCheckedIn })
	e.waitAppointment("rec-ls", func(v api.AppointmentView) bool { return v.Merged.Status == "arrived" })

	note := "Interpreter requested"
	_, err := e.st.PMSSim.Sim.Edit("rec-ls", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	e.ehrAppt("appt-1002", func(r map[string]any) bool { return r["comment"] == note })
	e.waitAppointment("rec-ls", noteIs(note))

	e.resolveStartConflict("rec-ls", "appt-1002", created)
	e.waitAppointment("rec-ls", appointmentIn(appointments.StatusInSync))
	e.exportRun(appointments.WorkflowID("rec-ls"), "", "appointment-local-sync.json")
}
