package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/erxcheck"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/careflow/engine/workflows/prescriptions"
)

// startRxEngine is the engine with the pharmacy network simulator (PHARMACY_BASE_URL unset).
func startRxEngine(t *testing.T, mutate func(*config.Config)) *engine {
	t.Helper()
	return startEngine(t, func(c *config.Config) {
		c.Pharmacy = config.Pharmacy{}
		if mutate != nil {
			mutate(c)
		}
	})
}

// waitRx polls GET /v1/prescriptions/{id} until cond holds.
func (e *engine) waitRx(id string, cond func(v api.PrescriptionView) bool) api.PrescriptionView {
	e.t.Helper()
	return waitUntil(e, "/v1/prescriptions/"+id, cond).prescription()
}

// rxIn is a waitRx condition: the prescription's status is want.
func rxIn(want string) func(api.PrescriptionView) bool {
	return func(v api.PrescriptionView) bool { return v.Status == want }
}

// ehrStatus is MedicationRequest.status in the EHR simulator.
func (e *engine) ehrStatus(id string) string {
	for _, mr := range e.st.EHRSim.Sim.Resources("MedicationRequest") {
		if mr["id"] == id {
			s, _ := mr["status"].(string)
			return s
		}
	}
	return ""
}

// ehrResource is resourceType/id in the EHR simulator (nil when absent).
func (e *engine) ehrResource(resourceType, id string) map[string]any {
	for _, r := range e.st.EHRSim.Sim.Resources(resourceType) {
		if r["id"] == id {
			return r
		}
	}
	return nil
}

// postPharmacy posts body to /webhooks/pharmacy signed with secret, as the network does.
func (e *engine) postPharmacy(body []byte, secret string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.st.APIURL+"/webhooks/pharmacy", bytes.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", pharmacy.ContentType)
	pharmacy.SignRequest(req, []byte(secret), body, time.Now())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, b
}

func TestPrescriptionSeedIsValidFHIR(t *testing.T) {
	require.Empty(t, fhirProblems(t, ehrsim.PrescriptionSeed()))
}

