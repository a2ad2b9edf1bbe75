package e2e

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/claims"
)

// claimBody is a valid one-line claim of 125.00 (synthetic data) with patient control number pcn.
func claimBody(pcn string) map[string]any {
	return map[string]any{
		"patientControlNumber": pcn, "totalCharge": 12500, "placeOfService": "11",
		"providerSignature": true, "benefitsAssigned": true, "diagnoses": []string{"J06.9"},
		"billingProvider": map[string]any{"npi": "1234567893", "organizationName": "Careflow Clinic",
			"taxonomy": "207Q00000X", "taxId": "123456789",
			"address": map[string]any{"line1": "100 Main St", "city": "Springfield", "state": "IL", "postalCode": "627011234"}},
		"subscriber": map[string]any{"memberId": "ACTIVE001", "lastName": "Doe", "firstName": "Jane",
			"birthDate": "1985-02-14T00:00:00Z", "gender": "F",
			"address": map[string]any{"line1": "12 Oak Ave", "city": "Springfield", "state": "IL", "postalCode": "62704"}},
		"payer": map[string]any{"name": "Acme Health Plan", "id": "ACME01"},
		"lines": []map[string]any{{"code": "99213", "charge": 12500, "units": 1, "diagnosisPointers": []int{1},
			"serviceDate": time.Now().UTC().Add(-48 * time.Hour).Format(time.RFC3339), "lineControlNumber": pcn + "-1"}},
	}
}

// waitClaim polls GET /v1/claims/{pcn} until cond holds.
func (e *engine) waitClaim(pcn string, cond func(v map[string]any) bool) map[string]any {
	e.t.Helper()
	var last map[string]any
	require.EventuallyWithT(e.t, func(c *assertCollect) {
		code, v := e.callMap("GET", "/v1/claims/"+pcn, nil)
		last = v
		if !assertTrue(c, code == http.StatusOK, "GET status %d", code) {
			return
		}
		assertTrue(c, cond(v), "condition not met yet: %s", v["_raw"])
	}, 60*time.Second, 200*time.Millisecond)
	return last
}

func status(want string) func(map[string]any) bool {
	return func(v map[string]any) bool { return v["status"] == want }
}

func TestClaimPartialPaymentThroughSimulator(t *testing.T) {
	e := startEngine(t, nil)
	v := e.mustCallMap("POST", "/v1/claims", claimBody("PART-E2E1"), http.StatusCreated)
	require.Equal(t, "/v1/claims/PART-E2E1", v["_location"])
	// The same patient control number again: the existing claim, never a second 837.
	e.mustCallMap("POST", "/v1/claims", claimBody("PART-E2E1"), http.StatusOK)
	v = e.waitClaim("PART-E2E1", status(claims.StatusPartiallyPaid))
	posting := v["posting"].(map[string]any)
	require.Equal(t, float64(8750), posting["paid"])
	require.Equal(t, float64(1250), posting["patientResponsibility"])
	require.Len(t, e.st.CHSim.Sim.Submissions(), 1)

	require.EventuallyWithT(t, func(c *assertCollect) {
		code, v := e.callMap("GET", "/v1/claims?status=partially-paid", nil)
		assertTrue(c, code == http.StatusOK, "GET status %d", code)
		list, _ := v["claims"].([]any)
		assertTrue(c, len(list) == 1, "listed: %s", v["_raw"])
	}, 30*time.Second, 200*time.Millisecond)

	// 422 naming the rule, nothing started.
	bad := claimBody("BAD-E2E1")
	bad["totalCharge"] = 1
	code, p := e.callMap("POST", "/v1/claims", bad)
	require.Equal(t, http.StatusUnprocessableEntity, code, p["_raw"])
	require.Contains(t, p["_raw"], "total-equals-sum-of-lines")
}

func TestClaimRejectedThenCorrected(t *testing.T) {
	e := startEngine(t, nil)
	e.mustCallMap("POST", "/v1/claims", claimBody("REJ277-E2E1"), http.StatusCreated)
	v := e.waitClaim("REJ277-E2E1", status(claims.StatusNeedsCorrection))
	require.Contains(t, v["_raw"], `"code":"A7:21"`)
	e.mustCallMap("POST", "/v1/claims/REJ277-E2E1/correct", claimBody("REJ277-E2E1"), http.StatusOK)
	v = e.waitClaim("REJ277-E2E1", status(claims.StatusPaid))
	require.Equal(t, float64(2), v["submissions"])
	require.Equal(t, "1", v["frequency"], "never accepted by the payer: a new original")
	// A paid claim voided: frequency 8 with the payer's claim number.
	e.mustCallMap("POST", "/v1/claims/REJ277-E2E1/void", map[string]any{}, http.StatusOK)
	e.waitClaim("REJ277-E2E1", status(claims.StatusVoided))
	subs := e.st.CHSim.Sim.Submissions()
	require.Len(t, subs, 3)
	require.Contains(t, string(subs[2].Payload), ":B:8*")
	require.Contains(t, string(subs[2].Payload), "REF*F8*")
}

