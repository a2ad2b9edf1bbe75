package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/notifications"
	"github.com/careflow/engine/workflows/payments"
	"github.com/careflow/engine/workflows/prescriptions"
)

// TestRecordBaselineHistories records, for every process, histories of runs that took the
// process's baseline change (workflows/internal/baseline): one version marker and one
// TemporalChangeVersion upsert for all the changes it covers (files <process>-baseline-*.json).
// Each history is checked for exactly that before it is written. Same rules as
// TestRecordReplayHistories.
func TestRecordBaselineHistories(t *testing.T) {
	e := startRxEngine(t, recording(t, func(c *config.Config) {
		c.PaymentAuthorizationTTL = 5 * time.Second
		c.PaymentRefundWindow = 10 * time.Second
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 30 * time.Second
		c.Lab.AckTimeout = time.Minute
		c.Lab.CorrectionsWindow = 5 * time.Second
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = 0
	}))
	export := func(workflowID, baselineID, file string) {
		e.requireBaselineOnly(workflowID, baselineID)
		e.exportWorkflow(workflowID, file)
	}

	// Payments: the plain flows and a capture that outlasts the update wait.
	for _, sc := range []struct {
		name, pm string
		drive    func(id string)
	}{
		{"captured-refunded", "pm_card_visa", func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{}, http.StatusOK)
			e.mustCall("POST", "/v1/payments/"+id+"/refund", map[string]any{"amount": 2000}, http.StatusOK)
		}},
		{"capture-background", "pm_card_visa", func(id string) {
			e.st.StripeSim.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultSlow, Count: 1,
				Delay: payments.UpdateWait + 3*time.Second})
			v := e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{}, http.StatusOK)
			require.Equal(t, payments.StatusCapturing, v.payment().Status)
		}},
		{"canceled", "pm_card_visa", func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/cancel", map[string]any{"reason": "abandoned"}, http.StatusOK)
		}},
		{"declined", "pm_card_chargeDeclined", nil},
	} {
		id := "replay-baseline-" + sc.name
		e.mustCall("POST", "/v1/payments", newPayment(id, 5000, sc.pm), http.StatusCreated)
		if sc.drive != nil {
			e.waitFor(id, func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
			sc.drive(id)
		}
		e.waitFor(id, func(v api.PaymentView) bool { return v.Closed == true })
		export(payments.WorkflowID(id), payments.Baseline.ID, "payments-baseline-"+sc.name+".json")
	}

	// Check-ins: eligible with copay and text, and a chart without coverage paid by the desk.
	for _, sc := range []struct {
		appt, file string
		after      func()
	}{
		{"appt-1001", "checkin-baseline-eligible-copay.json", nil},
		{"appt-2001", "checkin-baseline-no-coverage-self-pay.json", func() {
			e.mustCall("POST", "/v1/checkins/appt-2001/self-pay", map[string]any{"amount": 4000, "paymentMethod": "pm_card_visa"}, http.StatusOK)
		}},
	} {
		code, v := e.call("POST", "/v1/checkins", checkInBody(sc.appt, true))
		require.Equal(t, http.StatusCreated, code, v)
		if sc.after != nil {
			sc.after()
		}
		e.waitClosed(checkins.WorkflowID(sc.appt))
		export(checkins.WorkflowID(sc.appt), checkins.Baseline.ID, sc.file)
	}

	// Notifications: a text delivered.
	st := e.notify("replay-baseline-sms", "pat-4007")
	require.Equal(t, notifications.StatusDelivered, st.Status)
	export(notifications.WorkflowID("replay-baseline-sms"), notifications.Baseline.ID, "notifications-baseline-sms-delivered.json")

	// Lab orders: a normal order whose patient is told, and a critical value acknowledged.
	const normal, critical = "LAB-BL1", "CRITICAL-POTASSIUM-BL2"
	e.mustCall("POST", "/v1/lab-orders", labOrder(normal), http.StatusCreated)
	e.mustCall("POST", "/v1/lab-orders", labOrder(critical), http.StatusCreated)
	e.waitLab(critical, func(v api.LabOrderView) bool { return len(v.Escalation.Pages) >= 1 })
	e.mustCall("POST", "/v1/lab-orders/"+critical+"/acknowledge", map[string]any{"by": "dr.replay"}, http.StatusOK)
	for p, file := range map[string]string{normal: "laborder-baseline-normal.json", critical: "laborder-baseline-critical-acknowledged.json"} {
		e.waitLab(p, func(v api.LabOrderView) bool { return v.Closed == true })
		export(laborders.WorkflowID(p), laborders.Baseline.ID, file)
	}

	// Claims: a claim sent alone and partially paid.
	e.mustCall("POST", "/v1/claims", claimBody("PART-BL1"), http.StatusCreated)
	e.waitClosed(claims.WorkflowID("PART-BL1"))
	export(claims.WorkflowID("PART-BL1"), claims.Baseline.ID, "claim-baseline-partially-paid.json")

	// Prescriptions: sent and filled.
	e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": "rx-filled", "followWindowSeconds": 4}, http.StatusCreated)
	e.waitRx("rx-filled", rxIn(prescriptions.StatusFilled))
	e.waitRx("rx-filled", func(v api.PrescriptionView) bool { return v.Closed })
	export(prescriptions.WorkflowID("rx-filled"), prescriptions.Baseline.ID, "prescription-baseline-filled.json")

	// Appointments (long-lived, exported open): linked, its PMS twin created, then an arrival
	// in the EHR synced to the PMS.
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "rec-bl", "ehrId": "appt-1002"}, http.StatusCreated)
	e.pmsAppt("rec-bl", func(a pms.Appointment) bool { return a.Version >= 1 })
	e.waitAppointment("rec-bl", appointmentIn(appointments.StatusInSync))
	code, _ := e.fhirNotify(e.editEHR("appt-1002", func(r map[string]any) { r["status"] = "arrived" }))
	require.Equal(t, http.StatusOK, code)
	e.pmsAppt("rec-bl", func(a pms.Appointment) bool { return a.Status == pms.StatusCheckedIn })
	e.waitAppointment("rec-bl", func(v api.AppointmentView) bool { return v.Merged.Status == "arrived" })
	export(appointments.WorkflowID("rec-bl"), appointments.Baseline.ID, "appointment-baseline-arrived-synced.json")
}

// requireBaselineOnly checks that the history records one TemporalChangeVersion upsert (the
// search attribute stays readable under the payload codec) naming the baseline change alone.
func (e *engine) requireBaselineOnly(workflowID, baselineID string) {
	e.t.Helper()
	iter := e.raw.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	var versions []string
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(e.t, err)
		if ev.GetEventType() != enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
			continue
		}
		if p, ok := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()["TemporalChangeVersion"]; ok {
			versions = append(versions, strings.TrimSpace(string(p.GetData())))
		}
	}
	require.Equal(e.t, []string{`["` + baselineID + `-1"]`}, versions, "%s records its baseline only", workflowID)
}
