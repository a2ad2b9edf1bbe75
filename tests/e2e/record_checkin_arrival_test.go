package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

// TestRecordCheckInArrivalHistories records the check-in histories of change
// checkin-local-arrival (the arrival's write-back and the Encounter as local activities in a
// workflow task of their own after the verdict's): an eligible check-in with its copay and
// text, a chart without coverage whose arrival follows the desk's self-pay, and an EHR whose
// write-back fails through the local attempts and succeeds as the regular activity. Same rules
// as TestRecordReplayHistories.
func TestRecordCheckInArrivalHistories(t *testing.T) {
	e := startEngine(t, recording(t, func(c *config.Config) {
		c.CheckInPayerWindow = 4 * time.Second
		c.CheckInAttentionTimeout = 30 * time.Second
	}))
	selfPay := map[string]any{"amount": 4000, "paymentMethod": "pm_card_visa"}
	e.recordCheckIns(t, []checkInScenario{
		{appt: "appt-1001", file: "checkin-local-arrival-eligible-copay.json"},
		{appt: "appt-2001", file: "checkin-local-arrival-no-coverage-self-pay.json", after: func() {
			e.mustCall("POST", "/v1/checkins/appt-2001/self-pay", selfPay, http.StatusOK)
		}},
		// Four failed writes: the local attempts within their 5 s and the activity's first.
		{appt: ehrsim.ApptTwoCoverages, file: "checkin-local-arrival-ehr-write-fallback.json", before: func() {
			e.st.EHRSim.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpUpdate, Kind: ehrsim.FaultServerError, Count: 4})
		}},
	})
}
