package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/payments"
)

// TestRecordReplayHistories exports histories of real runs into tests/replay/testdata for the
// replay tests. It runs only with CAREFLOW_RECORD_HISTORIES=1, when a workflow change ships a
// new version: committed histories are never rewritten, so it refuses to overwrite a file.
func TestRecordReplayHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.PaymentAuthorizationTTL = 3 * time.Second
		c.PaymentRefundWindow = 3 * time.Second
	}))
	scenarios := map[string]func(id string){
		"captured-refunded": func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{"amount": 4000}, http.StatusOK)
			e.mustCall("POST", "/v1/payments/"+id+"/refund", map[string]any{"amount": 1000}, http.StatusOK)
			e.waitFor(id, func(v api.PaymentView) bool { return v.CaptureConfirmed == true })
			e.mustCall("POST", "/v1/payments/"+id+"/refund", map[string]any{}, http.StatusOK)
		},
		"captured-window-closed": func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{}, http.StatusOK)
		},
		"canceled": func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/cancel", map[string]any{"reason": "abandoned"}, http.StatusOK)
		},
		"expired": func(string) {},
	}
	for name, drive := range scenarios {
		id := "replay-" + name
		e.mustCall("POST", "/v1/payments", newPayment(id, 5000, "pm_card_visa"), http.StatusCreated)
		e.waitFor(id, func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
		drive(id)
		e.waitFor(id, func(v api.PaymentView) bool { return v.Closed == true })
		e.exportHistory(id, "payments-"+name+".json")
	}
	id := "replay-declined"
	e.mustCall("POST", "/v1/payments", newPayment(id, 5000, "pm_card_chargeDeclined"), http.StatusCreated)
	e.waitFor(id, func(v api.PaymentView) bool { return v.Closed == true })
	e.exportHistory(id, "payments-declined.json")
}

// TestRecordPaymentHistories records payment histories of the newest version: Stripe's stored
// 500s and lost answers reconciled, an update answered "capturing" while its capture finishes
// in the background, plus the plain flows. payments-v1-* were recorded with the
// payments-reconcile change, payments-local-* with payments-local-stripe version 1 on top of it
// (the background capture's slow Stripe outlasts the local budget and carries on as an
// activity), payments-local-v2-* with version 2 (the wait timers canceled once not needed),
// payments-local-v3-* with version 3 (the calls updates ask for are regular activities again).
func TestRecordPaymentHistories(t *testing.T) {
	const prefix = "payments-local-v3-"
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.PaymentAuthorizationTTL = 5 * time.Second
		c.PaymentRefundWindow = 10 * time.Second
	}))
	sim := e.st.StripeSim.Sim
	fault := func(op, kind string, delay time.Duration) {
		sim.InjectFault(stripesim.Fault{Op: op, Kind: kind, Count: 1, Delay: delay})
	}
	scenarios := []struct {
		name   string
		before func()
		drive  func(id string)
	}{
		{"stored-errors-reconciled", func() { fault(stripesim.OpCreate, stripesim.FaultStoredServerError, 0) }, func(id string) {
			fault(stripesim.OpCapture, stripesim.FaultStoredServerError, 0)
			e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{"amount": 4000}, http.StatusOK)
			fault(stripesim.OpRefund, stripesim.FaultStoredServerError, 0)
			e.mustCall("POST", "/v1/payments/"+id+"/refund", map[string]any{"amount": 1000}, http.StatusOK)
			fault(stripesim.OpRefund, stripesim.FaultLost, 0)
			e.mustCall("POST", "/v1/payments/"+id+"/refund", map[string]any{}, http.StatusOK)
		}},
		{"capture-background", nil, func(id string) {
			fault(stripesim.OpCapture, stripesim.FaultSlow, payments.UpdateWait+3*time.Second)
			v := e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{}, http.StatusOK)
			require.Equal(t, payments.StatusCapturing, v.payment().Status)
		}},
		{"canceled", nil, func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/cancel", map[string]any{"reason": "abandoned"}, http.StatusOK)
		}},
		{"captured-refunded", nil, func(id string) {
			e.mustCall("POST", "/v1/payments/"+id+"/capture", map[string]any{}, http.StatusOK)
			e.mustCall("POST", "/v1/payments/"+id+"/refund", map[string]any{"amount": 2000}, http.StatusOK)
		}},
		{"expired", nil, func(string) {}},
	}
	for _, sc := range scenarios {
		id := "replay-local-v3-" + sc.name
		if sc.before != nil {
			sc.before()
		}
		e.mustCall("POST", "/v1/payments", newPayment(id, 5000, "pm_card_visa"), http.StatusCreated)
		e.waitFor(id, func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
		sc.drive(id)
		e.waitFor(id, func(v api.PaymentView) bool { return v.Closed == true })
		e.exportHistory(id, prefix+sc.name+".json")
	}
	id := "replay-local-v3-declined"
	e.mustCall("POST", "/v1/payments", newPayment(id, 5000, "pm_card_chargeDeclined"), http.StatusCreated)
	e.waitFor(id, func(v api.PaymentView) bool { return v.Closed == true })
	e.exportHistory(id, prefix+"declined.json")
}

