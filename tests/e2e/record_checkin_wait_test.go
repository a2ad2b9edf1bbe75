package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

// TestRecordCheckInWaitHistories records the check-in histories of change checkin-wait-within
// (the verdict's and the front desk's timed waits cancel their timers once their condition
// holds): a verdict read locally, a slow payer resolved by self-pay inside the attention wait,
// a payer that stays down until the attention timeout, a chart without coverage resolved by
// self-pay inside the attention wait, and an EHR that fails through the local
// attempts, so the verdict waits on a timer for the regular activity. Same rules as
// TestRecordReplayHistories.
func TestRecordCheckInWaitHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 3 * time.Second
	}))
	selfPay := map[string]any{"amount": 4000, "paymentMethod": "pm_card_visa"}
	e.recordCheckIns(t, []checkInScenario{
		{appt: "appt-1001", file: "checkin-wait-within-eligible-copay.json"},
		{appt: "appt-1004", file: "checkin-wait-within-slow-payer-self-pay.json", after: func() {
			e.mustCall("POST", "/v1/checkins/appt-1004/self-pay", selfPay, http.StatusOK)
		}},
		{appt: "appt-1005", file: "checkin-wait-within-payer-down.json"},
		// No coverage: needs attention at once, resolved by self-pay inside the attention wait.
		{appt: "appt-2001", file: "checkin-wait-within-no-coverage-self-pay.json", after: func() {
			e.mustCall("POST", "/v1/checkins/appt-2001/self-pay", selfPay, http.StatusOK)
		}},
		// Six failed searches: more than the local attempts within the verdict wait.
		{appt: "appt-1003", file: "checkin-wait-within-ehr-fallback.json", before: func() {
			e.st.EHRSim.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpSearch, Kind: ehrsim.FaultServerError, Count: 6})
		}},
	})
}
