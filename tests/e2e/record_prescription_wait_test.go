package e2e

import (
	"net/http"
	"testing"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/workflows/prescriptions"
)

// TestRecordPrescriptionWaitWithinHistories records histories of version 1 of
// prescriptions.WaitWithinChangeID (prescription-wait-within-*.json), whose review and follow
// waits are answered before their timeout (the override, pharmacy messages, the approval) and
// cancel their timers; under the rules of TestRecordReplayHistories.
func TestRecordPrescriptionWaitWithinHistories(t *testing.T) {
	e := startRxEngine(t, recording(t, nil))
	scenarios := []struct {
		id, file string
		drive    func(id string)
	}{
		{"rx-allergy", "prescription-wait-within-override.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusNeedsReview))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/override", map[string]any{"by": "dr.record", "reason": "tolerated"}, http.StatusOK)
		}},
		{"rx-filled", "prescription-wait-within-filled.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusFilled))
		}},
		{"rx-change", "prescription-wait-within-change-approved.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusChangeRequested))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/approve", map[string]any{"by": "dr.record"}, http.StatusOK)
			e.waitRx(id, rxIn(prescriptions.StatusFilled))
		}},
	}
	for _, sc := range scenarios {
		// A short follow window closes each workflow a few seconds after its last event.
		e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": sc.id, "followWindowSeconds": 4}, http.StatusCreated)
		sc.drive(sc.id)
		e.waitRx(sc.id, func(v api.PrescriptionView) bool { return v.Closed })
		e.exportWorkflow(prescriptions.WorkflowID(sc.id), sc.file)
	}
}
