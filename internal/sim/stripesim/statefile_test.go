package stripesim_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

// retrieveRaw returns a PaymentIntent's JSON with latest_charge expanded,
// the most complete rendering of an intent and its charge.
func retrieveRaw(t *testing.T, sc *stripe.Client, id string) string {
	t.Helper()
	p := &stripe.PaymentIntentRetrieveParams{}
	p.AddExpand("latest_charge")
	pi, err := sc.V1PaymentIntents.Retrieve(context.Background(), id, p)
	require.NoError(t, err)
	return string(pi.LastResponse.RawJSON)
}

// partialCapture captures 3000 with a fixed idempotency key.
func partialCapture(key string) *stripe.PaymentIntentCaptureParams {
	p := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(3000)}
	p.SetIdempotencyKey(key)
	return p
}

func TestStateSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stripe.json")
	ctx := context.Background()
	a := startSim(t, stripesim.Options{StateFile: file})
	sa := newClient(a.URL, testKey)

	// pay is authorized and partially captured with idempotency keys.
	pay, err := sa.V1PaymentIntents.Create(ctx, createParams("k-create", 5000))
	require.NoError(t, err)
	captured, err := sa.V1PaymentIntents.Capture(ctx, pay.ID, partialCapture("k-capture"))
	require.NoError(t, err)
	require.Equal(t, int64(3000), captured.AmountReceived)
	// held and voided stay authorized until after the restart.
	held := authorize(t, sa, 2500, "pm_card_mastercard", map[string]string{"payment_id": "pay_held"})
	voided := authorize(t, sa, 1200, "pm_card_visa", nil)
	_, err = sa.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(700), Currency: stripe.String("usd"), CaptureMethod: stripe.String("manual"),
		PaymentMethod: stripe.String("pm_card_chargeDeclinedInsufficientFunds"), Confirm: stripe.Bool(true),
	})
	declined := stripeErr(t, err).PaymentIntent
	require.NotNil(t, declined)
	disputed := authorize(t, sa, 900, "pm_card_visa", nil)
	_, err = sa.V1PaymentIntents.Capture(ctx, disputed.ID, nil)
	require.NoError(t, err)
	disputeID, err := a.Sim.CreateDispute(disputed.ID, "fraudulent")
	require.NoError(t, err)

	ids := []string{pay.ID, held.ID, voided.ID, declined.ID, disputed.ID}
	before := map[string]string{}
	for _, id := range ids {
		before[id] = retrieveRaw(t, sa, id)
	}
	statsA := a.Sim.Stats()
	a.Close()

	b := startSim(t, stripesim.Options{StateFile: file})
	sb := newClient(b.URL, testKey)
	for _, id := range ids {
		assert.Equal(t, before[id], retrieveRaw(t, sb, id), "intent %s renders as before the restart", id)
	}
	assert.Equal(t, statsA, b.Sim.Stats(), "counters survive the restart")

	// A retry of A's capture replays on B without capturing again.
	again, err := sb.V1PaymentIntents.Capture(ctx, pay.ID, partialCapture("k-capture"))
	require.NoError(t, err)
	assert.Equal(t, "true", again.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, captured.LastResponse.RequestID, again.LastResponse.Header.Get("Original-Request"))
	assert.Equal(t, string(captured.LastResponse.RawJSON), string(again.LastResponse.RawJSON))
	recreated, err := sb.V1PaymentIntents.Create(ctx, createParams("k-create", 5000))
	require.NoError(t, err)
	assert.Equal(t, pay.ID, recreated.ID)
	st := b.Sim.Stats()
	assert.Equal(t, statsA.Captures, st.Captures)
	assert.Equal(t, 1, st.CapturesByIntent[pay.ID])
	assert.Equal(t, statsA.Creates, st.Creates)
	assert.Equal(t, statsA.Replays+2, st.Replays)

	// Everything A left open can be finished on B.
	re1, err := sb.V1Refunds.Create(ctx, &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(pay.ID), Amount: stripe.Int64(1000)})
	require.NoError(t, err)
	re2, err := sb.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(pay.ID)})
	require.NoError(t, err)
	assert.Equal(t, int64(2000), re2.Amount, "the rest of the captured 3000")
	assert.Equal(t, pay.LatestCharge.ID, re2.Charge.ID)
	heldDone, err := sb.V1PaymentIntents.Capture(ctx, held.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(2500), heldDone.AmountReceived)
	voidedDone, err := sb.V1PaymentIntents.Cancel(ctx, voided.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusCanceled, voidedDone.Status)
	_, err = sb.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(disputed.ID)})
	assert.Equal(t, "charge_disputed", string(stripeErr(t, err).Code))
	du, err := sb.V1Disputes.Retrieve(ctx, disputeID, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(900), du.Amount)
	assert.Equal(t, stripe.DisputeReasonFraudulent, du.Reason)
	gotDeclined, err := sb.V1PaymentIntents.Retrieve(ctx, declined.ID, nil)
	require.NoError(t, err)
	require.NotNil(t, gotDeclined.LastPaymentError)
	assert.Equal(t, stripe.DeclineCodeInsufficientFunds, gotDeclined.LastPaymentError.DeclineCode)
	b.Close()

	// A third start sees B's work too.
	c, err := stripesim.Open(stripesim.Options{StateFile: file})
	require.NoError(t, err)
	defer c.Close()
	v, ok := c.PaymentIntent(pay.ID)
	require.True(t, ok)
	assert.Equal(t, int64(3000), v.AmountRefunded)
	v, _ = c.PaymentIntent(held.ID)
	assert.Equal(t, "succeeded", v.Status)
	v, _ = c.PaymentIntent(voided.ID)
	assert.Equal(t, "canceled", v.Status)
	assert.Equal(t, st.Refunds+2, c.Stats().Refunds)
	sc := newClient(startSimOn(t, c), testKey)
	got, err := sc.V1Refunds.Retrieve(ctx, re1.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), got.Amount)

	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	_, err = os.Stat(file + ".tmp")
	assert.ErrorIs(t, err, os.ErrNotExist, "no temporary file is left behind")
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), testKey, "API keys are stored only as digests")
	var head struct {
		Version int `json:"version"`
	}
	require.NoError(t, json.Unmarshal(raw, &head))
	assert.Equal(t, 1, head.Version)
}

