package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85/webhook"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/payments"
)

// stripeEvent renders a Stripe event around obj, as Stripe delivers it.
func stripeEvent(t *testing.T, id, typ string, obj map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2024-06-20", "created": 1700000000, "type": typ,
		"livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": obj},
	})
	require.NoError(t, err)
	return string(b)
}

// deliver posts payload signed with secret at time at.
func (h *harness) deliver(payload, secret string, at time.Time) *httptest.ResponseRecorder {
	h.t.Helper()
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(payload), Secret: secret, Timestamp: at})
	return h.do(http.MethodPost, "/webhooks/stripe", payload, "", "Stripe-Signature", sp.Header)
}

// captureSignals records every StripeEventSignal sent to wid and answers err.
func (h *harness) captureSignals(wid string, err error) *[]payments.StripeEventSignal {
	var got []payments.StripeEventSignal
	h.temporal.On("SignalWorkflow", mock.Anything, wid, "", payments.StripeEventSignalName, mock.Anything).
		Run(func(args mock.Arguments) { got = append(got, args.Get(4).(payments.StripeEventSignal)) }).
		Return(err)
	return &got
}

var succeededIntent = map[string]any{
	"id": "pi_1", "object": "payment_intent", "amount": 2500, "amount_received": 2500, "latest_charge": "ch_1",
	"status": "succeeded", "description": "Visit for Jane Doe", "metadata": map[string]any{"payment_id": "pay-1", "workflow_id": "payment:pay-1"},
}

func TestWebhookSignalsMappedEvent(t *testing.T) {
	h := newHarness(t)
	got := h.captureSignals("payment:pay-1", nil)

	res := h.deliver(stripeEvent(t, "evt_1", payments.EventPaymentIntentSucceeded, succeededIntent), hookSecret, time.Now())

	require.Equal(t, http.StatusOK, res.Code, res.Body.String())
	assert.JSONEq(t, `{"status":"accepted"}`, res.Body.String())
	require.Len(t, *got, 1)
	assert.Equal(t, payments.StripeEventSignal{EventID: "evt_1", Type: payments.EventPaymentIntentSucceeded, Created: 1700000000,
		PaymentIntentID: "pi_1", ChargeID: "ch_1", Amount: 2500}, (*got)[0])
	rec := h.store.last(t)
	assert.NotEmpty(t, keptBody(t, rec.Payload), "the verified delivery is kept for reprocessing")
	assert.Equal(t, audit.Record{ID: rec.ID, Actor: "webhook:stripe", Action: "webhook.stripe", Process: "payment:pay-1",
		Vendor: "stripe", Exchange: "evt_1", Outcome: audit.OutcomeOK, Code: "200", Latency: rec.Latency, Payload: rec.Payload}, rec)
}

func TestWebhookMapsEachTypeAndFindsPaymentByCrosswalk(t *testing.T) {
	cases := map[string]struct {
		typ       string
		obj       map[string]any
		crosswalk [3]string
		want      payments.StripeEventSignal
	}{
		"payment failed (decline code wins)": {
			typ: payments.EventPaymentIntentFailed,
			obj: map[string]any{"id": "pi_2", "latest_charge": map[string]any{"id": "ch_2", "object": "charge"},
				"last_payment_error": map[string]any{"code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}},
			crosswalk: [3]string{api.CrosswalkStripePaymentIntent, "pi_2", "payment:pay-1"},
			want:      payments.StripeEventSignal{PaymentIntentID: "pi_2", ChargeID: "ch_2", FailureCode: "insufficient_funds"},
		},
		"charge refunded": {
			typ:       payments.EventChargeRefunded,
			obj:       map[string]any{"id": "ch_3", "object": "charge", "payment_intent": "pi_3", "amount": 2500, "amount_refunded": 1000, "metadata": map[string]any{}},
			crosswalk: [3]string{api.CrosswalkStripePaymentIntent, "pi_3", "pay-1"},
			want:      payments.StripeEventSignal{ChargeID: "ch_3", PaymentIntentID: "pi_3", AmountRefunded: 1000},
		},
		"dispute via charge": {
			typ:       payments.EventDisputeCreated,
			obj:       map[string]any{"id": "dp_4", "object": "dispute", "charge": "ch_4", "payment_intent": nil, "amount": 2500, "reason": "fraudulent"},
			crosswalk: [3]string{api.CrosswalkStripeCharge, "ch_4", "payment:pay-1"},
			want:      payments.StripeEventSignal{DisputeID: "dp_4", ChargeID: "ch_4", Amount: 2500, DisputeReason: "fraudulent"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			c := tc.crosswalk
			require.NoError(t, h.store.PutCrosswalk(t.Context(), c[0], c[1], c[2]))
			got := h.captureSignals("payment:pay-1", nil)

			res := h.deliver(stripeEvent(t, "evt_x", tc.typ, tc.obj), hookSecret, time.Now())

			require.Equal(t, http.StatusOK, res.Code, res.Body.String())
			require.Len(t, *got, 1)
			want := tc.want
			want.EventID, want.Type, want.Created = "evt_x", tc.typ, 1700000000
			assert.Equal(t, want, (*got)[0])
			assert.NotContains(t, h.logs.String(), "insufficient funds.", "vendor messages are not logged")
		})
	}
}

func TestWebhookRejectsBadSignatures(t *testing.T) {
	payload := stripeEvent(t, "evt_1", payments.EventPaymentIntentSucceeded, succeededIntent)
	cases := map[string]func(h *harness) *httptest.ResponseRecorder{
		"wrong secret": func(h *harness) *httptest.ResponseRecorder { return h.deliver(payload, "whsec_other", time.Now()) },
		"stale": func(h *harness) *httptest.ResponseRecorder {
			return h.deliver(payload, hookSecret, time.Now().Add(-time.Hour))
		},
		"missing": func(h *harness) *httptest.ResponseRecorder {
			return h.do(http.MethodPost, "/webhooks/stripe", payload, "")
		},
		"tampered body": func(h *harness) *httptest.ResponseRecorder {
			sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(payload), Secret: hookSecret})
			tampered := payload[:len(payload)-1] + " }"
			return h.do(http.MethodPost, "/webhooks/stripe", tampered, "", "Stripe-Signature", sp.Header)
		},
		"bearer is not enough": func(h *harness) *httptest.ResponseRecorder {
			return h.do(http.MethodPost, "/webhooks/stripe", payload, adminSecret)
		},
	}
	for name, send := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t) // no SignalWorkflow expectation: a signal fails the test
			res := send(h)
			require.Equal(t, http.StatusBadRequest, res.Code, res.Body.String())
			var p api.Problem
			require.NoError(t, json.Unmarshal(res.Body.Bytes(), &p))
			assert.Equal(t, api.ProblemBadSignature, p.Type)
			assert.Equal(t, "application/problem+json", res.Header().Get("Content-Type"))
			h.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
			assert.Equal(t, audit.OutcomeRejected, h.store.last(t).Outcome)
			assert.Empty(t, h.store.last(t).Payload, "an unverified body is not kept")
		})
	}
}

