package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/notifications"
	"github.com/careflow/engine/workflows/payments"
	"github.com/careflow/engine/workflows/prescriptions"
)

// TestRecordOpsAttributeHistories records one history per process of the operator search
// attributes version (opsattr.ChangeID), with the same rules as TestRecordReplayHistories:
// every kind of workflow publishes CareflowProcess/Status/NeedsAttention/Critical/Vendor.
func TestRecordOpsAttributeHistories(t *testing.T) {
	e := startRxEngine(t, recording(t, func(c *config.Config) {
		c.PaymentAuthorizationTTL = 5 * time.Second
		c.PaymentRefundWindow = 3 * time.Second
		c.Claims.RemitTimeout = 6 * time.Second
		c.Lab.AckTimeout = 2 * time.Second
		c.Lab.CorrectionsWindow = 2 * time.Second
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
	}))
	// Payment: authorized, captured, refund window closed.
	e.mustCall("POST", "/v1/payments", newPayment("ops-pay", 5000, "pm_card_visa"), http.StatusCreated)
	e.waitFor("ops-pay", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	e.mustCall("POST", "/v1/payments/ops-pay/capture", map[string]any{}, http.StatusOK)

	// Check-in: eligible, copay taken, arrived.
	e.mustCall("POST", "/v1/checkins", checkInBody("appt-1001", true), http.StatusCreated)

	// Lab order: a critical value escalated and acknowledged.
	e.mustCall("POST", "/v1/lab-orders", labOrder("CRITICAL-POTASSIUM-OPS"), http.StatusCreated)
	e.waitLab("CRITICAL-POTASSIUM-OPS", func(v api.LabOrderView) bool { return len(v.Escalation.Pages) >= 2 })
	e.mustCall("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-OPS/acknowledge", map[string]any{"by": "dr.replay"}, http.StatusOK)

	// Claim: partially paid by the 835.
	e.mustCall("POST", "/v1/claims", claimBody("PART-OPS1"), http.StatusCreated)

	// Prescription: sent and filled.
	e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": "rx-filled", "followWindowSeconds": 4}, http.StatusCreated)

	// Notification: a text, delivered.
	st := e.notify("ops-sms", "pat-4007")
	require.Equal(t, notifications.StatusDelivered, st.Status)

	// Appointment: linked, and long-lived, so its run is exported while it waits.
	e.mustCall("POST", "/v1/appointments", map[string]any{"appointmentId": "ops-appt", "ehrId": "appt-1002"}, http.StatusCreated)
	e.requireListed("CareflowProcess = 'appointment' AND CareflowStatus = '"+appointments.StatusInSync+"'",
		appointments.WorkflowID("ops-appt"))

	for id, file := range map[string]string{
		payments.WorkflowID("ops-pay"):                 "payments-ops-captured.json",
		checkins.WorkflowID("appt-1001"):               "checkin-ops-eligible.json",
		laborders.WorkflowID("CRITICAL-POTASSIUM-OPS"): "laborder-ops-critical.json",
		claims.WorkflowID("PART-OPS1"):                 "claim-ops-partially-paid.json",
		prescriptions.WorkflowID("rx-filled"):          "prescription-ops-filled.json",
		notifications.WorkflowID("ops-sms"):            "notifications-ops-sms.json",
	} {
		e.waitClosed(id)
		e.exportWorkflow(id, file)
	}
	e.exportRun(appointments.WorkflowID("ops-appt"), "", "appointment-ops-in-sync.json")
}
