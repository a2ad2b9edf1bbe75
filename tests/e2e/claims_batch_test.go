package e2e

import (
	"context"
	"github.com/careflow/engine/api"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/claims"
)

// TestClaimBatchTwoInOneInterchange: claims ready within CLAIM_BATCH_WINDOW go out in one
// interchange, a transaction set each; the 999 rejects one set only, and each claim follows
// its own verdict to the end.
func TestClaimBatchTwoInOneInterchange(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.Claims.BatchWindow = 3 * time.Second })
	for _, pcn := range []string{"PART-BAT1", "REJ999-BAT1"} {
		e.mustCallMap("POST", "/v1/claims", claimBody(pcn), http.StatusCreated)
	}
	part := e.waitClaim("PART-BAT1", status(claims.StatusPartiallyPaid))
	rej := e.waitClaim("REJ999-BAT1", status(claims.StatusNeedsCorrection))
	subs := e.st.CHSim.Sim.Submissions()
	require.Len(t, subs, 1, "one interchange")
	require.ElementsMatch(t, []string{"PART-BAT1", "REJ999-BAT1"}, subs[0].PatientControlNumbers)
	require.Equal(t, part["controlNumber"], rej["controlNumber"])
	require.NotEqual(t, part["setControlNumber"], rej["setControlNumber"])
	require.NotEmpty(t, part["setControlNumber"])
	require.Contains(t, rej["_raw"], `"source":"999"`)
	require.NotContains(t, part["_raw"], `"source":"999"`)
	require.Equal(t, float64(8750), part["posting"].(map[string]any)["paid"])

	// The corrected claim goes in a new interchange of its own.
	e.mustCallMap("POST", "/v1/claims/REJ999-BAT1/correct", claimBody("REJ999-BAT1"), http.StatusOK)
	v := e.waitClaim("REJ999-BAT1", func(v map[string]any) bool { return v["submissions"] == float64(2) })
	require.NotEqual(t, rej["controlNumber"], v["controlNumber"])
	require.Len(t, e.st.CHSim.Sim.Submissions(), 2)
}

// TestClaimPatientBalanceStartsAPayment: the partial payment leaves 12.50 to the patient;
// the claim was started asking for it, so the payments process authorizes that amount.
func TestClaimPatientBalanceStartsAPayment(t *testing.T) {
	e := startEngine(t, nil)
	body := claimBody("PART-BAL1")
	body["collectPatientBalance"], body["paymentMethod"], body["customerRef"] = true, "pm_card_visa", "cust-bal-1"
	e.mustCallMap("POST", "/v1/claims", body, http.StatusCreated)
	v := e.waitClaim("PART-BAL1", func(v map[string]any) bool {
		b, _ := v["patientBalance"].(map[string]any)
		return b != nil && b["started"] == true
	})
	require.Equal(t, claims.StatusPartiallyPaid, v["status"])
	pay := e.waitFor(claims.BalancePaymentID("PART-BAL1"), func(v api.PaymentView) bool { return v.Amount == 1250 })
	require.Equal(t, "usd", pay.payment().Currency, pay)
}

// TestRecordClaimBatchHistories records histories of batched claims and of the batcher
// (claim-batch-*.json) for the replay tests, under the rules of TestRecordReplayHistories.
func TestRecordClaimBatchHistories(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) {
		c.PayloadKeys = replay.PayloadKeys
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = 2 * time.Second
	})
	closed := func(id string) {
		require.EventuallyWithT(t, func(c *assertCollect) {
			desc, err := e.raw.DescribeWorkflowExecution(context.Background(), id, "")
			if !assertTrue(c, err == nil, "describe") {
				return
			}
			assertTrue(c, desc.GetWorkflowExecutionInfo().GetCloseTime() != nil, "still open")
		}, 60*time.Second, 200*time.Millisecond)
	}
	for _, pcn := range []string{"PART-BREC1", "REJ999-BREC1"} {
		e.mustCallMap("POST", "/v1/claims", claimBody(pcn), http.StatusCreated)
	}
	e.waitClaim("REJ999-BREC1", status(claims.StatusNeedsCorrection))
	closed(claims.BatcherWorkflowID)
	e.exportWorkflow(claims.BatcherWorkflowID, "claim-batch-batcher.json")
	e.mustCallMap("POST", "/v1/claims/REJ999-BREC1/correct", claimBody("REJ999-BREC1"), http.StatusOK)
	for _, sc := range []struct{ pcn, file string }{
		{"PART-BREC1", "claim-batch-partially-paid.json"},
		{"REJ999-BREC1", "claim-batch-rejected-corrected.json"},
	} {
		closed(claims.WorkflowID(sc.pcn))
		e.exportWorkflow(claims.WorkflowID(sc.pcn), sc.file)
	}
}

// TestRecordClaimBalanceHistory records a batched claim whose patient balance started the
// payments process (claim-batch-patient-balance.json), under the rules of
// TestRecordReplayHistories.
func TestRecordClaimBalanceHistory(t *testing.T) {
	if os.Getenv("CAREFLOW_RECORD_HISTORIES") != "1" {
		t.Skip("set CAREFLOW_RECORD_HISTORIES=1 to record new replay histories")
	}
	e := startEngine(t, func(c *config.Config) {
		c.PayloadKeys = replay.PayloadKeys
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = time.Second
	})
	body := claimBody("PART-BREC2")
	body["collectPatientBalance"], body["paymentMethod"], body["customerRef"] = true, "pm_card_visa", "cust-rec-2"
	e.mustCallMap("POST", "/v1/claims", body, http.StatusCreated)
	id := claims.WorkflowID("PART-BREC2")
	require.EventuallyWithT(t, func(c *assertCollect) {
		desc, err := e.raw.DescribeWorkflowExecution(context.Background(), id, "")
		if !assertTrue(c, err == nil, "describe") {
			return
		}
		assertTrue(c, desc.GetWorkflowExecutionInfo().GetCloseTime() != nil, "still open")
	}, 60*time.Second, 200*time.Millisecond)
	v := e.waitClaim("PART-BREC2", status(claims.StatusPartiallyPaid))
	require.Contains(t, v["_raw"], `"started":true`)
	e.exportWorkflow(id, "claim-batch-patient-balance.json")
}
