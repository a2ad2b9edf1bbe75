package stack

import (
	"net/http"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/card"
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
	acts := &card.Activities{
		Stripe:  card.NewClient(cfg.Stripe.BaseURL, cfg.Stripe.SecretKey, &http.Client{Timeout: 25 * time.Second}),
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
