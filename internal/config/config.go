// Package config reads the engine's configuration from environment variables named in DESIGN.md.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the engine's whole configuration.
type Config struct {
	TemporalAddress   string
	TemporalNamespace string
	TemporalUIURL     string

	APIAddr  string
	MLLPAddr string

	// DatabaseURL selects PostgreSQL for the engine's records; empty means the embedded store.
	DatabaseURL string
	// DataDir holds the embedded store, the dev payload key and the dev server's database.
	DataDir string
	// PayloadKeys is the PAYLOAD_KEYS spec; empty means a dev key in DataDir.
	PayloadKeys string
	// APITokens is the API_TOKENS spec: name:secret:scope+scope,...
	APITokens string

	Stripe Stripe

	// PaymentAuthorizationTTL is how long an authorization may wait for capture before the
	// workflow cancels it (Stripe holds card authorizations for about 7 days).
	PaymentAuthorizationTTL time.Duration
	// PaymentRefundWindow is how long a captured payment stays open for refunds.
	PaymentRefundWindow time.Duration
}

// Stripe is the Stripe vendor configuration; an empty BaseURL means the built-in simulator.
type Stripe struct {
	BaseURL       string
	SecretKey     string
	WebhookSecret string
}

// Simulated reports whether the built-in Stripe simulator serves this configuration.
func (s Stripe) Simulated() bool { return s.BaseURL == "" }

// FromEnv reads the configuration, applying DESIGN.md defaults.
func FromEnv() (Config, error) {
	c := Config{
		TemporalAddress:   env("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		TemporalUIURL:     strings.TrimRight(env("TEMPORAL_UI_URL", "http://127.0.0.1:8233"), "/"),
		APIAddr:           env("API_ADDR", "127.0.0.1:8080"),
		MLLPAddr:          env("MLLP_ADDR", "127.0.0.1:2575"),
		DatabaseURL:       os.Getenv("DATABASE_URL"),
		DataDir:           env("DATA_DIR", filepath.Join(".data")),
		PayloadKeys:       os.Getenv("PAYLOAD_KEYS"),
		APITokens:         os.Getenv("API_TOKENS"),
		Stripe: Stripe{
			BaseURL:       strings.TrimRight(os.Getenv("STRIPE_BASE_URL"), "/"),
			SecretKey:     os.Getenv("STRIPE_SECRET_KEY"),
			WebhookSecret: os.Getenv("STRIPE_WEBHOOK_SECRET"),
		},
	}
	var err error
	if c.PaymentAuthorizationTTL, err = duration("PAYMENT_AUTHORIZATION_TTL", 7*24*time.Hour); err != nil {
		return c, err
	}
	if c.PaymentRefundWindow, err = duration("PAYMENT_REFUND_WINDOW", 180*24*time.Hour); err != nil {
		return c, err
	}
	if !c.Stripe.Simulated() && (c.Stripe.SecretKey == "" || c.Stripe.WebhookSecret == "") {
		return c, fmt.Errorf("config: STRIPE_BASE_URL is set, so STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required")
	}
	return c, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// duration parses a Go duration such as "168h" from the named variable.
func duration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s must be a positive duration such as 168h, got %q", name, v)
	}
	return d, nil
}
