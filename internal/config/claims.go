package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Claims holds the claim process settings.
type Claims struct {
	// RemitTimeout (CLAIM_REMIT_TIMEOUT) bounds the wait for each clearinghouse answer,
	// above all the 835.
	RemitTimeout time.Duration
	// BatchWindow (CLAIM_BATCH_WINDOW) is how long claims ready together are collected
	// into one interchange after the first of them.
	BatchWindow time.Duration
	// PollInterval (CLAIM_POLL_INTERVAL) is how often the Schedule retrieves batch results.
	PollInterval time.Duration
	// WebhookSecret (CLEARINGHOUSE_WEBHOOK_SECRET) is the HMAC-SHA256 key of
	// /webhooks/clearinghouse; empty with a simulated clearinghouse means the simulator's.
	WebhookSecret string
}

// DefaultClaimRemitTimeout is CLAIM_REMIT_TIMEOUT's default (45 days).
const DefaultClaimRemitTimeout = 45 * 24 * time.Hour

// DefaultClaimBatchWindow is CLAIM_BATCH_WINDOW's default: claims finished within 30
// seconds of each other share an interchange.
const DefaultClaimBatchWindow = 30 * time.Second

// maxClaimBatchWindow keeps a claim from waiting for company for more than an hour.
const maxClaimBatchWindow = time.Hour

// minWebhookSecret is the shortest CLEARINGHOUSE_WEBHOOK_SECRET accepted.
const minWebhookSecret = 16

// SimulatorWebhookSecret signs the clearinghouse simulator's pushes when the clearinghouse is
// simulated and CLEARINGHOUSE_WEBHOOK_SECRET is unset. With a real clearinghouse and no
// secret, /webhooks/clearinghouse refuses every push and the Schedule's polling is the
// only inbound path.
const SimulatorWebhookSecret = "chsim-webhook-secret-not-for-production"

// claimsFromEnv reads the claim settings.
func claimsFromEnv(ch Clearinghouse) (Claims, error) {
	var c Claims
	var err error
	if c.RemitTimeout, err = days("CLAIM_REMIT_TIMEOUT", DefaultClaimRemitTimeout); err != nil {
		return c, err
	}
	if c.PollInterval, err = duration("CLAIM_POLL_INTERVAL", 15*time.Minute); err != nil {
		return c, err
	}
	if c.BatchWindow, err = duration("CLAIM_BATCH_WINDOW", DefaultClaimBatchWindow); err != nil {
		return c, err
	}
	if c.BatchWindow > maxClaimBatchWindow {
		return c, fmt.Errorf("config: CLAIM_BATCH_WINDOW must be at most %s, got %s", maxClaimBatchWindow, c.BatchWindow)
	}
	c.WebhookSecret = os.Getenv("CLEARINGHOUSE_WEBHOOK_SECRET")
	if c.WebhookSecret != "" && len(c.WebhookSecret) < minWebhookSecret {
		return c, fmt.Errorf("config: CLEARINGHOUSE_WEBHOOK_SECRET must be at least %d characters", minWebhookSecret)
	}
	if ch.Simulated() && c.WebhookSecret == "" {
		c.WebhookSecret = SimulatorWebhookSecret
	}
	return c, nil
}

// days parses a Go duration or a whole number of days such as "45d".
func days(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if n, ok := strings.CutSuffix(v, "d"); ok && v != "" {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("config: %s must be a positive duration such as 45d or 1080h, got %q", name, v)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s must be a positive duration such as 45d or 1080h, got %q", name, v)
	}
	return d, nil
}
