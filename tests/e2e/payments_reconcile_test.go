package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/workflows/payments"
)

// Against the Stripe simulator replaying stored 500s for a key, as Stripe does for 24 hours,
// and failing the first authorization, capture and refund: each flow ends in its right state
// with exactly one side effect at Stripe, and the API never answers 504.
func TestStripeStoredErrorsReconcile(t *testing.T) {
	e := startEngine(t, nil)
	sim := e.st.StripeSim.Sim
	stored := func(op string) {
		sim.InjectFault(stripesim.Fault{Op: op, Kind: stripesim.FaultStoredServerError, Count: 1})
	}
	lost := func(op string) { sim.InjectFault(stripesim.Fault{Op: op, Kind: stripesim.FaultLost, Count: 1}) }
	call := func(method, path string, body any) reply {
		t.Helper()
		code, v := e.call(method, path, body)
		require.NotEqual(t, http.StatusGatewayTimeout, code, "the API never answers 504")
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, code, v)
		return v
	}

	// Authorization: the first create's 500 is stored under its key; the retry finds no intent
	// by metadata and authorizes under the next attempt key, once.
	before := sim.Stats()
	stored(stripesim.OpCreate)
	call("POST", "/v1/payments", newPayment("pay-rec-1", 5000, "pm_card_visa"))
	v := e.waitFor("pay-rec-1", func(v api.PaymentView) bool { return v.Status != payments.StatusAuthorizing })
	require.Equal(t, payments.StatusAuthorized, v.payment().Status)
	require.Equal(t, before.Creates+1, sim.Stats().Creates, "exactly one authorization")
	pi := v.payment().PaymentIntentID

	// Capture: the stored 500 would be replayed to every retry with the first key; the retry
	// reads the intent, captures under the next key, and the update answers captured.
	stored(stripesim.OpCapture)
	v = call("POST", "/v1/payments/pay-rec-1/capture", map[string]any{})
	require.Equal(t, payments.StatusCaptured, v.payment().Status)
	require.Equal(t, 1, sim.Stats().CapturesByIntent[pi], "exactly one capture")

	// Refund: stored 500 first, then a refund whose answer is lost after Stripe made it.
	before = sim.Stats()
	stored(stripesim.OpRefund)
	v = call("POST", "/v1/payments/pay-rec-1/refund", map[string]any{"amount": 1000})
	require.EqualValues(t, 1000, v.payment().RefundedAmount)
	require.Equal(t, before.Refunds+1, sim.Stats().Refunds, "exactly one refund")
	lost(stripesim.OpRefund)
	v = call("POST", "/v1/payments/pay-rec-1/refund", map[string]any{"amount": 500})
	require.EqualValues(t, 1500, v.payment().RefundedAmount)
	require.Equal(t, payments.StatusPartiallyRefunded, v.payment().Status)
	require.Equal(t, before.Refunds+2, sim.Stats().Refunds, "the lost refund is found by its metadata, not repeated")

	// Authorization whose answer is lost: the retry finds the intent by metadata.
	before = sim.Stats()
	lost(stripesim.OpCreate)
	call("POST", "/v1/payments", newPayment("pay-rec-2", 2000, "pm_card_visa"))
	v = e.waitFor("pay-rec-2", func(v api.PaymentView) bool { return v.Status != payments.StatusAuthorizing })
	require.Equal(t, payments.StatusAuthorized, v.payment().Status)
	require.Equal(t, before.Creates+1, sim.Stats().Creates, "exactly one authorization")
	pi2 := v.payment().PaymentIntentID

	// A capture slower than the update's bounded wait answers "capturing" (never 504), keeps
	// going in the background, and captures once.
	sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultSlow, Count: 1, Delay: payments.UpdateWait + 3*time.Second})
	v = call("POST", "/v1/payments/pay-rec-2/capture", map[string]any{})
	require.Equal(t, payments.StatusCapturing, v.payment().Status)
	code, r := e.call("POST", "/v1/payments/pay-rec-2/cancel", map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, code, r)
	e.waitFor("pay-rec-2", func(v api.PaymentView) bool { return v.Status == payments.StatusCaptured })
	require.Equal(t, 1, sim.Stats().CapturesByIntent[pi2], "exactly one capture")
}
