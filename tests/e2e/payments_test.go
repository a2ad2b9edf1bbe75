package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
	"google.golang.org/protobuf/proto"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/workflows/payments"
)

func TestPaymentAuthorizeCaptureRefund(t *testing.T) {
	e := startEngine(t, nil)

	code, v := e.call("POST", "/v1/payments", newPayment("pay-life-1", 5000, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	require.Equal(t, "/v1/payments/pay-life-1", v.Location)
	tmp := v.payment().Temporal
	require.Equal(t, "payment:pay-life-1", tmp.WorkflowID)
	require.Contains(t, tmp.UIURL, "/namespaces/default/workflows/payment:pay-life-1/")

	v = e.waitFor("pay-life-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	require.EqualValues(t, 5000, v.payment().AuthorizedAmount)
	require.Equal(t, payments.StepAwaitCapture, v.payment().Step)

	// Repeating the start returns the same process and never authorizes twice.
	code, v = e.call("POST", "/v1/payments", newPayment("pay-life-1", 5000, "pm_card_visa"))
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, payments.StatusAuthorized, v.payment().Status)
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Creates)

	// Capture above the authorization is refused by the update validator.
	code, v = e.call("POST", "/v1/payments/pay-life-1/capture", map[string]any{"amount": 9000})
	require.Equal(t, http.StatusUnprocessableEntity, code, v)
	require.Equal(t, "application/problem+json", v.ContentType)

	code, v = e.call("POST", "/v1/payments/pay-life-1/capture", map[string]any{"amount": 3000})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, payments.StatusCaptured, v.payment().Status)
	require.EqualValues(t, 3000, v.payment().CapturedAmount)

	code, v = e.call("POST", "/v1/payments/pay-life-1/refund", map[string]any{"amount": 1000, "reason": "requested_by_customer"})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, payments.StatusPartiallyRefunded, v.payment().Status)
	require.EqualValues(t, 1000, v.payment().RefundedAmount)

	// Refunding more than what is left is refused.
	code, v = e.call("POST", "/v1/payments/pay-life-1/refund", map[string]any{"amount": 2500})
	require.Equal(t, http.StatusUnprocessableEntity, code, v)

	// Stripe's webhooks (payment_intent.succeeded, charge.refunded) reach the workflow as signals.
	v = e.waitFor("pay-life-1", func(v api.PaymentView) bool {
		return v.CaptureConfirmed == true && v.RefundConfirmedAmount == 1000
	})
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Captures)
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().Refunds)

	// The rest of the captured amount can be refunded; a full refund ends the process.
	code, v = e.call("POST", "/v1/payments/pay-life-1/refund", map[string]any{})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, payments.StatusRefunded, v.payment().Status)
	require.EqualValues(t, 3000, v.payment().RefundedAmount)
	e.waitFor("pay-life-1", func(v api.PaymentView) bool { return v.Closed == true })

	// The audit trail names every API call and vendor exchange of the process, with
	// identifiers only: the request's description appears nowhere.
	recs, err := e.st.Store.List(context.Background(), audit.Filter{Process: payments.WorkflowID("pay-life-1")})
	require.NoError(t, err)
	actions := map[string]int{}
	for _, r := range recs {
		actions[r.Action+"/"+r.Outcome]++
		b, _ := json.Marshal(r)
		require.NotContains(t, string(b), "office visit")
	}
	require.Equal(t, 1, actions["stripe.authorize/ok"], actions)
	require.Equal(t, 1, actions["stripe.capture/ok"], actions)
	require.Equal(t, 2, actions["stripe.refund/ok"], actions)
	require.Equal(t, 2, actions["payments.start/ok"], actions)
	require.GreaterOrEqual(t, actions["payments.capture/rejected"]+actions["payments.capture/error"], 1, actions)
	require.GreaterOrEqual(t, actions["webhook.stripe/ok"], 2, actions)
}

