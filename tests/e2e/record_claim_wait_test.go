package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workflows/claims"
)

// TestRecordClaimWaitWithinHistories records claims sent alone under version 1 of
// claims.ChangeWaitWithin (claim-wait-within-*.json), whose 999, 277CA, correction and 835
// waits are answered before their timeout and cancel their timers; under the rules of
// TestRecordReplayHistories.
func TestRecordClaimWaitWithinHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = 0 // sent alone, so these histories hold no batch wait
	}))
	e.mustCall("POST", "/v1/claims", claimBody("PART-WREC1"), http.StatusCreated)
	e.mustCall("POST", "/v1/claims", claimBody("REJ277-WREC1"), http.StatusCreated)
	e.waitClaim("REJ277-WREC1", claimIn(claims.StatusNeedsCorrection))
	e.mustCall("POST", "/v1/claims/REJ277-WREC1/correct", claimBody("REJ277-WREC1"), http.StatusOK)
	for _, sc := range []struct{ pcn, file string }{
		{"PART-WREC1", "claim-wait-within-partially-paid.json"},
		{"REJ277-WREC1", "claim-wait-within-rejected-corrected.json"},
	} {
		e.waitClosed(claims.WorkflowID(sc.pcn))
		e.exportWorkflow(claims.WorkflowID(sc.pcn), sc.file)
	}
}

// TestRecordClaimWaitWithinBatchHistory records a batched claim under version 1 of
// claims.ChangeWaitWithin (claim-wait-within-batch-rejected-corrected.json): both batch waits,
// the 999 rejection, the correction, then the 999, 277CA and 835 of the corrected claim, each
// answered before its timeout; under the rules of TestRecordReplayHistories.
func TestRecordClaimWaitWithinBatchHistory(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.Claims.RemitTimeout = 6 * time.Second
		c.Claims.BatchWindow = 2 * time.Second
	}))
	e.mustCall("POST", "/v1/claims", claimBody("REJ999-WBREC1"), http.StatusCreated)
	e.waitClaim("REJ999-WBREC1", claimIn(claims.StatusNeedsCorrection))
	e.mustCall("POST", "/v1/claims/REJ999-WBREC1/correct", claimBody("REJ999-WBREC1"), http.StatusOK)
	id := claims.WorkflowID("REJ999-WBREC1")
	e.waitClosed(id)
	e.exportWorkflow(id, "claim-wait-within-batch-rejected-corrected.json")
}