// recording skips t unless CAREFLOW_RECORD_HISTORIES=1 and returns the engine configuration of
// a recording: the replay tests' payload keys, then mutate (nil for none).
func recording(t *testing.T, mutate func(*config.Config)) func(*config.Config) {
	t.Helper()
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	return func(c *config.Config) {
		c.PayloadKeys = replay.PayloadKeys
		if mutate != nil {
			mutate(c)
		}
	}
}

// exportHistory writes the history as the server stores it (payloads still encrypted), in the
// JSON format of `temporal workflow show -o json`.
func (e *engine) exportHistory(paymentID, file string) {
	e.t.Helper()
	e.exportWorkflow(payments.WorkflowID(paymentID), file)
}

// exportWorkflow writes one workflow's history (its current run) into tests/replay/testdata.
func (e *engine) exportWorkflow(workflowID, file string) {
	e.t.Helper()
	e.exportRun(workflowID, "", file)
}

// exportRun writes one run's history ("" for the current run) into tests/replay/testdata.
func (e *engine) exportRun(workflowID, runID, file string) {
	e.t.Helper()
	path := filepath.Join("..", "replay", "testdata", file)
	if _, err := os.Stat(path); err == nil {
		e.t.Fatalf("%s exists: committed histories are never rewritten; name the new version differently", path)
	}
	iter := e.raw.GetWorkflowHistory(context.Background(), workflowID, runID, false, 0)
	h := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(e.t, err)
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(e.t, err)
	require.NoError(e.t, os.WriteFile(path, b, 0o644))
}

// TestRecordCheckInHistories records check-in histories for the replay tests, under the same
// rules as TestRecordReplayHistories.
func TestRecordCheckInHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 3 * time.Second
	}))
	scenarios := []struct{ appt, file string }{
		{"appt-1001", "checkin-eligible-copay.json"},
		{"appt-1002", "checkin-inactive-timeout.json"},
		{"appt-1005", "checkin-payer-down.json"},
		{"appt-2001", "checkin-no-coverage-self-pay.json"},
	}
	for _, sc := range scenarios {
		code, v := e.call("POST", "/v1/checkins", checkInBody(sc.appt, true))
		require.Equal(t, http.StatusCreated, code, v)
		if sc.appt == "appt-2001" {
			e.mustCall("POST", "/v1/checkins/appt-2001/self-pay", map[string]any{"amount": 4000, "paymentMethod": "pm_card_visa"}, http.StatusOK)
		}
		e.waitClosed(checkins.WorkflowID(sc.appt))
		e.exportWorkflow(checkins.WorkflowID(sc.appt), sc.file)
	}
}

