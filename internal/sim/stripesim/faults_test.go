package stripesim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
)

// captureWithKey captures pi with a fixed Idempotency-Key.
func captureWithKey(sc *stripe.Client, id, key string) (*stripe.PaymentIntent, error) {
	p := &stripe.PaymentIntentCaptureParams{}
	p.SetIdempotencyKey(key)
	return sc.V1PaymentIntents.Capture(context.Background(), id, p)
}

func TestServerErrorsThenSuccessCaptureOnce(t *testing.T) {
	srv, sc := startWithClient(t)
	pi := authorize(t, sc, 1500, "pm_card_visa", nil)
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultServerError, Count: 2})

	for range 2 {
		_, err := captureWithKey(sc, pi.ID, "payment:p1:capture")
		se := stripeErr(t, err)
		assert.Equal(t, http.StatusInternalServerError, se.HTTPStatusCode)
		assert.Equal(t, stripe.ErrorTypeAPI, se.Type)
	}
	got, err := captureWithKey(sc, pi.ID, "payment:p1:capture")
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, got.Status)
	// A later retry with the same key replays instead of capturing again.
	again, err := captureWithKey(sc, pi.ID, "payment:p1:capture")
	require.NoError(t, err)
	assert.Equal(t, "true", again.LastResponse.Header.Get("Idempotent-Replayed"))

	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Captures)
	assert.Equal(t, 1, st.CapturesByIntent[pi.ID])
	assert.Equal(t, 2, st.FaultsTriggered)
	assert.Empty(t, srv.Sim.Faults(), "a fault with a count is used up")
}

func TestRateLimitFault(t *testing.T) {
	srv, sc := startWithClient(t)
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCreate, Kind: stripesim.FaultRateLimit, Count: 1})
	_, err := sc.V1PaymentIntents.Create(context.Background(), createParams("k-429", 800))
	se := stripeErr(t, err)
	assert.Equal(t, http.StatusTooManyRequests, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorCodeRateLimit, se.Code)

	pi, err := sc.V1PaymentIntents.Create(context.Background(), createParams("k-429", 800))
	require.NoError(t, err, "the 429 was not stored under the key")
	assert.Empty(t, pi.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, 1, srv.Sim.Stats().Creates)
}

func TestTimeoutFaultThenRetry(t *testing.T) {
	srv, sc := startWithClient(t)
	pi := authorize(t, sc, 1500, "pm_card_visa", nil)
	// The delay far exceeds the client's timeout; server Close cuts it short.
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultTimeout, Count: 1,
		Delay: time.Minute})

	impatient := stripe.NewClient(testKey, stripe.WithBackends(&stripe.Backends{API: stripe.GetBackendWithConfig(
		stripe.APIBackend, &stripe.BackendConfig{
			URL: stripe.String(srv.URL), MaxNetworkRetries: stripe.Int64(0),
			HTTPClient:    &http.Client{Timeout: 100 * time.Millisecond},
			LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
		})}))
	_, err := captureWithKey(impatient, pi.ID, "k-timeout")
	require.Error(t, err)
	_, isStripe := err.(*stripe.Error)
	assert.False(t, isStripe, "the client gave up before any answer")

	_, err = captureWithKey(sc, pi.ID, "k-timeout")
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Sim.Stats().Captures)
}

func TestLostResponseIsReplayed(t *testing.T) {
	srv, sc := startWithClient(t)
	pi := authorize(t, sc, 1500, "pm_card_visa", nil)
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpCapture, Kind: stripesim.FaultLost, Count: 1})

	_, err := captureWithKey(sc, pi.ID, "k-lost")
	assert.Equal(t, http.StatusInternalServerError, stripeErr(t, err).HTTPStatusCode)
	view, _ := srv.Sim.PaymentIntent(pi.ID)
	assert.Equal(t, "succeeded", view.Status, "the capture happened despite the 500")

	got, err := captureWithKey(sc, pi.ID, "k-lost")
	require.NoError(t, err)
	assert.Equal(t, "true", got.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, 1, srv.Sim.Stats().Captures)
}

func TestSlowAndWildcardFaults(t *testing.T) {
	srv, sc := startWithClient(t)
	pi := authorize(t, sc, 1500, "pm_card_visa", nil)

	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpAny, Kind: stripesim.FaultSlow, Count: 1,
		Delay: time.Millisecond})
	_, err := sc.V1PaymentIntents.Retrieve(context.Background(), pi.ID, nil)
	require.NoError(t, err, "slow requests still succeed")

	// Count 0 keeps failing until cleared.
	srv.Sim.InjectFault(stripesim.Fault{Op: stripesim.OpRetrieve, Kind: stripesim.FaultServerError})
	for range 3 {
		_, err = sc.V1PaymentIntents.Retrieve(context.Background(), pi.ID, nil)
		assert.Equal(t, http.StatusInternalServerError, stripeErr(t, err).HTTPStatusCode)
	}
	_, err = sc.V1PaymentIntents.Cancel(context.Background(), pi.ID, nil)
	require.NoError(t, err, "other operations are unaffected")
	srv.Sim.ClearFaults()
	_, err = sc.V1PaymentIntents.Retrieve(context.Background(), pi.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, 4, srv.Sim.Stats().FaultsTriggered)
}

func TestFaultJSON(t *testing.T) {
	var f stripesim.Fault
	require.NoError(t, json.Unmarshal([]byte(`{"op":"capture","kind":"slow","count":2,"delay":"1.5s"}`), &f))
	assert.Equal(t, stripesim.Fault{Op: "capture", Kind: "slow", Count: 2, Delay: 1500 * time.Millisecond}, f)
	require.NoError(t, json.Unmarshal([]byte(`{"op":"*","kind":"timeout","delay":2000000}`), &f))
	assert.Equal(t, 2*time.Millisecond, f.Delay)
	assert.Error(t, json.Unmarshal([]byte(`{"op":"*","kind":"slow","delay":"soon"}`), &f))

	b, err := json.Marshal(stripesim.Fault{Op: "refund", Kind: "500", Count: 1, Delay: time.Second})
	require.NoError(t, err)
	var back stripesim.Fault
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, time.Second, back.Delay)
	assert.JSONEq(t, `{"op":"refund","kind":"500","count":1,"delay":"1s"}`, string(b))

	assert.Error(t, stripesim.Fault{Op: "charge", Kind: "500"}.Validate())
	assert.Error(t, stripesim.Fault{Op: "create", Kind: "503"}.Validate())
}