func TestPaymentBadInput(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/payments", `{"paymentId": "x",`)
	require.Equal(t, http.StatusBadRequest, code, v)
	require.Equal(t, "application/problem+json", v.ContentType)

	for field, body := range map[string]map[string]any{
		"amount": newPayment("pay-bad-1", 0, "pm_card_visa"),
		"currency": func() map[string]any {
			p := newPayment("pay-bad-2", 100, "pm_card_visa")
			p["currency"] = "xyz"
			return p
		}(),
	} {
		code, v := e.call("POST", "/v1/payments", body)
		require.Equal(t, http.StatusBadRequest, code, v)
		require.Equal(t, field, v.problem().InvalidParams[0].Name, v)
	}
	code, v = e.call("GET", "/v1/payments/no-such-payment", nil)
	require.Equal(t, http.StatusNotFound, code, v)

	code, _ = e.callWith("GET", "/v1/payments/no-such-payment", nil, nil)
	require.Equal(t, http.StatusUnauthorized, code)
	code, _ = e.callWith("GET", "/v1/payments/no-such-payment", nil, map[string]string{"Authorization": "Bearer wrong"})
	require.Equal(t, http.StatusUnauthorized, code)
	require.Equal(t, 0, e.st.StripeSim.Sim.Stats().Creates)
}

func TestPaymentScopes(t *testing.T) {
	e := startEngine(t, func(c *config.Config) {
		c.APITokens = "reader:readsecret:payments.read,writer:writesecret:payments.write+payments.read"
	})
	code, _ := e.callWith("POST", "/v1/payments", newPayment("pay-scope-1", 100, "pm_card_visa"),
		map[string]string{"Authorization": "Bearer readsecret"})
	require.Equal(t, http.StatusForbidden, code)
	code, v := e.callWith("POST", "/v1/payments", newPayment("pay-scope-1", 100, "pm_card_visa"),
		map[string]string{"Authorization": "Bearer writesecret"})
	require.Equal(t, http.StatusCreated, code, v)
	code, _ = e.callWith("GET", "/v1/payments/pay-scope-1", nil, map[string]string{"Authorization": "Bearer readsecret"})
	require.Equal(t, http.StatusOK, code)
}

func TestPaymentDeclined(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/payments", newPayment("pay-decl-1", 2000, "pm_card_chargeDeclinedInsufficientFunds"))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitFor("pay-decl-1", func(v api.PaymentView) bool { return v.Status == payments.StatusDeclined })
	require.Equal(t, "insufficient_funds", v.payment().FailureCode)
	require.Equal(t, true, v.payment().Closed)
	code, v = e.call("POST", "/v1/payments/pay-decl-1/capture", map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, code, v)
}

func TestPaymentCancelAndExpiry(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.PaymentAuthorizationTTL = 3 * time.Second })
	code, v := e.call("POST", "/v1/payments", newPayment("pay-cancel-1", 1500, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	code, v = e.call("POST", "/v1/payments/pay-cancel-1/cancel", map[string]any{"reason": "requested_by_customer"})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, payments.StatusCanceled, v.payment().Status)

	// Nobody captures this one: the workflow's durable timer releases the authorization itself.
	code, v = e.call("POST", "/v1/payments", newPayment("pay-expire-1", 1500, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitFor("pay-expire-1", func(v api.PaymentView) bool { return v.Status == payments.StatusExpired })
	pi, ok := e.st.StripeSim.Sim.PaymentIntent(v.payment().PaymentIntentID)
	require.True(t, ok)
	require.Equal(t, "canceled", pi.Status)
}

func TestStripe500ThenRecoveryCapturesOnce(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/payments", newPayment("pay-500-1", 4200, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	e.waitFor("pay-500-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })

	e.st.StripeSim.Sim.InjectFault(stripesim.Fault{Op: "capture", Kind: "500", Count: 3})
	code, v = e.call("POST", "/v1/payments/pay-500-1/capture", map[string]any{})
	require.Equal(t, http.StatusOK, code, v)
	require.Equal(t, payments.StatusCaptured, v.payment().Status)
	pi := v.payment().PaymentIntentID
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().CapturesByIntent[pi])
}