// TestRecordCheckInGuardHistories records the check-in histories of the guards (changeGuards
// version 1): an eligible check-in past the guards, a refusal before any side effect, and a
// cancellation found at the write-back. Same rules as TestRecordReplayHistories.
func TestRecordCheckInGuardHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = time.Minute
	}))
	e.mustCall("POST", "/v1/checkins", checkInBody("appt-1001", true), http.StatusCreated)
	e.waitCheckIn("appt-1001", func(v api.CheckInView) bool { return v.Closed == true })
	e.exportWorkflow(checkins.WorkflowID("appt-1001"), "checkin-eligible-copay-guarded.json")

	e.mustCall("POST", "/v1/checkins", checkInBody(ehrsim.ApptCancelled, true), http.StatusUnprocessableEntity)
	e.waitCheckIn(ehrsim.ApptCancelled, func(v api.CheckInView) bool { return v.Closed == true })
	e.exportWorkflow(checkins.WorkflowID(ehrsim.ApptCancelled), "checkin-refused-cancelled.json")

	e.mustCall("POST", "/v1/checkins", checkInBody("appt-1003", true), http.StatusCreated)
	appt, _ := e.st.EHRSim.Sim.Resource("Appointment", "appt-1003")
	delete(appt, "meta")
	appt["status"] = "cancelled"
	require.NoError(t, e.st.EHRSim.Sim.Seed(appt))
	e.mustCall("POST", "/v1/checkins/appt-1003/self-pay", map[string]any{"amount": 4000, "paymentMethod": "pm_card_visa"}, http.StatusOK)
	e.waitCheckIn("appt-1003", func(v api.CheckInView) bool { return v.Closed == true })
	e.exportWorkflow(checkins.WorkflowID("appt-1003"), "checkin-cancelled-at-arrival.json")
}

// TestRecordCheckInCoverageHistories records the check-in histories of the coverage selection
// (changeCoverage version 1): a dependent asked about in loop 2000D, a secondary coverage checked
// after the verdict, and no usable coverage. Same rules as TestRecordReplayHistories.
func TestRecordCheckInCoverageHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 3 * time.Second
	}))
	e.plantOnlyEndedCoverage("appt-ended", "pat-ended")
	for appt, file := range map[string]string{ehrsim.ApptDependent: "checkin-dependent-2000d.json",
		ehrsim.ApptSecondary: "checkin-secondary-coverage.json", "appt-ended": "checkin-no-usable-coverage.json"} {
		e.mustCall("POST", "/v1/checkins", checkInBody(appt, true), http.StatusCreated)
		e.waitCheckIn(appt, func(v api.CheckInView) bool { return v.Closed == true })
		e.exportWorkflow(checkins.WorkflowID(appt), file)
	}
}

// TestRecordCheckInLocalReadHistories records the check-in histories of the local reads
// (change checkin-local-reads): the verdict read locally, a slow payer that goes on as the
// regular activity and is cancelled by self-pay, a payer that stays down, an EHR that fails
// through the local attempts and answers the regular activity, an unknown appointment and a
// secondary coverage asked after a local primary. Same rules as TestRecordReplayHistories.
func TestRecordCheckInLocalReadHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 3 * time.Second
	}))
	selfPay := map[string]any{"amount": 4000, "paymentMethod": "pm_card_visa"}
	e.recordCheckIns(t, []checkInScenario{
		{appt: "appt-1001", file: "checkin-local-reads-eligible-copay.json", code: http.StatusCreated},
		{appt: "appt-1004", file: "checkin-local-reads-slow-payer-self-pay.json", code: http.StatusCreated, after: func() {
			e.mustCall("POST", "/v1/checkins/appt-1004/self-pay", selfPay, http.StatusOK)
		}},
		{appt: "appt-1005", file: "checkin-local-reads-payer-down.json", code: http.StatusCreated},
		// Six failed searches: more than the local attempts within the verdict wait.
		{appt: "appt-1003", file: "checkin-local-reads-ehr-fallback.json", code: http.StatusCreated, before: func() {
			e.st.EHRSim.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpSearch, Kind: ehrsim.FaultServerError, Count: 6})
		}},
		{appt: "appt-9999", file: "checkin-local-reads-not-found.json", code: http.StatusNotFound},
		{appt: ehrsim.ApptSecondary, file: "checkin-local-reads-secondary.json", code: http.StatusCreated},
	})
}

