package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/apptsync"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/workflows/appointments"
)

// waitAppointment polls GET /v1/appointments/{id} until cond holds.
func (e *engine) waitAppointment(id string, cond func(v api.AppointmentView) bool) api.AppointmentView {
	e.t.Helper()
	return waitUntil(e, "/v1/appointments/"+id, cond).appointment()
}

// appointmentIn is a waitAppointment condition: the sync's status is want.
func appointmentIn(want string) func(api.AppointmentView) bool {
	return func(v api.AppointmentView) bool { return v.Status == want }
}

// noteIs is a waitAppointment condition: the merged appointment's note is want.
func noteIs(want string) func(api.AppointmentView) bool {
	return func(v api.AppointmentView) bool { return v.Merged.Note == want }
}

// pmsAppt waits until the simulated PMS appointment satisfies cond.
func (e *engine) pmsAppt(id string, cond func(a pms.Appointment) bool) pms.Appointment {
	e.t.Helper()
	var last pms.Appointment
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		a, ok := e.st.PMSSim.Sim.Appointment(id)
		last = a
		assertTrue(c, ok && cond(a), "PMS appointment %s not there yet: %+v", id, a)
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

// ehrAppt waits until the simulated EHR Appointment satisfies cond.
func (e *engine) ehrAppt(id string, cond func(r map[string]any) bool) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		r, ok := e.st.EHRSim.Sim.Resource("Appointment", id)
		last = r
		assertTrue(c, ok && cond(r), "EHR Appointment %s not there yet: %v", id, r)
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

// editEHR changes the EHR Appointment as a person in the EHR would (a new version) and
// returns the new resource.
func (e *engine) editEHR(id string, f func(r map[string]any)) []byte {
	e.t.Helper()
	r, ok := e.st.EHRSim.Sim.Resource("Appointment", id)
	require.True(e.t, ok)
	f(r)
	b, err := json.Marshal(r)
	require.NoError(e.t, err)
	require.NoError(e.t, e.st.EHRSim.Sim.Put("Appointment", id, b))
	r, _ = e.st.EHRSim.Sim.Resource("Appointment", id)
	b, err = json.Marshal(r)
	require.NoError(e.t, err)
	return b
}

// fhirNotify posts a FHIR notification signed with the engine's secret.
func (e *engine) fhirNotify(body []byte) (int, reply) {
	e.t.Helper()
	secret := []byte(e.st.Config.Appointments.FHIRWebhookSecret)
	return e.callWith("POST", "/webhooks/fhir", body, map[string]string{api.FHIRSignatureHeader: api.SignFHIRNotification(secret, body)})
}

// TestAppointmentSyncBothWays: an EHR appointment linked through the API creates its PMS
// twin; a front-desk edit in the PMS reaches the EHR through the signed PMS webhook; a
// cancellation in the EHR reaches the PMS through a Medplum-style FHIR notification and a
// note through a Backport id-only Bundle; the same time changed on both sides is a conflict,
// listed and resolved through the API. Bad signatures signal nothing.
func TestAppointmentSyncBothWays(t *testing.T) {
	e := startEngine(t, nil)
	// This test delivers the EHR's notifications itself (tampered, duplicated, each shape).
	e.st.EHRSim.Sim.Subscribe(ehrsim.Subscription{})
	r := e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "sync-1", "ehrId": "appt-1001"}, http.StatusCreated)
	require.Equal(t, "/v1/appointments/sync-1", r.Location)
	e.waitAppointment("sync-1", func(v api.AppointmentView) bool {
		return v.Status == appointments.StatusInSync && v.PMS.ID == "sync-1"
	})
	created := e.pmsAppt("sync-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	require.Equal(t, pms.StatusConfirmed, created.Status, "booked becomes confirmed")
	require.Equal(t, "pat-1001", created.PatientID)
	code, r := e.call("POST", "/v1/appointments", map[string]any{"appointmentId": "sync-1", "ehrId": "appt-1001"})
	require.Equal(t, http.StatusOK, code, "a repeated link answers the existing sync: %s", r)
	require.Equal(t, "sync-1", r.appointment().AppointmentID)

	// PMS -> EHR through the simulator's signed webhook.
	note := "Bring the referral letter"
	_, err := e.st.PMSSim.Sim.Edit("sync-1", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	e.ehrAppt("appt-1001", func(r map[string]any) bool { return r["comment"] == note })
	e.waitAppointment("sync-1", noteIs(note))

	// A tampered notification is refused and changes nothing.
	tampered := e.editEHR("appt-1001", func(r map[string]any) { r["status"] = "cancelled" })
	code, _ = e.callWith("POST", "/webhooks/fhir", tampered, map[string]string{api.FHIRSignatureHeader: api.SignFHIRNotification([]byte("not-the-secret"), tampered)})
	require.Equal(t, http.StatusBadRequest, code)
	a, _ := e.st.PMSSim.Sim.Appointment("sync-1")
	require.NotEqual(t, pms.StatusCancelled, a.Status, "nothing signalled for a bad signature")

	// EHR -> PMS: the same change, now properly signed (Medplum-style full resource).
	code, r = e.fhirNotify(tampered)
	require.Equal(t, http.StatusOK, code, r)
	e.pmsAppt("sync-1", func(a pms.Appointment) bool { return a.Status == pms.StatusCancelled })
	code, _ = e.fhirNotify(tampered)
	require.Equal(t, http.StatusOK, code, "a duplicate notification is acknowledged")

	// EHR -> PMS: an id-only Subscriptions Backport history Bundle makes the workflow read.
	e.editEHR("appt-1001", func(r map[string]any) { r["comment"] = "Interpreter booked" })
	bundle := []byte(`{"resourceType":"Bundle","type":"history","entry":[{"fullUrl":"urn:uuid:7f0c","resource":{"resourceType":"Parameters","parameter":[` +
		`{"name":"subscription","valueReference":{"reference":"Subscription/appointments"}},{"name":"status","valueCode":"active"},` +
		`{"name":"type","valueCode":"event-notification"},{"name":"events-since-subscription-start","valueString":"1"},` +
		`{"name":"notification-event","part":[{"name":"event-number","valueString":"1"},{"name":"focus","valueReference":{"reference":"Appointment/appt-1001"}}]}]}},` +
		`{"fullUrl":"Appointment/appt-1001","request":{"method":"PUT","url":"Appointment/appt-1001"}}]}`)
	code, r = e.fhirNotify(bundle)
	require.Equal(t, http.StatusOK, code, r)
	e.pmsAppt("sync-1", func(a pms.Appointment) bool { return a.Note == "Interpreter booked" })

	// The same field changed on both sides: a conflict, nothing overwritten, listed, resolved.
	st := e.waitAppointment("sync-1", noteIs("Interpreter booked"))
	require.Empty(t, st.Conflicts)
	pmsTime := created.ScheduledTime.Add(2 * time.Hour)
	ehrTime := created.ScheduledTime.Add(3 * time.Hour)
	ehrBody := e.editEHR("appt-1001", func(r map[string]any) {
		r["start"] = ehrTime.Format(time.RFC3339)
		r["end"] = ehrTime.Add(30 * time.Minute).Format(time.RFC3339)
	})
	_, err = e.st.PMSSim.Sim.Edit("sync-1", pmssim.Edit{ScheduledTime: &pmsTime})
	require.NoError(t, err)
	code, _ = e.fhirNotify(ehrBody)
	require.Equal(t, http.StatusOK, code)
	e.waitAppointment("sync-1", func(v api.AppointmentView) bool {
		return v.Status == appointments.StatusConflict && len(v.Conflicts) == 1 && v.Conflicts[0].Field == apptsync.FieldStart
	})
	require.True(t, e.st.PMSSim.Sim.History("sync-1")[len(e.st.PMSSim.Sim.History("sync-1"))-1].ScheduledTime.Equal(pmsTime), "PMS time kept")
	ehr, _ := e.st.EHRSim.Sim.Resource("Appointment", "appt-1001")
	require.Equal(t, ehrTime.Format(time.RFC3339), ehr["start"], "EHR time kept")
	require.EventuallyWithT(t, func(c *assertCollect) {
		code, r := e.call("GET", "/v1/appointments?conflict=true", nil)
		if !assertTrue(c, code == http.StatusOK, "list %d %s", code, r) {
			return
		}
		list := decodeAs[api.AppointmentList](r).Appointments
		assertTrue(c, len(list) == 1 && list[0].AppointmentID == "sync-1", "listed: %s", r)
	}, 30*time.Second, 200*time.Millisecond)
	p := e.mustCall("POST", "/v1/appointments/sync-1/resolve", map[string]any{"field": "duration", "side": "pms"},
		http.StatusUnprocessableEntity).problem()
	require.Equal(t, api.ProblemUpdateRejected, p.Type)
	// The resolve repeated with its Idempotency-Key (a client retrying a lost answer) is the
	// same update: one resolution, the same answer.
	first, again := e.updateTwice("/v1/appointments/sync-1/resolve", map[string]any{"field": "start", "side": "pms"},
		"resolve-sync-1-start")
	require.Equal(t, first.appointment(), again.appointment(), "the first resolve's answer")
	require.Empty(t, first.appointment().Conflicts, "answered once the resolution was merged")
	e.ehrAppt("appt-1001", func(r map[string]any) bool { return r["start"] == pmsTime.UTC().Format(time.RFC3339) })
	e.waitAppointment("sync-1", appointmentIn(appointments.StatusInSync))
}

// TestAppointmentReconcileHealsLostWebhook: with the PMS webhook lost, a front-desk edit
// reaches the EHR when the reconciliation Schedule runs (triggered here instead of waiting
// APPOINTMENT_RECONCILE_INTERVAL).
func TestAppointmentReconcileHealsLostWebhook(t *testing.T) {
	e := startEngine(t, nil)
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "heal-1", "ehrId": "appt-1004"}, http.StatusCreated)
	e.pmsAppt("heal-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("heal-1", appointmentIn(appointments.StatusInSync))
	e.st.PMSSim.Sim.SetWebhookURL("")
	dept := "cardiology-annex"
	_, err := e.st.PMSSim.Sim.Edit("heal-1", pmssim.Edit{Department: &dept})
	require.NoError(t, err)
	h := e.raw.ScheduleClient().GetHandle(context.Background(), appointments.ScheduleID)
	require.NoError(t, h.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	e.ehrAppt("appt-1004", func(r map[string]any) bool {
		sp, _ := r["specialty"].([]any)
		return len(sp) == 1 && sp[0].(map[string]any)["text"] == dept
	})
}

// TestAppointmentPMSFaultsConverge: a stale-version answer (412) makes the workflow read and
// merge again, a 503 is retried by Temporal, and a duplicated webhook has one effect; the EHR
// edit still lands in the PMS exactly once.
func TestAppointmentPMSFaultsConverge(t *testing.T) {
	e := startEngine(t, nil)
	// The one EHR notification is posted by the test, so the PMS write count is exact.
	e.st.EHRSim.Sim.Subscribe(ehrsim.Subscription{})
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "fault-1", "ehrId": "appt-1005"}, http.StatusCreated)
	e.pmsAppt("fault-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("fault-1", appointmentIn(appointments.StatusInSync))
	sim := e.st.PMSSim.Sim
	sim.InjectFault(pmssim.Fault{Op: "update", Kind: "412", Count: 1})
	sim.InjectFault(pmssim.Fault{Op: "update", Kind: "503", Count: 1})
	sim.InjectFault(pmssim.Fault{Op: "webhook", Kind: "duplicate", Count: 1})
	body := e.editEHR("appt-1005", func(r map[string]any) { r["comment"] = "Wheelchair access" })
	code, r := e.fhirNotify(body)
	require.Equal(t, http.StatusOK, code, r)
	a := e.pmsAppt("fault-1", func(a pms.Appointment) bool { return a.Note == "Wheelchair access" })
	st := e.waitAppointment("fault-1", noteIs("Wheelchair access"))
	require.Equal(t, appointments.StatusInSync, st.Status)
	writes := 0
	for _, h := range sim.History("fault-1") {
		if h.Note == "Wheelchair access" && h.UpdatedBy == pms.EngineWriter {
			writes++
		}
	}
	require.Equal(t, 1, writes, "one EHR edit, one PMS write (version %d)", a.Version)
}