func TestWorkerKilledDuringCaptureCapturesOnce(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/payments", newPayment("pay-kill-1", 3100, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitFor("pay-kill-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	pi := v.payment().PaymentIntentID

	// The capture request reaches Stripe and is slow; the worker dies meanwhile.
	e.st.StripeSim.Sim.InjectFault(stripesim.Fault{Op: "capture", Kind: "slow", Count: 1, Delay: 3 * time.Second})
	var wg sync.WaitGroup
	wg.Add(1)
	var capCode int
	var capView reply
	go func() {
		defer wg.Done()
		capCode, capView = e.call("POST", "/v1/payments/pay-kill-1/capture", map[string]any{})
	}()
	require.Eventually(t, func() bool { return e.st.StripeSim.Sim.Stats().FaultsTriggered >= 1 }, 30*time.Second, 50*time.Millisecond)
	e.st.StopWorker()
	time.Sleep(500 * time.Millisecond) // the slow capture completes at Stripe while no worker runs
	require.NoError(t, e.st.StartWorker())
	wg.Wait()

	require.Equal(t, http.StatusOK, capCode, capView)
	// The update answers after a bounded wait: captured, or capturing while it finishes.
	require.Contains(t, []string{payments.StatusCaptured, payments.StatusCapturing}, capView.payment().Status)
	capView = e.waitFor("pay-kill-1", func(v api.PaymentView) bool { return v.Status == payments.StatusCaptured })
	require.EqualValues(t, 3100, capView.payment().CapturedAmount)
	require.Eventually(t, func() bool { return e.st.StripeSim.Sim.Stats().CapturesByIntent[pi] == 1 }, 10*time.Second, 100*time.Millisecond)
	time.Sleep(time.Second)
	require.Equal(t, 1, e.st.StripeSim.Sim.Stats().CapturesByIntent[pi], "exactly one capture at Stripe")
}

// signedEvent builds a Stripe event for the payment's intent, signed as Stripe would sign it.
func signedEvent(t *testing.T, secret string, ts time.Time, id, typ string, object map[string]any) ([]byte, string) {
	t.Helper()
	obj, err := json.Marshal(object)
	require.NoError(t, err)
	payload := []byte(fmt.Sprintf(`{"id":%q,"object":"event","type":%q,"created":%d,"api_version":%q,"livemode":false,"data":{"object":%s}}`,
		id, typ, ts.Unix(), stripe.APIVersion, obj))
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: ts})
	return sp.Payload, sp.Header
}

