package stripesim_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

func TestWebhookDeliveriesAreSignedAndOrdered(t *testing.T) {
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{WebhookURL: rc.server.URL})
	sc := newClient(srv.URL, testKey)
	ctx := context.Background()

	p := createParams("payment:pay_wh:authorize", 3000)
	pi, err := sc.V1PaymentIntents.Create(ctx, p)
	require.NoError(t, err)
	_, err = sc.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	require.NoError(t, err)
	_, err = sc.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(pi.ID), Amount: stripe.Int64(1000)})
	require.NoError(t, err)

	want := []string{
		"payment_intent.created", "charge.succeeded", "payment_intent.amount_capturable_updated",
		"charge.captured", "payment_intent.succeeded", "refund.created", "charge.refunded",
	}
	waitFor(t, func() bool { return len(rc.eventsFor(pi.ID)) == len(want) }, "all events delivered")
	evs := rc.eventsFor(pi.ID)
	assert.Equal(t, want, types(evs))
	assert.Zero(t, rc.rejected, "every signature verified")

	first := evs[0]
	assert.Regexp(t, `^evt_[0-9A-Za-z]{24}$`, first.ID)
	assert.Equal(t, stripe.APIVersion, first.APIVersion)
	assert.False(t, first.Livemode)
	require.NotNil(t, first.Request)
	assert.Equal(t, "payment:pay_wh:authorize", first.Request.IdempotencyKey)

	// The charge.refunded event carries the charge with cumulative refunds,
	// its PaymentIntent and the PaymentIntent's metadata.
	var ch stripe.Charge
	require.NoError(t, json.Unmarshal(evs[6].Data.Raw, &ch))
	assert.Equal(t, int64(1000), ch.AmountRefunded)
	assert.False(t, ch.Refunded)
	assert.Equal(t, pi.ID, ch.PaymentIntent.ID)
	assert.Equal(t, "pay_idem", ch.Metadata["payment_id"])

	var succeeded stripe.PaymentIntent
	require.NoError(t, json.Unmarshal(evs[4].Data.Raw, &succeeded))
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, succeeded.Status)
	assert.Equal(t, int64(3000), succeeded.AmountReceived)

	// The counter moves once the receiver's answer is read, just after the
	// receiver recorded the event.
	waitFor(t, func() bool { return srv.Sim.Stats().WebhooksDelivered == len(want) }, "deliveries counted")
	assert.Zero(t, srv.Sim.Stats().WebhookAttemptsFailed)
}

func TestWebhookRetriedAfterFailingReceiver(t *testing.T) {
	rc := newReceiver(t, 2)
	srv := startSim(t, stripesim.Options{WebhookURL: rc.server.URL, WebhookBackoff: time.Millisecond})
	sc := newClient(srv.URL, testKey)
	pi := authorize(t, sc, 1200, "pm_card_visa", nil)

	want := []string{"payment_intent.created", "charge.succeeded", "payment_intent.amount_capturable_updated"}
	waitFor(t, func() bool { return len(rc.eventsFor(pi.ID)) == len(want) }, "events delivered after retries")
	assert.Equal(t, want, types(rc.eventsFor(pi.ID)), "retries keep the order")
	waitFor(t, func() bool { return srv.Sim.Stats().WebhooksDelivered == 3 }, "deliveries counted")
	st := srv.Sim.Stats()
	assert.Equal(t, 2, st.WebhookAttemptsFailed)
	assert.Zero(t, st.WebhooksAbandoned)
}

func TestWebhookAbandonedAfterMaxAttempts(t *testing.T) {
	rc := newReceiver(t, 1000)
	srv := startSim(t, stripesim.Options{WebhookURL: rc.server.URL, WebhookBackoff: time.Millisecond,
		WebhookMaxAttempts: 3, EnabledEvents: []string{"payment_intent.created"}})
	sc := newClient(srv.URL, testKey)
	authorize(t, sc, 1200, "pm_card_visa", nil)

	waitFor(t, func() bool { return srv.Sim.Stats().WebhooksAbandoned == 1 }, "event abandoned")
	st := srv.Sim.Stats()
	assert.Equal(t, 3, st.WebhookAttemptsFailed)
	assert.Zero(t, st.WebhooksDelivered)
}

func TestWebhookWrongSecretIsRejected(t *testing.T) {
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{WebhookURL: rc.server.URL, WebhookSecret: "whsec_other",
		WebhookBackoff: time.Millisecond, WebhookMaxAttempts: 1, EnabledEvents: []string{"payment_intent.created"}})
	authorize(t, newClient(srv.URL, testKey), 1200, "pm_card_visa", nil)
	waitFor(t, func() bool { return srv.Sim.Stats().WebhooksAbandoned == 1 }, "delivery refused")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Equal(t, 1, rc.rejected, "the receiver's verification is what refused it")
}

