package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	require.Equal(t, http.StatusCreated, code, v["_raw"])
	v = e.waitFor("pay-plain-1", func(v map[string]any) bool { return v["status"] == payments.StatusAuthorized })
	time.Sleep(time.Second) // let the simulator's authorization webhooks settle
	v = e.waitFor("pay-plain-1", func(map[string]any) bool { return true })
	before := num(v, "eventsApplied")

	ctx := context.Background()
	wid := payments.WorkflowID("pay-plain-1")
	// e.raw has no codec: its payloads are plaintext JSON.
	require.NoError(t, e.raw.SignalWorkflow(ctx, wid, "", payments.StripeEventSignalName, payments.StripeEventSignal{
		EventID: "evt_forged_1", Type: payments.EventDisputeCreated, DisputeID: "dp_forged", Amount: 1500,
		PaymentIntentID: v["paymentIntentId"].(string),
	}))
	// A genuine event sent after it through the engine's own (encrypting) client marks the
	// point where the forged one has been handled.
	require.NoError(t, e.st.Temporal.SignalWorkflow(ctx, wid, "", payments.StripeEventSignalName, payments.StripeEventSignal{
		EventID: "evt_genuine_1", Type: payments.EventPaymentIntentSucceeded, PaymentIntentID: v["paymentIntentId"].(string),
	}))
	v = e.waitFor("pay-plain-1", func(v map[string]any) bool { return num(v, "eventsApplied") >= before+1 })
	require.Equal(t, before+1, num(v, "eventsApplied"), "only the encrypted event was applied")
	require.Empty(t, v["disputes"], "the plaintext dispute never reached the payment")
}
