package e2e

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/claims"
)

// TestClaimBatchTwoInOneInterchange: claims ready within CLAIM_BATCH_WINDOW go out in one
// interchange, a transaction set each; the 999 rejects one set only, and each claim follows
// its own verdict to the end.
func TestClaimBatchTwoInOneInterchange(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.Claims.BatchWindow = 3 * time.Second })
	for _, pcn := range []string{"PART-BAT1", "REJ999-BAT1"} {
		e.mustCall("POST", "/v1/claims", claimBody(pcn), http.StatusCreated)
	}
	part := e.waitClaim("PART-BAT1", claimIn(claims.StatusPartiallyPaid))
	rej := e.waitClaim("REJ999-BAT1", claimIn(claims.StatusNeedsCorrection))
	subs := e.st.CHSim.Sim.Submissions()
	require.Len(t, subs, 1, "one interchange")
	require.ElementsMatch(t, []string{"PART-BAT1", "REJ999-BAT1"}, subs[0].PatientControlNumbers)
	require.Equal(t, part.ControlNumber, rej.ControlNumber)
	require.NotEqual(t, part.SetControlNumber, rej.SetControlNumber)
	require.NotEmpty(t, part.SetControlNumber)
	fromThe999 := func(v api.ClaimView) bool {
		return slices.ContainsFunc(v.Reasons, func(r claims.Reason) bool { return r.Source == "999" })
	}
	require.True(t, fromThe999(rej), "%+v", rej.Reasons)
	require.False(t, fromThe999(part), "%+v", part.Reasons)
	require.Equal(t, int64(8750), part.Posting.Paid)

	// The corrected claim goes in a new interchange of its own.
	e.mustCall("POST", "/v1/claims/REJ999-BAT1/correct", claimBody("REJ999-BAT1"), http.StatusOK)
	v := e.waitClaim("REJ999-BAT1", func(v api.ClaimView) bool { return v.Submissions == 2 })
	require.NotEqual(t, rej.ControlNumber, v.ControlNumber)
	require.Len(t, e.st.CHSim.Sim.Submissions(), 2)
}

// TestClaimPatientBalanceStartsAPayment: the partial payment leaves 12.50 to the patient;
// the claim was started asking for it, so the payments process authorizes that amount.
func TestClaimPatientBalanceStartsAPayment(t *testing.T) {
	e := startEngine(t, nil)
	body := claimBody("PART-BAL1")
	body["collectPatientBalance"], body["paymentMethod"], body["customerRef"] = true, "pm_card_visa", "cust-bal-1"
	e.mustCall("POST", "/v1/claims", body, http.StatusCreated)
	v := e.waitClaim("PART-BAL1", func(v api.ClaimView) bool { return v.PatientBalance != nil && v.PatientBalance.Started })
	require.Equal(t, claims.StatusPartiallyPaid, v.Status)
	pay := e.waitFor(claims.BalancePaymentID("PART-BAL1"), func(v api.PaymentView) bool { return v.Amount == 1250 })
	require.Equal(t, "usd", pay.payment().Currency, pay)
}

// TestRecordClaimBatchHistories records histories of batched claims and of the batcher
// (claim-batch-*.json) for the replay tests, under the rules of TestRecordReplayHistories.
func TestRecordClaimBatchHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = 2 * time.Second
	}))
	for _, pcn := range []string{"PART-BREC1", "REJ999-BREC1"} {
		e.mustCall("POST", "/v1/claims", claimBody(pcn), http.StatusCreated)
	}
	e.waitClaim("REJ999-BREC1", claimIn(claims.StatusNeedsCorrection))
	e.waitClosed(claims.BatcherWorkflowID)
	e.exportWorkflow(claims.BatcherWorkflowID, "claim-batch-batcher.json")
	e.mustCall("POST", "/v1/claims/REJ999-BREC1/correct", claimBody("REJ999-BREC1"), http.StatusOK)
	for _, sc := range []struct{ pcn, file string }{
		{"PART-BREC1", "claim-batch-partially-paid.json"},
		{"REJ999-BREC1", "claim-batch-rejected-corrected.json"},
	} {
		e.waitClosed(claims.WorkflowID(sc.pcn))
		e.exportWorkflow(claims.WorkflowID(sc.pcn), sc.file)
	}
}

// TestRecordClaimBalanceHistory records a batched claim whose patient balance started the
// payments process (claim-batch-patient-balance.json), under the rules of
// TestRecordReplayHistories.
func TestRecordClaimBalanceHistory(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = time.Second
	}))
	body := claimBody("PART-BREC2")
	body["collectPatientBalance"], body["paymentMethod"], body["customerRef"] = true, "pm_card_visa", "cust-rec-2"
	e.mustCall("POST", "/v1/claims", body, http.StatusCreated)
	id := claims.WorkflowID("PART-BREC2")
	e.waitClosed(id)
	v := e.waitClaim("PART-BREC2", claimIn(claims.StatusPartiallyPaid))
	require.True(t, v.PatientBalance != nil && v.PatientBalance.Started, "%+v", v.PatientBalance)
	e.exportWorkflow(id, "claim-batch-patient-balance.json")
}
