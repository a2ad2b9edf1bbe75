package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
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
func (e *engine) waitClaim(pcn string, cond func(v api.ClaimView) bool) api.ClaimView {
	e.t.Helper()
	return waitUntil(e, "/v1/claims/"+pcn, cond).claim()
}

// claimIn is a waitClaim condition: the claim's status is want.
func claimIn(want string) func(api.ClaimView) bool {
	return func(v api.ClaimView) bool { return v.Status == want }
}

// reasonCodes lists the codes of a claim's rejection reasons.
func reasonCodes(v api.ClaimView) []string {
	var out []string
	for _, r := range v.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func TestClaimPartialPaymentThroughSimulator(t *testing.T) {
	e := startEngine(t, nil)
	r := e.mustCall("POST", "/v1/claims", claimBody("PART-E2E1"), http.StatusCreated)
	require.Equal(t, "/v1/claims/PART-E2E1", r.Location)
	// The same patient control number again: the existing claim, never a second 837.
	e.mustCall("POST", "/v1/claims", claimBody("PART-E2E1"), http.StatusOK)
	v := e.waitClaim("PART-E2E1", claimIn(claims.StatusPartiallyPaid))
	require.Equal(t, int64(8750), v.Posting.Paid)
	require.Equal(t, int64(1250), v.Posting.PatientResponsibility)
	require.Len(t, e.st.CHSim.Sim.Submissions(), 1)

	require.EventuallyWithT(t, func(c *assertCollect) {
		code, r := e.call("GET", "/v1/claims?status=partially-paid", nil)
		if !assertTrue(c, code == http.StatusOK, "GET status %d", code) {
			return
		}
		list := decodeAs[struct{ Claims []api.ClaimListItem }](r).Claims
		assertTrue(c, len(list) == 1, "listed: %s", r)
	}, 30*time.Second, 200*time.Millisecond)

	// 422 naming the rule, nothing started.
	bad := claimBody("BAD-E2E1")
	bad["totalCharge"] = 1
	p := e.mustCall("POST", "/v1/claims", bad, http.StatusUnprocessableEntity).problem()
	require.True(t, slices.ContainsFunc(p.InvalidParams, func(ip api.InvalidParam) bool {
		return strings.HasPrefix(ip.Reason, "total-equals-sum-of-lines:")
	}), "%+v", p.InvalidParams)
}

func TestClaimRejectedThenCorrected(t *testing.T) {
	e := startEngine(t, nil)
	e.mustCall("POST", "/v1/claims", claimBody("REJ277-E2E1"), http.StatusCreated)
	v := e.waitClaim("REJ277-E2E1", claimIn(claims.StatusNeedsCorrection))
	require.Contains(t, reasonCodes(v), "A7:21")
	e.mustCall("POST", "/v1/claims/REJ277-E2E1/correct", claimBody("REJ277-E2E1"), http.StatusOK)
	v = e.waitClaim("REJ277-E2E1", claimIn(claims.StatusPaid))
	require.Equal(t, 2, v.Submissions)
	require.Equal(t, "1", v.Frequency, "never accepted by the payer: a new original")

	// A paid claim voided: frequency 8 with the payer's claim number. The void is repeated
	// with the same Idempotency-Key, as a client does after a lost answer: the same update,
	// answered alike, one 837 (a new void would be refused: one is already queued).
	first, again := e.updateTwice("/v1/claims/REJ277-E2E1/void", map[string]any{}, "void-REJ277-E2E1")
	require.Equal(t, first.claim(), again.claim(), "the first void's answer")
	code, other := e.call("POST", "/v1/claims/REJ277-E2E1/void", map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, code, "without the key it is another void, refused: %s", other)
	require.Equal(t, api.ProblemUpdateRejected, other.problem().Type)
	e.waitClaim("REJ277-E2E1", claimIn(claims.StatusVoided))
	subs := e.st.CHSim.Sim.Submissions()
	require.Len(t, subs, 3)
	require.Contains(t, string(subs[2].Payload), ":B:8*")
	require.Contains(t, string(subs[2].Payload), "REF*F8*")
}

func TestClaimResultsByScheduledPoll(t *testing.T) {
	e := startEngine(t, nil)
	e.st.CHSim.Sim.SetPush("", "") // results wait for retrieval
	e.mustCall("POST", "/v1/claims", claimBody("DENY-E2E1"), http.StatusCreated)
	require.Eventually(t, func() bool { return len(e.st.CHSim.Sim.Pending("CAREFLOW")) == 3 }, 30*time.Second, 100*time.Millisecond)
	remit := e.st.CHSim.Sim.Pending("CAREFLOW")[2]
	require.Equal(t, "X12_835_Response_005010X221A1", remit.PayloadType)
	h := e.st.Temporal.ScheduleClient().GetHandle(context.Background(), claims.PollerScheduleID)
	require.NoError(t, h.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	v := e.waitClaim("DENY-E2E1", claimIn(claims.StatusDenied))
	require.NotNil(t, v.Posting.Last)
	require.True(t, slices.ContainsFunc(v.Posting.Last.Lines, func(l claims.LinePosting) bool {
		return slices.Equal(l.RemarkCodes, []string{"N115"})
	}), "%+v", v.Posting.Last.Lines)

	// The same 835 pushed again (same TRN): signalled, posted once.
	pushRemit := func(body []byte) (int, claims.PollerResult) {
		code, r := e.callWith("POST", "/webhooks/clearinghouse", body, map[string]string{
			api.ClearinghousePayloadTypeHeader: remit.PayloadType,
			api.ClearinghouseSignatureHeader:   api.SignClearinghouseBody(e.st.Config.Claims.WebhookSecret, body)})
		if code != http.StatusOK {
			return code, claims.PollerResult{}
		}
		return code, decodeAs[claims.PollerResult](r)
	}
	code, res := pushRemit(remit.Payload)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, 1, res.Signalled)

	// An 835 for a claim the engine does not know: kept and listed for manual matching.
	unknown := []byte(strings.ReplaceAll(string(remit.Payload), "DENY-E2E1", "NOPE-E2E1"))
	code, res = pushRemit(unknown)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, 1, res.Unmatched)
	kept := func() []api.UnmatchedRemit {
		return decodeAs[struct{ Files []api.UnmatchedRemit }](e.mustCall("GET", "/v1/admin/claims/unmatched", nil, http.StatusOK)).Files
	}
	require.True(t, slices.ContainsFunc(kept(), func(f api.UnmatchedRemit) bool { return strings.HasPrefix(f.Key, "NOPE-E2E1/") }))

	// A malformed 835: 422, kept, the claim untouched.
	code, _ = pushRemit([]byte("ISA*00*not an 835~"))
	require.Equal(t, http.StatusUnprocessableEntity, code)
	require.True(t, slices.ContainsFunc(kept(), func(f api.UnmatchedRemit) bool { return f.Reason == "malformed" }))

	// A void sent after those pushes is handled after them: once it is done, the duplicate
	// has been seen, and the claim still shows one payment.
	e.mustCall("POST", "/v1/claims/DENY-E2E1/void", map[string]any{}, http.StatusOK)
	require.Eventually(t, func() bool { return len(e.st.CHSim.Sim.Pending("CAREFLOW")) == 2 }, 30*time.Second, 100*time.Millisecond)
	require.NoError(t, h.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	v = e.waitClaim("DENY-E2E1", claimIn(claims.StatusVoided))
	require.Len(t, v.Payments, 1)
}

// TestRecordClaimHistories records claim histories (claim-*.json) for the replay tests, under
// the rules of TestRecordReplayHistories; claims close CLAIM_REMIT_TIMEOUT after posting, so it
// is short here.
func TestRecordClaimHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.Claims.RemitTimeout = 6 * time.Second
	}))
	for _, pcn := range []string{"PART-REC1", "REVERSE-REC1", "PLB-REC1", "NOREMIT-REC1"} {
		e.mustCall("POST", "/v1/claims", claimBody(pcn), http.StatusCreated)
	}
	e.mustCall("POST", "/v1/claims", claimBody("REJ277-REC1"), http.StatusCreated)
	e.waitClaim("REJ277-REC1", claimIn(claims.StatusNeedsCorrection))
	e.mustCall("POST", "/v1/claims/REJ277-REC1/correct", claimBody("REJ277-REC1"), http.StatusOK)
	for _, sc := range []struct{ pcn, file string }{
		{"PART-REC1", "claim-partially-paid.json"}, {"REVERSE-REC1", "claim-reversal.json"},
		{"PLB-REC1", "claim-paid-plb.json"}, {"NOREMIT-REC1", "claim-no-remittance.json"},
		{"REJ277-REC1", "claim-rejected-corrected.json"},
	} {
		e.waitClosed(claims.WorkflowID(sc.pcn))
		e.exportWorkflow(claims.WorkflowID(sc.pcn), sc.file)
	}
}
