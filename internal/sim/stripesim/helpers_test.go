package stripesim_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

const (
	testKey    = "sk_test_sim"
	testSecret = "whsec_test_secret"
)

// plainClient sends hand-written HTTP requests; the timeout only bounds a
// hung test.
var plainClient = &http.Client{Timeout: 10 * time.Second}

// startSim starts a simulator server that the test closes on cleanup.
func startSim(t *testing.T, opts stripesim.Options) *stripesim.Server {
	t.Helper()
	if opts.SecretKey == "" {
		opts.SecretKey = testKey
	}
	if opts.WebhookSecret == "" {
		opts.WebhookSecret = testSecret
	}
	srv, err := stripesim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns the real stripe-go client pointed at the simulator,
// with SDK retries off so every simulated failure reaches the test.
func newClient(baseURL, key string) *stripe.Client {
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:               stripe.String(baseURL),
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return stripe.NewClient(key, stripe.WithBackends(&stripe.Backends{API: backend}))
}

// startWithClient starts a simulator with default options and a stripe-go client for it.
func startWithClient(t *testing.T) (*stripesim.Server, *stripe.Client) {
	t.Helper()
	srv := startSim(t, stripesim.Options{})
	return srv, newClient(srv.URL, testKey)
}

// authorize creates and confirms a manual-capture PaymentIntent.
func authorize(t *testing.T, sc *stripe.Client, amount int64, pm string, md map[string]string) *stripe.PaymentIntent {
	t.Helper()
	pi, err := sc.V1PaymentIntents.Create(context.Background(), &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(amount), Currency: stripe.String("usd"), PaymentMethod: stripe.String(pm),
		CaptureMethod: stripe.String("manual"), Confirm: stripe.Bool(true), Metadata: md,
	})
	require.NoError(t, err)
	return pi
}

// stripeErr asserts err is a *stripe.Error and returns it.
func stripeErr(t *testing.T, err error) *stripe.Error {
	t.Helper()
	require.Error(t, err)
	se, ok := err.(*stripe.Error)
	require.Truef(t, ok, "want *stripe.Error, got %T: %v", err, err)
	return se
}

// receiver is a webhook endpoint that verifies every delivery with
// stripe-go's webhook package and records the events it accepted.
type receiver struct {
	mu       sync.Mutex
	events   []stripe.Event
	failNext int // answer 500 to this many deliveries first
	rejected int // deliveries whose signature did not verify
	server   *httptest.Server
}

// newReceiver starts a receiver that fails the first failFirst deliveries.
func newReceiver(t *testing.T, failFirst int) *receiver {
	t.Helper()
	rc := &receiver{failNext: failFirst}
	rc.server = httptest.NewServer(http.HandlerFunc(rc.handle))
	t.Cleanup(rc.server.Close)
	return rc
}

func (rc *receiver) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	ev, err := webhook.ConstructEventWithOptions(body, r.Header.Get("Stripe-Signature"), testSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.rejected++
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	if rc.failNext > 0 {
		rc.failNext--
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	rc.events = append(rc.events, ev)
	w.WriteHeader(http.StatusOK)
}

// eventsFor returns the accepted events whose object belongs to a
// PaymentIntent, in arrival order.
func (rc *receiver) eventsFor(piID string) []stripe.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []stripe.Event
	for _, ev := range rc.events {
		if eventPaymentIntent(ev) == piID {
			out = append(out, ev)
		}
	}
	return out
}

// eventPaymentIntent extracts the PaymentIntent id an event refers to.
func eventPaymentIntent(ev stripe.Event) string {
	obj := ev.Data.Object
	if obj["object"] == "payment_intent" {
		id, _ := obj["id"].(string)
		return id
	}
	id, _ := obj["payment_intent"].(string)
	return id
}

// types lists event types in order.
func types(evs []stripe.Event) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, string(ev.Type))
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes; the deadline
// only bounds a failing test, it asserts nothing about speed.
func waitFor(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 10*time.Millisecond, msg)
}
