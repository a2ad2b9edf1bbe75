// Package stripe holds the payment process's Stripe activities: PaymentIntents with manual
// capture, cancellations and refunds, with errors classified at the vendor boundary.
package card

import (
	"net/http"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
)

// DefaultHTTPTimeout bounds one Stripe HTTP exchange when NewClient is given no *http.Client.
// It is shorter than the activities' StartToCloseTimeout so a hung connection fails the
// attempt in time for Temporal to retry it.
const DefaultHTTPTimeout = 20 * time.Second

// NewClient returns a Stripe client whose API calls go to baseURL (the simulator, stripe-mock or
// https://api.stripe.com; empty means Stripe's API) over httpClient.
//
// The client never retries by itself (MaxNetworkRetries 0): Temporal owns retries, with backoff,
// limits and visibility in the workflow history, and retries at both layers would multiply the
// attempts and hide them. Telemetry and the SDK's own logging are off: the SDK logs response
// bodies and error messages that may echo request data.
func NewClient(baseURL, secretKey string, httpClient *http.Client) *stripe.Client {
	if httpClient == nil {
		// Never http.DefaultClient: it has no timeout and is shared process-wide.
		httpClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if strings.TrimSpace(baseURL) == "" {
		baseURL = stripe.APIURL
	}
	cfg := &stripe.BackendConfig{
		HTTPClient:        httpClient,
		URL:               stripe.String(baseURL),
		MaxNetworkRetries: stripe.Int64(0),
		EnableTelemetry:   stripe.Bool(false),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	// All four backends share the configuration; only the API backend is used, and pointing
	// the others at baseURL too keeps a simulator setup from ever reaching the real Stripe.
	return stripe.NewClient(secretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
}
