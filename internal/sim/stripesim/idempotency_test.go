package stripesim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

// createParams builds a manual-capture create request with a fixed key.
func createParams(key string, amount int64) *stripe.PaymentIntentCreateParams {
	p := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(amount), Currency: stripe.String("usd"), PaymentMethod: stripe.String("pm_card_visa"),
		CaptureMethod: stripe.String("manual"), Confirm: stripe.Bool(true),
		Metadata: map[string]string{"payment_id": "pay_idem"},
	}
	p.SetIdempotencyKey(key)
	return p
}

func TestIdempotentReplay(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()

	first, err := sc.V1PaymentIntents.Create(ctx, createParams("payment:pay_idem:authorize", 4200))
	require.NoError(t, err)
	second, err := sc.V1PaymentIntents.Create(ctx, createParams("payment:pay_idem:authorize", 4200))
	require.NoError(t, err)

	assert.Equal(t, first.ID, second.ID)
	assert.Equal(t, first.LatestCharge.ID, second.LatestCharge.ID)
	assert.Equal(t, "true", second.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Empty(t, first.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.LastResponse.RawJSON), string(second.LastResponse.RawJSON))
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Creates, "the replay created no second PaymentIntent")
	assert.Equal(t, 1, st.Replays)
}

func TestIdempotencyKeyReusedWithOtherParams(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()

	_, err := sc.V1PaymentIntents.Create(ctx, createParams("k-mismatch", 1000))
	require.NoError(t, err)
	_, err = sc.V1PaymentIntents.Create(ctx, createParams("k-mismatch", 1001))
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusBadRequest, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorTypeIdempotency, se.Type)
	var idem *stripe.IdempotencyError
	assert.ErrorAs(t, err, &idem)
	assert.Equal(t, 1, srv.Sim.Stats().Creates)
}

func TestIdempotencyKeyOnOtherEndpoint(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()
	pi := authorize(t, sc, 1000, "pm_card_visa", nil)

	p := &stripe.PaymentIntentCaptureParams{}
	p.SetIdempotencyKey("shared-key")
	_, err := sc.V1PaymentIntents.Capture(ctx, pi.ID, p)
	require.NoError(t, err)
	r := &stripe.RefundCreateParams{PaymentIntent: stripe.String(pi.ID)}
	r.SetIdempotencyKey("shared-key")
	_, err = sc.V1Refunds.Create(ctx, r)
	se := stripeErr(t, err)
	assert.Equal(t, stripe.ErrorTypeIdempotency, se.Type)
	assert.Contains(t, se.Msg, "same endpoint")
	assert.Zero(t, srv.Sim.Stats().Refunds)
}

func TestIdempotentDeclineIsReplayed(t *testing.T) {
	srv, sc := startWithClient(t)
	ctx := context.Background()
	p := func() *stripe.PaymentIntentCreateParams {
		q := createParams("k-decline", 1000)
		q.PaymentMethod = stripe.String("pm_card_chargeDeclined")
		return q
	}
	_, err1 := sc.V1PaymentIntents.Create(ctx, p())
	_, err2 := sc.V1PaymentIntents.Create(ctx, p())
	se1, se2 := stripeErr(t, err1), stripeErr(t, err2)
	require.NotNil(t, se1.PaymentIntent)
	require.NotNil(t, se2.PaymentIntent)
	assert.Equal(t, se1.PaymentIntent.ID, se2.PaymentIntent.ID, "a decline is stored and replayed")
	assert.Equal(t, 1, srv.Sim.Stats().Declines)
}

func TestValidationErrorIsNotStored(t *testing.T) {
	_, sc := startWithClient(t)
	ctx := context.Background()
	bad := createParams("k-fixme", 1000)
	bad.Currency = stripe.String("zzz")
	_, err := sc.V1PaymentIntents.Create(ctx, bad)
	stripeErr(t, err)
	// Stripe keeps no result when parameter validation fails, so the
	// corrected request may reuse the key.
	pi, err := sc.V1PaymentIntents.Create(ctx, createParams("k-fixme", 1000))
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusRequiresCapture, pi.Status)
}

func TestIdempotencyScopedByAPIKey(t *testing.T) {
	// With no SecretKey configured any sk_test_ key is accepted, so two keys
	// stand for two Stripe accounts.
	srv, err := stripesim.Start(stripesim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	a, err := newClient(srv.URL, "sk_test_a").V1PaymentIntents.Create(context.Background(), createParams("k", 1000))
	require.NoError(t, err)
	b, err := newClient(srv.URL, "sk_test_b").V1PaymentIntents.Create(context.Background(), createParams("k", 1000))
	require.NoError(t, err)
	assert.NotEqual(t, a.ID, b.ID)
}

func TestConcurrentRetriesExecuteOnce(t *testing.T) {
	srv, sc := startWithClient(t)
	pi := authorize(t, sc, 1000, "pm_card_visa", nil)

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &stripe.PaymentIntentCaptureParams{}
			p.SetIdempotencyKey("capture-once")
			_, errs[i] = sc.V1PaymentIntents.Capture(context.Background(), pi.ID, p)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err, "every retry sees the stored success")
	}
	assert.Equal(t, 1, srv.Sim.Stats().CapturesByIntent[pi.ID])
}

func TestRawFormRequestIsAccepted(t *testing.T) {
	// A hand-written request with basic auth, as `curl -u sk_test_sim:` sends.
	srv := startSim(t, stripesim.Options{})
	form := url.Values{"amount": {"1200"}, "currency": {"usd"}, "metadata[payment_id]": {"pay_raw"}}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/payment_intents", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.SetBasicAuth(testKey, "")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", "raw-1")
	resp, err := plainClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "raw-1", resp.Header.Get("Idempotency-Key"))
	assert.Regexp(t, `^req_`, resp.Header.Get("Request-Id"))
	assert.Equal(t, stripe.APIVersion, resp.Header.Get("Stripe-Version"))
}