// checkInScenario is one recorded check-in: the appointment, the history's file name, the
// status the start answers (201 when zero), and what happens before and after the start.
type checkInScenario struct {
	appt, file string
	code       int
	before     func()
	after      func()
}

// recordCheckIns starts each scenario's check-in, waits until it closes and exports its history.
func (e *engine) recordCheckIns(t *testing.T, scenarios []checkInScenario) {
	t.Helper()
	for _, sc := range scenarios {
		if sc.before != nil {
			sc.before()
		}
		want := sc.code
		if want == 0 {
			want = http.StatusCreated
		}
		code, v := e.call("POST", "/v1/checkins", checkInBody(sc.appt, true))
		require.Equal(t, want, code, v)
		if sc.after != nil {
			sc.after()
		}
		e.waitClosed(checkins.WorkflowID(sc.appt))
		e.exportWorkflow(checkins.WorkflowID(sc.appt), sc.file)
	}
}

// labRecording is the configuration of the lab-order recordings: short acknowledgment and
// corrections windows so the orders close within the test, one configured escalation contact.
func labRecording(t *testing.T, corrections time.Duration) func(*config.Config) {
	return recording(t, func(c *config.Config) {
		c.Lab.AckTimeout = 2 * time.Second
		c.Lab.CorrectionsWindow = corrections
		c.Lab.ResultDeadline = time.Hour
		c.Lab.EscalationChain = []config.Contact{{Role: "charge-nurse", Phone: "+15550000002"}}
	})
}

// TestRecordLabHistories records lab-order histories for the replay tests, under the same rules
// as TestRecordReplayHistories.
func TestRecordLabHistories(t *testing.T) {
	e := startEngine(t, labRecording(t, 2*time.Second))
	for _, p := range []string{"LAB-R1", "CRITICAL-POTASSIUM-R2", "REJECT-ORDER-R3", "CORRECTED-R4", "DUPLICATE-R5"} {
		code, v := e.call("POST", "/v1/lab-orders", labOrder(p))
		require.Equal(t, http.StatusCreated, code, v)
	}
	e.waitLab("CRITICAL-POTASSIUM-R2", func(v api.LabOrderView) bool { return len(v.Escalation.Pages) >= 2 })
	e.mustCall("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-R2/acknowledge", map[string]any{"by": "dr.replay"}, http.StatusOK)
	for p, file := range map[string]string{"LAB-R1": "laborder-normal.json", "CRITICAL-POTASSIUM-R2": "laborder-critical-escalated.json",
		"REJECT-ORDER-R3": "laborder-rejected.json", "CORRECTED-R4": "laborder-corrected.json", "DUPLICATE-R5": "laborder-duplicate.json"} {
		e.waitLab(p, func(v api.LabOrderView) bool { return v.Closed == true })
		e.exportWorkflow(laborders.WorkflowID(p), file)
	}
}