func TestWebhookDuplicateDeliverySignalsTwice(t *testing.T) {
	h := newHarness(t)
	got := h.captureSignals("payment:pay-1", nil)
	payload := stripeEvent(t, "evt_dup", payments.EventPaymentIntentSucceeded, succeededIntent)

	require.Equal(t, http.StatusOK, h.deliver(payload, hookSecret, time.Now()).Code)
	require.Equal(t, http.StatusOK, h.deliver(payload, hookSecret, time.Now()).Code)

	// Deduplication is the workflow's job, by the event id carried in both signals.
	require.Len(t, *got, 2)
	assert.Equal(t, "evt_dup", (*got)[0].EventID)
	assert.Equal(t, (*got)[0], (*got)[1])
}

func TestWebhookAcknowledgesWhatItCannotRoute(t *testing.T) {
	t.Run("workflow not found", func(t *testing.T) {
		h := newHarness(t)
		h.captureSignals("payment:pay-1", serviceerror.NewNotFound("workflow execution already completed"))
		res := h.deliver(stripeEvent(t, "evt_1", payments.EventPaymentIntentSucceeded, succeededIntent), hookSecret, time.Now())
		require.Equal(t, http.StatusOK, res.Code, res.Body.String())
		assert.JSONEq(t, `{"status":"ignored"}`, res.Body.String())
		rec := h.store.last(t)
		assert.Equal(t, audit.OutcomeIgnored, rec.Outcome)
		assert.Equal(t, "evt_1", rec.Exchange)
	})
	t.Run("unknown payment", func(t *testing.T) {
		h := newHarness(t) // no SignalWorkflow expectation
		obj := map[string]any{"id": "pi_9", "amount_received": 100, "metadata": map[string]any{}}
		res := h.deliver(stripeEvent(t, "evt_2", payments.EventPaymentIntentSucceeded, obj), hookSecret, time.Now())
		require.Equal(t, http.StatusOK, res.Code, res.Body.String())
		assert.Equal(t, audit.OutcomeIgnored, h.store.last(t).Outcome)
	})
	t.Run("other payment's workflow id", func(t *testing.T) {
		h := newHarness(t)
		obj := map[string]any{"id": "pi_9", "metadata": map[string]any{"workflow_id": "checkin:appt-1"}}
		res := h.deliver(stripeEvent(t, "evt_3", payments.EventPaymentIntentSucceeded, obj), hookSecret, time.Now())
		require.Equal(t, http.StatusOK, res.Code, res.Body.String())
	})
	t.Run("unhandled type", func(t *testing.T) {
		h := newHarness(t)
		res := h.deliver(stripeEvent(t, "evt_4", "customer.created", map[string]any{"id": "cus_1"}), hookSecret, time.Now())
		require.Equal(t, http.StatusOK, res.Code, res.Body.String())
		assert.JSONEq(t, `{"status":"ignored"}`, res.Body.String())
	})
}

func TestWebhookAsksStripeToRetry(t *testing.T) {
	t.Run("temporal unavailable", func(t *testing.T) {
		h := newHarness(t)
		h.captureSignals("payment:pay-1", serviceerror.NewUnavailable("frontend down"))
		res := h.deliver(stripeEvent(t, "evt_1", payments.EventPaymentIntentSucceeded, succeededIntent), hookSecret, time.Now())
		require.Equal(t, http.StatusServiceUnavailable, res.Code)
		assert.NotContains(t, res.Body.String(), "frontend down")
		assert.Equal(t, audit.OutcomeError, h.store.last(t).Outcome)
	})
	t.Run("crosswalk store down", func(t *testing.T) {
		h := newHarness(t)
		h.store.failWith = errStoreDown
		obj := map[string]any{"id": "pi_9", "metadata": map[string]any{}}
		res := h.deliver(stripeEvent(t, "evt_2", payments.EventPaymentIntentSucceeded, obj), hookSecret, time.Now())
		require.Equal(t, http.StatusServiceUnavailable, res.Code)
	})
	t.Run("no secret configured", func(t *testing.T) {
		h := newHarness(t, func(d *api.Deps) { d.StripeWebhookSecret = "" })
		res := h.deliver(stripeEvent(t, "evt_3", payments.EventPaymentIntentSucceeded, succeededIntent), "", time.Now())
		require.Equal(t, http.StatusServiceUnavailable, res.Code)
	})
}