// TestPrescriptionThroughThePharmacySimulator drives every simulator scenario through the API,
// the worker, the pharmacy network simulator and its signed webhooks; the resources written to
// the EHR are validated against FHIR R4 when the test ends.
func TestPrescriptionThroughThePharmacySimulator(t *testing.T) {
	e := startRxEngine(t, nil)
	sim := e.st.PharmacySim.Sim
	// The first NewRx of rx-accepted is processed but its answer lost, as when the worker dies
	// between NewRx and Status: the retry resends the same MessageID.
	sim.InjectFault(pharmsim.Fault{Op: "NewRx", Kind: pharmsim.FaultLostAnswer, Count: 1})
	// The fault takes whichever NewRx reaches the network first, so rx-accepted goes alone until
	// its NewRx is there; started together, another prescription's NewRx could take the fault.
	r := e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": "rx-accepted"}, http.StatusCreated)
	assert.Equal(t, "/v1/prescriptions/rx-accepted", r.Location)
	require.Eventually(t, func() bool {
		for _, m := range sim.Messages() {
			if m.PrescriberOrderNumber == "rx-accepted" && m.Type == "NewRx" {
				return true
			}
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "rx-accepted's NewRx never reached the network")
	for _, id := range []string{"rx-filled", "rx-partial", "rx-not-dispensed", "rx-reject", "rx-5xx",
		"rx-change", "rx-renewal", "rx-denied-cancel", "rx-allergy", "rx-controlled"} {
		r := e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": id}, http.StatusCreated)
		assert.Equal(t, "/v1/prescriptions/"+id, r.Location)
	}
	again := e.mustCall("POST", "/v1/prescriptions", map[string]any{"prescriptionId": "rx-filled"}, http.StatusOK)
	assert.Equal(t, "rx-filled", again.prescription().PrescriptionID)

	t.Run("filled", func(t *testing.T) {
		v := e.waitRx("rx-filled", rxIn(prescriptions.StatusFilled))
		require.Len(t, v.Fills, 1)
		assert.NotEmpty(t, v.Fills[0].MedicationDispenseID)
		assert.Equal(t, "completed", e.ehrStatus("rx-filled"), "no refills remain")
	})
	t.Run("partial and not dispensed", func(t *testing.T) {
		e.waitRx("rx-partial", rxIn(prescriptions.StatusPartiallyFilled))
		e.waitRx("rx-not-dispensed", rxIn(prescriptions.StatusNotDispensed))
		assert.Equal(t, "active", e.ehrStatus("rx-partial"))
	})
	t.Run("rejected", func(t *testing.T) {
		v := e.waitRx("rx-reject", rxIn(prescriptions.StatusFailed))
		require.NotNil(t, v.Error)
		assert.Equal(t, "900", v.Error.Code)
	})
	t.Run("5xx resent with the same MessageID", func(t *testing.T) {
		v := e.waitRx("rx-5xx", rxIn(prescriptions.StatusSent))
		for _, m := range sim.Messages() {
			if m.MessageID == v.MessageID {
				assert.Equal(t, 3, m.Posts, "two 503s, then accepted")
			}
		}
	})
	t.Run("lost answer: exactly one NewRx accepted, then cancel approved", func(t *testing.T) {
		v := e.waitRx("rx-accepted", rxIn(prescriptions.StatusSent))
		newRx := 0
		for _, m := range sim.Messages() {
			if m.PrescriberOrderNumber == "rx-accepted" && m.Type == "NewRx" {
				newRx++
				assert.GreaterOrEqual(t, m.Posts, 2, "the retry reached the network and was deduplicated")
				assert.Equal(t, v.MessageID, m.MessageID)
			}
		}
		assert.Equal(t, 1, newRx)
		c := e.mustCall("POST", "/v1/prescriptions/rx-accepted/cancel", map[string]any{"by": "dr.e2e", "reason": "duplicate order"}, http.StatusOK)
		assert.Contains(t, []string{prescriptions.StatusCancelRequested, prescriptions.StatusCancelled}, c.prescription().Status)
		e.waitRx("rx-accepted", rxIn(prescriptions.StatusCancelled))
		assert.Equal(t, "cancelled", e.ehrStatus("rx-accepted"))
	})
	t.Run("cancel denied stays active", func(t *testing.T) {
		e.waitRx("rx-denied-cancel", rxIn(prescriptions.StatusSent))
		e.mustCall("POST", "/v1/prescriptions/rx-denied-cancel/cancel", map[string]any{"by": "dr.e2e", "reason": "changed my mind"}, http.StatusOK)
		v := e.waitRx("rx-denied-cancel", func(v api.PrescriptionView) bool {
			return v.Cancel != nil && v.Cancel.Status == prescriptions.CancelDenied
		})
		assert.Equal(t, prescriptions.StatusSent, v.Status)
		assert.NotEmpty(t, v.Cancel.DenialReason)
		assert.Equal(t, "active", e.ehrStatus("rx-denied-cancel"), "the EHR status is restored")
	})
	t.Run("change request approved, then dispensed", func(t *testing.T) {
		e.waitRx("rx-change", rxIn(prescriptions.StatusChangeRequested))
		code, p := e.call("POST", "/v1/prescriptions/rx-change/deny", map[string]any{"by": "dr.e2e"})
		assert.Equal(t, http.StatusUnprocessableEntity, code, p)
		e.mustCall("POST", "/v1/prescriptions/rx-change/approve", map[string]any{"by": "dr.e2e", "note": "ok"}, http.StatusOK)
		v := e.waitRx("rx-change", rxIn(prescriptions.StatusFilled))
		// The approved change is a new MedicationRequest replacing the original, and the fill
		// that follows is dispensed under it.
		next := v.CurrentMedicationRequestID
		require.NotEmpty(t, next)
		mr := e.ehrResource("MedicationRequest", next)
		assert.Equal(t, map[string]any{"reference": "MedicationRequest/rx-change"}, mr["priorPrescription"])
		assert.Equal(t, "completed", mr["status"], "dispensed, no refills remain")
		assert.Equal(t, "cancelled", e.ehrStatus("rx-change"), "the original is withdrawn before anything was dispensed under it")
		require.NotEmpty(t, v.Answers)
		assert.Equal(t, next, v.Answers[0].MedicationRequestID)
		require.NotEmpty(t, v.Fills)
		md := e.ehrResource("MedicationDispense", v.Fills[0].MedicationDispenseID)
		assert.Equal(t, []any{map[string]any{"reference": "MedicationRequest/" + next}}, md["authorizingPrescription"])
	})
	t.Run("renewal relating to the pharmacy's own message, approved", func(t *testing.T) {
		e.waitRx("rx-partial", rxIn(prescriptions.StatusPartiallyFilled))
		b, err := os.ReadFile("../../codecs/ncpdp/testdata/rxrenewal_request.xml")
		require.NoError(t, err)
		m, err := ncpdp.Decode(b)
		require.NoError(t, err)
		// Matched by PrescriberOrderNumber: the RelatesToMessageID is no message the engine sent.
		m.Header.PrescriberOrderNumber, m.Header.RelatesToMessageID, m.Header.MessageID = "rx-partial", "PHARMACY-OWN-1", "PH-REN-E2E-1"
		body, err := ncpdp.Encode(m)
		require.NoError(t, err)
		code, ans := e.postPharmacy(body, sim.WebhookSecret())
		require.Equal(t, http.StatusOK, code, string(ans))
		ack, err := ncpdp.Decode(ans)
		require.NoError(t, err)
		assert.Equal(t, ncpdp.TypeStatus, ack.Type(), "acknowledged, not 404")
		e.waitRx("rx-partial", rxIn(prescriptions.StatusRenewalRequested))
		v := e.mustCall("POST", "/v1/prescriptions/rx-partial/approve", map[string]any{"by": "dr.e2e"}, http.StatusOK).prescription()
		next := v.CurrentMedicationRequestID
		require.NotEmpty(t, next)
		mr := e.ehrResource("MedicationRequest", next)
		assert.Equal(t, map[string]any{"reference": "MedicationRequest/rx-partial"}, mr["priorPrescription"])
		assert.Equal(t, "active", mr["status"])
		assert.Equal(t, "active", e.ehrStatus("rx-partial"), "a renewal leaves the prior order as it was")
		assert.Equal(t, 1, sim.Stats().Received["RxRenewalResponse"])
	})
	t.Run("renewal denied", func(t *testing.T) {
		e.waitRx("rx-renewal", rxIn(prescriptions.StatusRenewalRequested))
		v := e.mustCall("POST", "/v1/prescriptions/rx-renewal/deny", map[string]any{"by": "dr.e2e", "reason": "needs a visit first"}, http.StatusOK)
		assert.Equal(t, prescriptions.StatusSent, v.prescription().Status)
	})
	t.Run("needs review until override", func(t *testing.T) {
		v := e.waitRx("rx-allergy", rxIn(prescriptions.StatusNeedsReview))
		assert.True(t, slices.ContainsFunc(v.Reasons, func(r erxcheck.Reason) bool { return r.Code == "allergy" }), "%+v", v.Reasons)
		code, _ := e.call("POST", "/v1/prescriptions/rx-allergy/override", map[string]any{"by": "dr.e2e"})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		e.mustCall("POST", "/v1/prescriptions/rx-allergy/override", map[string]any{"by": "dr.e2e", "reason": "tolerated amoxicillin in 2024"}, http.StatusOK)
		v = e.waitRx("rx-allergy", rxIn(prescriptions.StatusSent))
		require.NotNil(t, v.Override)
		assert.Equal(t, "dr.e2e", v.Override.By)
	})
	t.Run("controlled substance refused", func(t *testing.T) {
		v := e.waitRx("rx-controlled", rxIn(prescriptions.StatusRefused))
		assert.Contains(t, v.Refusal, "EPCS")
		assert.Empty(t, v.MessageID)
	})
	t.Run("webhook refusals", func(t *testing.T) {
		body, err := os.ReadFile("../../codecs/ncpdp/testdata/rxfill_dispensed.xml")
		require.NoError(t, err)
		post := func(b []byte, at time.Time) int {
			req, err := http.NewRequest(http.MethodPost, e.st.APIURL+"/webhooks/pharmacy", bytes.NewReader(b))
			require.NoError(t, err)
			req.Header.Set("Content-Type", pharmacy.ContentType)
			pharmacy.SignRequest(req, []byte(sim.WebhookSecret()), b, at)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			return resp.StatusCode
		}
		assert.Equal(t, http.StatusNotFound, post(body, time.Now()), "RX-1001 is no prescription of ours")
		assert.Equal(t, http.StatusBadRequest, post(body, time.Now().Add(-6*time.Minute)), "signed too long ago")
		assert.Equal(t, http.StatusBadRequest, post([]byte("<Message>"), time.Now()))
	})
}