func TestDisputeEvent(t *testing.T) {
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{EnabledEvents: []string{"charge.dispute.created"}})
	srv.Sim.SetWebhookURL(rc.server.URL)
	sc := newClient(srv.URL, testKey)
	pi := authorize(t, sc, 2500, "pm_card_visa", map[string]string{"payment_id": "pay_du"})

	_, err := srv.Sim.CreateDispute(pi.ID, "fraudulent")
	assert.ErrorIs(t, err, stripesim.ErrNotDisputable, "an uncaptured charge cannot be disputed")
	_, err = sc.V1PaymentIntents.Capture(context.Background(), pi.ID, nil)
	require.NoError(t, err)
	_, err = srv.Sim.CreateDispute(pi.ID, "not_a_reason")
	assert.ErrorIs(t, err, stripesim.ErrInvalidReason)
	_, err = srv.Sim.CreateDispute("pi_unknown", "")
	assert.ErrorIs(t, err, stripesim.ErrUnknownPaymentIntent)

	duID, err := srv.Sim.CreateDispute(pi.ID, "fraudulent")
	require.NoError(t, err)
	assert.Regexp(t, `^du_[0-9A-Za-z]{24}$`, duID)

	waitFor(t, func() bool { return len(rc.eventsFor(pi.ID)) == 1 }, "dispute event delivered")
	ev := rc.eventsFor(pi.ID)[0]
	assert.Equal(t, stripe.EventType("charge.dispute.created"), ev.Type)
	var du stripe.Dispute
	require.NoError(t, json.Unmarshal(ev.Data.Raw, &du))
	assert.Equal(t, duID, du.ID)
	assert.Equal(t, stripe.DisputeReasonFraudulent, du.Reason)
	assert.Equal(t, stripe.DisputeStatusNeedsResponse, du.Status)
	assert.Equal(t, int64(2500), du.Amount)
	assert.Equal(t, pi.ID, du.PaymentIntent.ID)
	assert.Equal(t, pi.LatestCharge.ID, du.Charge.ID)

	// A disputed charge cannot be refunded, and is not disputed twice.
	_, err = sc.V1Refunds.Create(context.Background(), &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)})
	assert.Equal(t, stripe.ErrorCodeChargeDisputed, stripeErr(t, err).Code)
	_, err = srv.Sim.CreateDispute(pi.ID, "general")
	assert.ErrorIs(t, err, stripesim.ErrNotDisputable)
	got, err := sc.V1Disputes.Retrieve(context.Background(), duID, nil)
	require.NoError(t, err)
	assert.Equal(t, duID, got.ID)
	view, _ := srv.Sim.PaymentIntent(pi.ID)
	assert.True(t, view.Disputed)
}

func TestCreateDisputeTestCard(t *testing.T) {
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{WebhookURL: rc.server.URL, EnabledEvents: []string{"charge.dispute.created"}})
	sc := newClient(srv.URL, testKey)
	pi := authorize(t, sc, 900, "pm_card_createDispute", nil)
	assert.Zero(t, srv.Sim.Stats().Disputes, "no dispute before capture")
	_, err := sc.V1PaymentIntents.Capture(context.Background(), pi.ID, nil)
	require.NoError(t, err)
	waitFor(t, func() bool { return len(rc.eventsFor(pi.ID)) == 1 }, "dispute event delivered")
	assert.Equal(t, 1, srv.Sim.Stats().Disputes)
}

func TestDeclineEmitsPaymentFailed(t *testing.T) {
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{WebhookURL: rc.server.URL})
	sc := newClient(srv.URL, testKey)
	_, err := sc.V1PaymentIntents.Create(context.Background(), &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(2500), Currency: stripe.String("usd"),
		PaymentMethod: stripe.String("pm_card_chargeDeclinedInsufficientFunds"),
		CaptureMethod: stripe.String("manual"), Confirm: stripe.Bool(true),
		Metadata: map[string]string{"payment_id": "pay_f"}})
	se := stripeErr(t, err)
	piID := se.PaymentIntent.ID
	want := []string{"payment_intent.created", "charge.failed", "payment_intent.payment_failed"}
	waitFor(t, func() bool { return len(rc.eventsFor(piID)) == len(want) }, "decline events delivered")
	evs := rc.eventsFor(piID)
	assert.Equal(t, want, types(evs))
	var failed stripe.PaymentIntent
	require.NoError(t, json.Unmarshal(evs[2].Data.Raw, &failed))
	require.NotNil(t, failed.LastPaymentError)
	assert.Equal(t, stripe.DeclineCode("insufficient_funds"), failed.LastPaymentError.DeclineCode)
	assert.Equal(t, "pay_f", failed.Metadata["payment_id"])
}

func TestCloseStopsDeliveries(t *testing.T) {
	rc := newReceiver(t, 1000) // never accepts, so deliveries keep retrying
	sim := stripesim.New(stripesim.Options{SecretKey: testKey, WebhookSecret: testSecret,
		WebhookURL: rc.server.URL, WebhookBackoff: time.Hour})
	api := httptest.NewServer(sim)
	t.Cleanup(api.Close)
	authorize(t, newClient(api.URL, testKey), 1000, "pm_card_visa", nil)
	waitFor(t, func() bool { return sim.Stats().WebhookAttemptsFailed >= 1 }, "first attempt failed")
	// A delivery now waits an hour before retrying; Close must not wait for it.
	sim.Close()
	assert.Zero(t, sim.Stats().WebhooksDelivered)
}