// TestRecordLabHistoriesV2 records histories of the second lab-order version (change id
// laborders.ChangeEvery): split results, notes, retraction, a correction, a partial report at
// the deadline, an unacknowledged escalation that is acknowledged later, an undelivered page
// and a two-order message.
func TestRecordLabHistoriesV2(t *testing.T) {
	e := startEngine(t, labRecording(t, 3*time.Second))
	peer := newMLLPPeer(t, e.st.MLLPAddr)
	files := map[string]string{
		"LAB-V2-R1": "laborder-v2-normal.json", "SPLIT-RESULTS-V2-R2": "laborder-v2-split-results.json",
		"NOTES-V2-R3": "laborder-v2-notes.json", "RETRACTED-V2-R4": "laborder-v2-retracted.json",
		"CORRECTED-V2-R5": "laborder-v2-corrected.json", "CRITICAL-POTASSIUM-V2-R6": "laborder-v2-critical-unacknowledged.json",
		"NO-RESULTS-V2-R7": "laborder-v2-partial-deadline.json", "CRITICAL-POTASSIUM-V2-R8": "laborder-v2-undelivered-page.json",
		"NO-RESULTS-V2-R9": "laborder-v2-two-order-message.json", "NO-RESULTS-V2-R10": "laborder-v2-two-order-message-b.json",
		"WRONG-PATIENT-V2-R11": "laborder-v2-wrong-patient.json",
	}
	for p := range files {
		body := labOrder(p)
		switch p {
		case "NO-RESULTS-V2-R7":
			body["resultDeadlineSeconds"] = 6
		case "CRITICAL-POTASSIUM-V2-R8":
			body["orderingProvider"] = map[string]any{"role": "ordering-provider", "phone": "+15005550010"}
		}
		e.mustCall("POST", "/v1/lab-orders", body, http.StatusCreated)
	}
	for _, p := range []string{"NO-RESULTS-V2-R7", "NO-RESULTS-V2-R9", "NO-RESULTS-V2-R10"} {
		e.waitLab(p, func(v api.LabOrderView) bool { return v.Status == laborders.StatusOrdered })
	}
	// Only potassium before the deadline: a partial report, then glucose after it.
	assertAck(t, peer.send("node-hl7", "partial", strings.Replace(iopORU("V2-PARTIAL-1", "NO-RESULTS-V2-R7", "F", "4.1", "90"),
		"\rOBX|2|NM|2345-7^Glucose^LN||90|mg/dL|70-99|N|||F", "", 1)), "AA", "V2-PARTIAL-1")
	e.waitLab("NO-RESULTS-V2-R7", func(v api.LabOrderView) bool { return v.FiledVersion == 1 })
	assertAck(t, peer.send("node-hl7", "partial-late", iopORU("V2-PARTIAL-2", "NO-RESULTS-V2-R7", "F", "4.1", "90")), "AA", "V2-PARTIAL-2")
	assertAck(t, peer.send("medplum", "two-orders", twoOrderORU("V2-MO-1", "NO-RESULTS-V2-R9", "NO-RESULTS-V2-R10", "pat-1001^^^^PI")),
		"AA", "V2-MO-1")

	e.waitLab("CRITICAL-POTASSIUM-V2-R6", func(v api.LabOrderView) bool { return v.Unacknowledged == true })
	e.mustCall("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-V2-R6/acknowledge", map[string]any{"by": "dr.replay"}, http.StatusOK)
	e.waitLab("CRITICAL-POTASSIUM-V2-R8", func(v api.LabOrderView) bool {
		return len(v.Escalation.Pages) >= 2
	})
	e.mustCall("POST", "/v1/lab-orders/CRITICAL-POTASSIUM-V2-R8/acknowledge", map[string]any{"by": "nurse.replay"}, http.StatusOK)
	for p, file := range files {
		if p == "WRONG-PATIENT-V2-R11" {
			require.Eventually(t, func() bool {
				o, ok := e.st.LISSim.Sim.Order(p)
				return ok && len(o.Results) == 1 && o.Results[0].AckCode == "AE"
			}, 30*time.Second, 100*time.Millisecond)
			// The order never gets a result: it stays open; export what it has.
			e.exportWorkflow(laborders.WorkflowID(p), file)
			continue
		}
		e.waitLab(p, func(v api.LabOrderView) bool { return v.Closed == true })
		e.exportWorkflow(laborders.WorkflowID(p), file)
	}
}

// TestRecordLabSendStatusHistory records a lab order under change id
// laborders.ChangeSendStatus (laborder-v2-send-status.json), so the replay tests hold a
// history with its version marker.
func TestRecordLabSendStatusHistory(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.Lab.CorrectionsWindow = 3 * time.Second
	}))
	e.mustCall("POST", "/v1/lab-orders", labOrder("LAB-V2-SS1"), http.StatusCreated)
	e.waitLab("LAB-V2-SS1", func(v api.LabOrderView) bool { return v.Closed })
	e.exportWorkflow(laborders.WorkflowID("LAB-V2-SS1"), "laborder-v2-send-status.json")
}
