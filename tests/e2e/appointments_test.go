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
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/workflows/appointments"
)

// waitAppointment polls GET /v1/appointments/{id} until cond holds.
func (e *engine) waitAppointment(id string, cond func(v map[string]any) bool) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		code, v := e.callMap("GET", "/v1/appointments/"+id, nil)
		last = v
		if !assertTrue(c, code == http.StatusOK, "GET status %d: %s", code, v["_raw"]) {
			return
		}
		assertTrue(c, cond(v), "condition not met yet: %s", v["_raw"])
	}, 60*time.Second, 200*time.Millisecond)
	return last
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

func (e *engine) fhirNotify(body []byte) (int, map[string]any) {
	e.t.Helper()
	secret := []byte(e.st.Config.Appointments.FHIRWebhookSecret)
	return e.callWithMap("POST", "/webhooks/fhir", body, map[string]string{api.FHIRSignatureHeader: api.SignFHIRNotification(secret, body)})
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
	code, v := e.callMap("POST", "/v1/appointments", map[string]any{"appointmentId": "sync-1", "ehrId": "appt-1001"})
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	require.Equal(t, "/v1/appointments/sync-1", v["_location"])
	e.waitAppointment("sync-1", func(v map[string]any) bool {
		p, _ := v["pms"].(map[string]any)
		return v["status"] == "in-sync" && p["id"] == "sync-1"
	})
	created := e.pmsAppt("sync-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	require.Equal(t, pms.StatusConfirmed, created.Status, "booked becomes confirmed")
	require.Equal(t, "pat-1001", created.PatientID)
	code, v = e.callMap("POST", "/v1/appointments", map[string]any{"appointmentId": "sync-1", "ehrId": "appt-1001"})
	require.Equal(t, http.StatusOK, code, "a repeated link answers the existing sync: %s", v["_raw"])

	// PMS -> EHR through the simulator's signed webhook.
	note := "Bring the referral letter"
	_, err := e.st.PMSSim.Sim.Edit("sync-1", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	e.ehrAppt("appt-1001", func(r map[string]any) bool { return r["comment"] == note })
	e.waitAppointment("sync-1", func(v map[string]any) bool { return v["merged"].(map[string]any)["note"] == note })

	// A tampered notification is refused and changes nothing.
	tampered := e.editEHR("appt-1001", func(r map[string]any) { r["status"] = "cancelled" })
	code, _ = e.callWithMap("POST", "/webhooks/fhir", tampered, map[string]string{api.FHIRSignatureHeader: api.SignFHIRNotification([]byte("not-the-secret"), tampered)})
	require.Equal(t, http.StatusBadRequest, code)
	a, _ := e.st.PMSSim.Sim.Appointment("sync-1")
	require.NotEqual(t, pms.StatusCancelled, a.Status, "nothing signalled for a bad signature")

	// EHR -> PMS: the same change, now properly signed (Medplum-style full resource).
	code, v = e.fhirNotify(tampered)
	require.Equal(t, http.StatusOK, code, v["_raw"])
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
	code, v = e.fhirNotify(bundle)
	require.Equal(t, http.StatusOK, code, v["_raw"])
	e.pmsAppt("sync-1", func(a pms.Appointment) bool { return a.Note == "Interpreter booked" })

	// The same field changed on both sides: a conflict, nothing overwritten, listed, resolved.
	st := e.waitAppointment("sync-1", func(v map[string]any) bool { return v["merged"].(map[string]any)["note"] == "Interpreter booked" })
	require.Empty(t, st["conflicts"])
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
	e.waitAppointment("sync-1", func(v map[string]any) bool {
		cs, _ := v["conflicts"].([]any)
		return v["status"] == "conflict" && len(cs) == 1 && cs[0].(map[string]any)["field"] == "start"
	})
	require.True(t, e.st.PMSSim.Sim.History("sync-1")[len(e.st.PMSSim.Sim.History("sync-1"))-1].ScheduledTime.Equal(pmsTime), "PMS time kept")
	r, _ := e.st.EHRSim.Sim.Resource("Appointment", "appt-1001")
	require.Equal(t, ehrTime.Format(time.RFC3339), r["start"], "EHR time kept")
	require.EventuallyWithT(t, func(c *assertCollect) {
		code, v := e.callMap("GET", "/v1/appointments?conflict=true", nil)
		if !assertTrue(c, code == http.StatusOK, "list %d %s", code, v["_raw"]) {
			return
		}
		list, _ := v["appointments"].([]any)
		assertTrue(c, len(list) == 1 && list[0].(map[string]any)["appointmentId"] == "sync-1", "listed: %s", v["_raw"])
	}, 30*time.Second, 200*time.Millisecond)
	code, v = e.callMap("POST", "/v1/appointments/sync-1/resolve", map[string]any{"field": "duration", "side": "pms"})
	require.Equal(t, http.StatusUnprocessableEntity, code, v["_raw"])
	code, v = e.callMap("POST", "/v1/appointments/sync-1/resolve", map[string]any{"field": "start", "side": "pms"})
	require.Equal(t, http.StatusOK, code, v["_raw"])
	e.ehrAppt("appt-1001", func(r map[string]any) bool { return r["start"] == pmsTime.UTC().Format(time.RFC3339) })
	e.waitAppointment("sync-1", func(v map[string]any) bool { return v["status"] == "in-sync" })
}

// TestAppointmentReconcileHealsLostWebhook: with the PMS webhook lost, a front-desk edit
// reaches the EHR when the reconciliation Schedule runs (triggered here instead of waiting
// APPOINTMENT_RECONCILE_INTERVAL).
func TestAppointmentReconcileHealsLostWebhook(t *testing.T) {
	e := startEngine(t, nil)
	e.mustCallMap("POST", "/v1/appointments", map[string]any{"appointmentId": "heal-1", "ehrId": "appt-1004"}, http.StatusCreated)
	e.pmsAppt("heal-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("heal-1", func(v map[string]any) bool { return v["status"] == "in-sync" })
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
	e.mustCallMap("POST", "/v1/appointments", map[string]any{"appointmentId": "fault-1", "ehrId": "appt-1005"}, http.StatusCreated)
	e.pmsAppt("fault-1", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("fault-1", func(v map[string]any) bool { return v["status"] == "in-sync" })
	sim := e.st.PMSSim.Sim
	sim.InjectFault(pmssim.Fault{Op: "update", Kind: "412", Count: 1})
	sim.InjectFault(pmssim.Fault{Op: "update", Kind: "503", Count: 1})
	sim.InjectFault(pmssim.Fault{Op: "webhook", Kind: "duplicate", Count: 1})
	body := e.editEHR("appt-1005", func(r map[string]any) { r["comment"] = "Wheelchair access" })
	code, v := e.fhirNotify(body)
	require.Equal(t, http.StatusOK, code, v["_raw"])
	a := e.pmsAppt("fault-1", func(a pms.Appointment) bool { return a.Note == "Wheelchair access" })
	st := e.waitAppointment("fault-1", func(v map[string]any) bool { return v["merged"].(map[string]any)["note"] == "Wheelchair access" })
	require.Equal(t, "in-sync", st["status"])
	writes := 0
	for _, h := range sim.History("fault-1") {
		if h.Note == "Wheelchair access" && h.UpdatedBy == pms.EngineWriter {
			writes++
		}
	}
	require.Equal(t, 1, writes, "one EHR edit, one PMS write (version %d)", a.Version)
}