// startSimOn serves an opened simulator over HTTP for the test's duration.
func startSimOn(t *testing.T, sim *stripesim.Sim) string {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestStateFileMissingStartsEmpty(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stripe.json")
	sim, err := stripesim.Open(stripesim.Options{StateFile: file})
	require.NoError(t, err)
	defer sim.Close()
	_, ok := sim.PaymentIntent("pi_anything")
	assert.False(t, ok)
	assert.Equal(t, stripesim.Stats{CapturesByIntent: map[string]int{}}, sim.Stats())
	// The empty state is written at once, which proves the place writable.
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	_, err = stripesim.Open(stripesim.Options{StateFile: filepath.Join(t.TempDir(), "no-such-dir", "s.json")})
	assert.Error(t, err, "an unwritable location fails at start-up")
}

func TestStateFileRejectsDamage(t *testing.T) {
	cases := map[string]string{
		"truncated":      `{"version":1,"paymentIntents":[`,
		"empty":          ``,
		"no version":     `{}`,
		"future version": `{"version":2}`,
		"unknown field":  `{"version":1,"surprise":true}`,
		"trailing data":  `{"version":1} {}`,
		"dangling charge": `{"version":1,"paymentIntents":[{"id":"pi_1","status":"requires_capture",` +
			`"latestCharge":"ch_missing"}]}`,
		"duplicate id":        `{"version":1,"refunds":[{"id":"re_1"},{"id":"re_1"}]}`,
		"bad replay status":   `{"version":1,"idempotency":[{"key":"k","status":0,"body":"{}"}]}`,
		"captured without ch": `{"version":1,"paymentIntents":[{"id":"pi_1","status":"succeeded"}]}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "stripe.json")
			require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
			_, err := stripesim.Open(stripesim.Options{StateFile: file})
			assert.Error(t, err)
			_, err = stripesim.Start(stripesim.Options{StateFile: file})
			assert.Error(t, err)
			assert.Panics(t, func() { stripesim.New(stripesim.Options{StateFile: file}) })
			after, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, content, string(after), "a damaged file is left for inspection")
		})
	}
}

func TestReadsDoNotRewriteStateFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stripe.json")
	srv := startSim(t, stripesim.Options{StateFile: file})
	sc := newClient(srv.URL, testKey)
	ctx := context.Background()
	pi, err := sc.V1PaymentIntents.Create(ctx, createParams("k-read", 1000))
	require.NoError(t, err)
	// Every save renames a new file into place, so an unchanged inode means
	// nothing was written.
	before, err := os.Stat(file)
	require.NoError(t, err)
	retrieveRaw(t, sc, pi.ID)
	_, err = sc.V1PaymentIntents.Create(ctx, createParams("k-read", 1000))
	require.NoError(t, err)
	_, err = sc.V1PaymentIntents.Capture(ctx, "pi_missing", nil)
	stripeErr(t, err)
	after, err := os.Stat(file)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "reads, replays and failed lookups write nothing")

	_, err = sc.V1PaymentIntents.Capture(ctx, pi.ID, nil)
	require.NoError(t, err)
	after, err = os.Stat(file)
	require.NoError(t, err)
	assert.False(t, os.SameFile(before, after), "a capture is saved")
}

func TestFailedSaveIsRetried(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "state")
	require.NoError(t, os.Mkdir(dir, 0o700))
	file := filepath.Join(dir, "stripe.json")
	rc := newReceiver(t, 0)
	srv := startSim(t, stripesim.Options{StateFile: file, WebhookURL: rc.server.URL})
	sc := newClient(srv.URL, testKey)
	ctx := context.Background()
	pi := authorize(t, sc, 1000, "pm_card_visa", nil)
	other := authorize(t, sc, 800, "pm_card_visa", nil)
	_, err := sc.V1PaymentIntents.Capture(ctx, other.ID, nil)
	require.NoError(t, err)

	// Moving the directory away makes every save fail.
	moved := filepath.Join(root, "moved")
	require.NoError(t, os.Rename(dir, moved))
	p := &stripe.PaymentIntentCaptureParams{}
	p.SetIdempotencyKey("k-unsaved")
	_, err = sc.V1PaymentIntents.Capture(ctx, pi.ID, p)
	se := stripeErr(t, err)
	assert.Equal(t, 500, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorTypeAPI, se.Type)
	_, err = sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	assert.Equal(t, 500, stripeErr(t, err).HTTPStatusCode, "unsaved state is not served")
	_, err = srv.Sim.CreateDispute(other.ID, "")
	assert.ErrorIs(t, err, stripesim.ErrStateNotSaved)

	require.NoError(t, os.Rename(moved, dir))
	p = &stripe.PaymentIntentCaptureParams{}
	p.SetIdempotencyKey("k-unsaved")
	got, err := sc.V1PaymentIntents.Capture(ctx, pi.ID, p)
	require.NoError(t, err, "the retry saves, then replays the stored capture")
	assert.Equal(t, "true", got.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, got.Status)
	assert.Equal(t, 1, srv.Sim.Stats().CapturesByIntent[pi.ID])
	// The held events go out once their change is saved.
	waitFor(t, func() bool {
		return len(rc.eventsFor(pi.ID)) == 5 && len(rc.eventsFor(other.ID)) == 6
	}, "every event is delivered after the save")
	assert.Equal(t, []string{"payment_intent.created", "charge.succeeded",
		"payment_intent.amount_capturable_updated", "charge.captured", "payment_intent.succeeded"},
		types(rc.eventsFor(pi.ID)))
	assert.Equal(t, "charge.dispute.created", types(rc.eventsFor(other.ID))[5])

	reopened, err := stripesim.Open(stripesim.Options{StateFile: file})
	require.NoError(t, err)
	defer reopened.Close()
	v, ok := reopened.PaymentIntent(pi.ID)
	require.True(t, ok)
	assert.Equal(t, "succeeded", v.Status)
	v, _ = reopened.PaymentIntent(other.ID)
	assert.True(t, v.Disputed, "the dispute made while saving failed was saved with the retry")
}