func TestClaimResultsByScheduledPoll(t *testing.T) {
	e := startEngine(t, nil)
	e.st.CHSim.Sim.SetPush("", "") // results wait for retrieval
	e.mustCallMap("POST", "/v1/claims", claimBody("DENY-E2E1"), http.StatusCreated)
	require.Eventually(t, func() bool { return len(e.st.CHSim.Sim.Pending("CAREFLOW")) == 3 }, 30*time.Second, 100*time.Millisecond)
	remit := e.st.CHSim.Sim.Pending("CAREFLOW")[2]
	require.Equal(t, "X12_835_Response_005010X221A1", remit.PayloadType)
	h := e.st.Temporal.ScheduleClient().GetHandle(context.Background(), claims.PollerScheduleID)
	require.NoError(t, h.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	v := e.waitClaim("DENY-E2E1", status(claims.StatusDenied))
	require.Contains(t, v["_raw"], `"remarkCodes":["N115"]`)

	// The same 835 pushed again (same TRN): signalled, posted once.
	pushRemit := func(body []byte) (int, map[string]any) {
		return e.callWithMap("POST", "/webhooks/clearinghouse", body, map[string]string{
			api.ClearinghousePayloadTypeHeader: remit.PayloadType,
			api.ClearinghouseSignatureHeader:   api.SignClearinghouseBody(e.st.Config.Claims.WebhookSecret, body)})
	}
	code, res := pushRemit(remit.Payload)
	require.Equal(t, http.StatusOK, code, res["_raw"])
	require.Equal(t, float64(1), res["signalled"])

	// An 835 for a claim the engine does not know: kept and listed for manual matching.
	unknown := []byte(strings.ReplaceAll(string(remit.Payload), "DENY-E2E1", "NOPE-E2E1"))
	code, res = pushRemit(unknown)
	require.Equal(t, http.StatusOK, code, res["_raw"])
	require.Equal(t, float64(1), res["unmatched"])
	list := e.mustCallMap("GET", "/v1/admin/claims/unmatched", nil, http.StatusOK)
	require.Contains(t, list["_raw"], `"key":"NOPE-E2E1/`)

	// A malformed 835: 422, kept, the claim untouched.
	code, res = pushRemit([]byte("ISA*00*not an 835~"))
	require.Equal(t, http.StatusUnprocessableEntity, code, res["_raw"])
	list = e.mustCallMap("GET", "/v1/admin/claims/unmatched", nil, http.StatusOK)
	require.Contains(t, list["_raw"], `"reason":"malformed"`)

	// A void sent after those pushes is handled after them: once it is done, the duplicate
	// has been seen, and the claim still shows one payment.
	e.mustCallMap("POST", "/v1/claims/DENY-E2E1/void", map[string]any{}, http.StatusOK)
	require.Eventually(t, func() bool { return len(e.st.CHSim.Sim.Pending("CAREFLOW")) == 2 }, 30*time.Second, 100*time.Millisecond)
	require.NoError(t, h.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	v = e.waitClaim("DENY-E2E1", status(claims.StatusVoided))
	require.Len(t, v["payments"], 1)
}

// TestRecordClaimHistories records claim histories (claim-*.json) for the replay tests, under
// the rules of TestRecordReplayHistories; claims close CLAIM_REMIT_TIMEOUT after posting, so it
// is short here.
func TestRecordClaimHistories(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) {
		c.PayloadKeys = replay.PayloadKeys
		c.Claims.RemitTimeout = 6 * time.Second
	})
	closed := func(pcn string) {
		require.EventuallyWithT(t, func(c *assertCollect) {
			desc, err := e.raw.DescribeWorkflowExecution(context.Background(), claims.WorkflowID(pcn), "")
			if !assertTrue(c, err == nil, "describe") {
				return
			}
			assertTrue(c, desc.GetWorkflowExecutionInfo().GetCloseTime() != nil, "still open")
		}, 60*time.Second, 200*time.Millisecond)
	}
	for _, pcn := range []string{"PART-REC1", "REVERSE-REC1", "PLB-REC1", "NOREMIT-REC1"} {
		e.mustCallMap("POST", "/v1/claims", claimBody(pcn), http.StatusCreated)
	}
	e.mustCallMap("POST", "/v1/claims", claimBody("REJ277-REC1"), http.StatusCreated)
	e.waitClaim("REJ277-REC1", status(claims.StatusNeedsCorrection))
	e.mustCallMap("POST", "/v1/claims/REJ277-REC1/correct", claimBody("REJ277-REC1"), http.StatusOK)
	for _, sc := range []struct{ pcn, file string }{
		{"PART-REC1", "claim-partially-paid.json"}, {"REVERSE-REC1", "claim-reversal.json"},
		{"PLB-REC1", "claim-paid-plb.json"}, {"NOREMIT-REC1", "claim-no-remittance.json"},
		{"REJ277-REC1", "claim-rejected-corrected.json"},
	} {
		closed(sc.pcn)
		e.exportWorkflow(claims.WorkflowID(sc.pcn), sc.file)
	}
}