func TestStripeWebhookSignatureAndDuplicates(t *testing.T) {
	e := startEngine(t, nil)
	code, v := e.call("POST", "/v1/payments", newPayment("pay-hook-1", 2500, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	v = e.waitFor("pay-hook-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	pi := v.payment().PaymentIntentID
	time.Sleep(time.Second) // let the simulator's own webhooks for the authorization settle
	v = e.waitFor("pay-hook-1", func(api.PaymentView) bool { return true })
	before := v.payment().EventsApplied

	secret := e.st.Config.Stripe.WebhookSecret
	dispute := map[string]any{"id": "dp_test1", "object": "dispute", "amount": 2500, "charge": "ch_x", "payment_intent": pi,
		"reason": "fraudulent", "metadata": map[string]any{"payment_id": "pay-hook-1"}}

	// A bad signature and a stale one are refused, and nothing reaches the workflow.
	body, _ := signedEvent(t, secret, time.Now(), "evt_bad1", "charge.dispute.created", dispute)
	code, r := e.callWith("POST", "/webhooks/stripe", body, map[string]string{"Stripe-Signature": "t=1,v1=deadbeef"})
	require.Equal(t, http.StatusBadRequest, code, r)
	body, sig := signedEvent(t, secret, time.Now().Add(-time.Hour), "evt_stale1", "charge.dispute.created", dispute)
	code, r = e.callWith("POST", "/webhooks/stripe", body, map[string]string{"Stripe-Signature": sig})
	require.Equal(t, http.StatusBadRequest, code, r)
	body, sig = signedEvent(t, "whsec_wrong", time.Now(), "evt_wrong1", "charge.dispute.created", dispute)
	code, r = e.callWith("POST", "/webhooks/stripe", body, map[string]string{"Stripe-Signature": sig})
	require.Equal(t, http.StatusBadRequest, code, r)

	// A good event delivered twice has one effect.
	body, sig = signedEvent(t, secret, time.Now(), "evt_dup1", "charge.dispute.created", dispute)
	for i := 0; i < 2; i++ {
		code, r = e.callWith("POST", "/webhooks/stripe", body, map[string]string{"Stripe-Signature": sig})
		require.Equal(t, http.StatusOK, code, r)
	}
	v = e.waitFor("pay-hook-1", func(v api.PaymentView) bool { return v.EventsApplied >= before+1 })
	time.Sleep(500 * time.Millisecond)
	v = e.waitFor("pay-hook-1", func(api.PaymentView) bool { return true })
	require.Equal(t, before+1, v.payment().EventsApplied, "only the good event, once")
	disputes := v.payment().Disputes
	require.Len(t, disputes, 1)

	// Events for payments the engine does not know are acknowledged and ignored.
	other := map[string]any{"id": "pi_unknown", "object": "payment_intent", "amount_received": 5, "metadata": map[string]any{}}
	body, sig = signedEvent(t, secret, time.Now(), "evt_unknown1", "payment_intent.succeeded", other)
	code, r = e.callWith("POST", "/webhooks/stripe", body, map[string]string{"Stripe-Signature": sig})
	require.Equal(t, http.StatusOK, code, r)
}

func TestNoPlaintextPHIInHistory(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.PaymentRefundWindow = 2 * time.Second })
	marker := fmt.Sprintf("PHI-MARKER-%d", time.Now().UnixNano())
	body := newPayment("pay-phi-1", 1800, "pm_card_visa")
	body["description"] = "visit for " + marker
	body["customerRef"] = marker
	code, v := e.call("POST", "/v1/payments", body)
	require.Equal(t, http.StatusCreated, code, v)
	code, v = e.call("POST", "/v1/payments/pay-phi-1/capture", map[string]any{})
	require.Equal(t, http.StatusOK, code, v)
	e.waitFor("pay-phi-1", func(v api.PaymentView) bool { return v.Closed == true })

	// The raw client has no codec: it sees exactly what the Temporal server stores.
	ctx := context.Background()
	iter := e.raw.GetWorkflowHistory(ctx, payments.WorkflowID("pay-phi-1"), "", false, 0)
	// Search the protobuf wire bytes: payload data is raw there (JSON would base64 it and hide it).
	var raw []byte
	events := 0
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		b, err := proto.Marshal(ev)
		require.NoError(t, err)
		raw = append(raw, b...)
		events++
	}
	require.Greater(t, events, 5)
	require.False(t, bytes.Contains(raw, []byte(marker)), "plaintext PHI found in Temporal history")
	require.True(t, bytes.Contains(raw, []byte("binary/encrypted")), "payloads should carry the encrypted encoding")

	// The engine's own client decodes the same history, so the marker was really there.
	iter = e.st.Temporal.GetWorkflowHistory(ctx, payments.WorkflowID("pay-phi-1"), "", false, 0)
	found := false
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			var in payments.Input
			require.NoError(t, payloadcodec.DataConverter(e.st.Codec).FromPayloads(a.GetInput(), &in))
			found = strings.Contains(in.Description, marker) && in.CustomerRef == marker
		}
	}
	require.True(t, found)
}
