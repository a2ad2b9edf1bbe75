package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/workflows/appointments"
)

// TestRecordAppointmentHistories records appointment-sync histories for the replay tests:
// a linked sync with edits both ways, a conflict and its resolution; a sync started by a PMS
// webhook for an appointment the engine had not seen; and a sync continued as new (the dev
// server suggests continue-as-new after a few dozen events).
func TestRecordAppointmentHistories(t *testing.T) {
	e := startEngine(t, recording(t, nil))

	// 1. Link, edits both ways, a conflict resolved.
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "rec-1", "ehrId": "appt-1002"}, http.StatusCreated)
	created := e.pmsAppt("rec-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	note := "Parking validated at the front desk"
	_, err := e.st.PMSSim.Sim.Edit("rec-1", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	e.ehrAppt("appt-1002", func(r map[string]any) bool { return r["comment"] == note })
	e.resolveStartConflict("rec-1", "appt-1002", created)
	e.exportRun(appointments.WorkflowID("rec-1"), "", "appointment-link-edits-conflict.json")

	// 2. A PMS appointment the engine has not seen, announced by the PMS webhook.
	appt := pms.Appointment{AppointmentID: "pms-new-1", PatientID: "pat-1003", ProviderID: ehrsim.PractitionerID,
		ScheduledTime: time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute), Duration: 20,
		AppointmentType: "ROUTINE", Status: pms.StatusScheduled, Department: "cardiology", UpdatedBy: "front-desk"}
	b, err := json.Marshal(appt)
	require.NoError(t, err)
	resp, err := http.Post(e.st.PMSSim.URL+"/appointments", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	v := e.waitAppointment(appointments.IDForPMS("pms-new-1"), func(v api.AppointmentView) bool {
		return v.Status == appointments.StatusInSync && v.EHR.ID != ""
	})
	require.NotEmpty(t, v.EHR.ID)
	e.exportRun(appointments.WorkflowID(appointments.IDForPMS("pms-new-1")), "", "appointment-started-by-pms-webhook.json")

	// 3. Continue-as-new: enough PMS edits to pass the lowered suggestion threshold.
	e = startEngineWithServerArgs(t, []string{"--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=60"},
		recording(t, nil))
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "rec-3", "ehrId": "appt-1003"}, http.StatusCreated)
	e.pmsAppt("rec-3", func(a pms.Appointment) bool { return a.Version >= 1 })
	wid := appointments.WorkflowID("rec-3")
	desc, err := e.raw.DescribeWorkflowExecution(context.Background(), wid, "")
	require.NoError(t, err)
	firstRun := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	for i := 0; ; i++ {
		n := "edit " + time.Now().Format(time.RFC3339Nano)
		_, err := e.st.PMSSim.Sim.Edit("rec-3", pmssim.Edit{Note: &n})
		require.NoError(t, err)
		e.ehrAppt("appt-1003", func(r map[string]any) bool { return r["comment"] == n })
		d, err := e.raw.DescribeWorkflowExecution(context.Background(), wid, "")
		require.NoError(t, err)
		if d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != firstRun {
			break
		}
		require.Less(t, i, 40, "no continue-as-new after 40 edits")
	}
	last := "after continue-as-new"
	_, err = e.st.PMSSim.Sim.Edit("rec-3", pmssim.Edit{Note: &last})
	require.NoError(t, err)
	e.ehrAppt("appt-1003", func(r map[string]any) bool { return r["comment"] == last })
	e.exportRun(wid, firstRun, "appointment-continued-as-new-first-run.json")
	e.exportRun(wid, "", "appointment-continued-as-new-next-run.json")
}

// resolveStartConflict moves the appointment an hour later in the PMS and two hours later in
// the EHR (whose notification it sends), waits for the time conflict, resolves it with the
// EHR's time and returns once the PMS has that time.
func (e *engine) resolveStartConflict(apptID, ehrID string, created pms.Appointment) {
	e.t.Helper()
	pmsTime, ehrTime := created.ScheduledTime.Add(time.Hour), created.ScheduledTime.Add(2*time.Hour)
	body := e.editEHR(ehrID, func(r map[string]any) {
		r["start"], r["end"] = ehrTime.Format(time.RFC3339), ehrTime.Add(30*time.Minute).Format(time.RFC3339)
	})
	_, err := e.st.PMSSim.Sim.Edit(apptID, pmssim.Edit{ScheduledTime: &pmsTime})
	require.NoError(e.t, err)
	code, _ := e.fhirNotify(body)
	require.Equal(e.t, http.StatusOK, code)
	e.waitAppointment(apptID, appointmentIn(appointments.StatusConflict))
	e.mustCall("POST", "/v1/appointments/"+apptID+"/resolve", map[string]any{"field": "start", "side": "ehr"}, http.StatusOK)
	e.pmsAppt(apptID, func(a pms.Appointment) bool { return a.ScheduledTime.Equal(ehrTime) })
}
