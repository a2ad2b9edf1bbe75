package e2e

import (
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/careflow/engine/workflows/prescriptions"
)

// TestRecordPrescriptionHistories records prescription histories (prescription-*.json) for the
// replay tests, under the same rules as TestRecordReplayHistories: never overwritten.
func TestRecordPrescriptionHistories(t *testing.T) {
	e := startRxEngine(t, recording(t, nil))
	e.st.PharmacySim.Sim.InjectFault(pharmsim.Fault{Op: "NewRx", Kind: pharmsim.FaultLostAnswer, Count: 1})
	start := func(id string) {
		// A short follow window closes each workflow a few seconds after its last event.
		e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": id, "followWindowSeconds": 4}, http.StatusCreated)
	}
	scenarios := []struct {
		id, file string
		drive    func(id string)
	}{
		{"rx-accepted", "prescription-lost-answer-cancel-approved.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusSent))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/cancel", map[string]any{"by": "dr.record", "reason": "duplicate"}, http.StatusOK)
		}},
		{"rx-denied-cancel", "prescription-cancel-denied.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusSent))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/cancel", map[string]any{"by": "dr.record", "reason": "changed"}, http.StatusOK)
		}},
		{"rx-filled", "prescription-filled.json", nil},
		{"rx-reject", "prescription-rejected.json", nil},
		{"rx-controlled", "prescription-refused.json", nil},
		{"rx-change", "prescription-change-approved.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusChangeRequested))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/approve", map[string]any{"by": "dr.record"}, http.StatusOK)
		}},
		{"rx-renewal", "prescription-renewal-denied.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusRenewalRequested))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/deny", map[string]any{"by": "dr.record", "reason": "visit first"}, http.StatusOK)
		}},
		{"rx-allergy", "prescription-override.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusNeedsReview))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/override", map[string]any{"by": "dr.record", "reason": "tolerated"}, http.StatusOK)
		}},
	}
	for _, sc := range scenarios {
		start(sc.id)
		if sc.drive != nil {
			sc.drive(sc.id)
		}
		e.waitRx(sc.id, func(v api.PrescriptionView) bool { return v.Closed })
		e.exportWorkflow(prescriptions.WorkflowID(sc.id), sc.file)
	}
}

// TestRecordPrescriptionV2Histories records the histories of prescriptions.V2ChangeID version 1
// (prescription-v2-*.json): approved change and renewal written to the EHR, and a pharmacy
// message matched by its PrescriberOrderNumber although it relates to a foreign MessageID.
func TestRecordPrescriptionV2Histories(t *testing.T) {
	e := startRxEngine(t, recording(t, nil))
	secret := e.st.PharmacySim.Sim.WebhookSecret()
	scenarios := []struct {
		id, file string
		drive    func(id string)
	}{
		{"rx-change", "prescription-v2-change-approved.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusChangeRequested))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/approve", map[string]any{"by": "dr.record"}, http.StatusOK)
			e.waitRx(id, rxIn(prescriptions.StatusFilled))
		}},
		{"rx-renewal", "prescription-v2-renewal-approved.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusRenewalRequested))
			e.mustCall("POST", "/v1/prescriptions/"+id+"/approve", map[string]any{"by": "dr.record"}, http.StatusOK)
		}},
		{"rx-accepted", "prescription-v2-foreign-relates-to.json", func(id string) {
			e.waitRx(id, rxIn(prescriptions.StatusSent))
			b, err := os.ReadFile("../../codecs/ncpdp/testdata/rxfill_dispensed.xml")
			require.NoError(t, err)
			m, err := ncpdp.Decode(b)
			require.NoError(t, err)
			m.Header.PrescriberOrderNumber, m.Header.RelatesToMessageID = id, "PHARMACY-OWN-1"
			body, err := ncpdp.Encode(m)
			require.NoError(t, err)
			code, ans := e.postPharmacy(body, secret)
			require.Equal(t, http.StatusOK, code, string(ans))
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
