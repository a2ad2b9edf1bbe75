package stack

import (
	"net/http"
	"time"

	"go.temporal.io/sdk/worker"

	stripeact "github.com/careflow/engine/activities/stripe"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/workers"
)

// startPayments builds the Stripe client and the payment activities, registers the payments
// worker and sets the API's payment defaults and webhook secret.
func (s *Stack) startPayments() error {
	cfg := s.Config
	if s.StripeSim == nil {
		s.logger.Info("stripe: vendor endpoint from STRIPE_BASE_URL", "url", cfg.Stripe.BaseURL)
	}
	acts := &stripeact.Activities{
		Stripe:  stripeact.NewClient(cfg.Stripe.BaseURL, cfg.Stripe.SecretKey, &http.Client{Timeout: 25 * time.Second}),
		Records: s.Store,
		Now:     time.Now,
	}
	s.instrument(acts)
	s.addWorker(func() worker.Worker { return workers.NewPaymentsWorker(s.Temporal, acts, s.wopts) })
	s.deps.StripeWebhookSecret = cfg.Stripe.WebhookSecret
	s.deps.PaymentDefaults = api.PaymentDefaults{
		AuthorizationTTL: cfg.PaymentAuthorizationTTL,
		RefundWindow:     cfg.PaymentRefundWindow,
	}
	return nil
}
