package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/tests/replay"
	"github.com/careflow/engine/workflows/payments"
)

// With PAYLOAD_KEYS configured, a signal sent straight to the Temporal frontend in plaintext,
// past the API, fails to decode in the worker (the SDK drops it as corrupted and logs it)
// instead of reaching the payment's state.
func TestPlaintextSignalRefusedWithPayloadKeys(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.PayloadKeys = replay.PayloadKeys })
	code, v := e.call("POST", "/v1/payments", newPayment("pay-plain-1", 1500, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitFor("pay-plain-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	time.Sleep(time.Second) // let the simulator's authorization webhooks settle
	v = e.waitFor("pay-plain-1", func(api.PaymentView) bool { return true })
	before := v.payment().EventsApplied

	ctx := context.Background()
	wid := payments.WorkflowID("pay-plain-1")
	// e.raw has no codec: its payloads are plaintext JSON.
	require.NoError(t, e.raw.SignalWorkflow(ctx, wid, "", payments.StripeEventSignalName, payments.StripeEventSignal{
		EventID: "evt_forged_1", Type: payments.EventDisputeCreated, DisputeID: "dp_forged", Amount: 1500,
		PaymentIntentID: v.payment().PaymentIntentID,
	}))
	// A genuine event sent after it through the engine's own (encrypting) client marks the
	// point where the forged one has been handled.
	require.NoError(t, e.st.Temporal.SignalWorkflow(ctx, wid, "", payments.StripeEventSignalName, payments.StripeEventSignal{
		EventID: "evt_genuine_1", Type: payments.EventPaymentIntentSucceeded, PaymentIntentID: v.payment().PaymentIntentID,
	}))
	v = e.waitFor("pay-plain-1", func(v api.PaymentView) bool { return v.EventsApplied >= before+1 })
	require.Equal(t, before+1, v.payment().EventsApplied, "only the encrypted event was applied")
	require.Empty(t, v.payment().Disputes, "the plaintext dispute never reached the payment")
}
