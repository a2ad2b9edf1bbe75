// Package payments is the payment capture/refund process: a saga on Stripe PaymentIntents with
// manual capture, compensated by cancel and refund, with authorization-expiry and refund-window
// timers.
//
// Where its story lives:
//   - contract.go: task queue, update/signal/query names, JSON types, the workflow-ID helper;
//     workflow.go and handlers.go: the saga and its capture/cancel/refund updates; calls.go: one
//     function per activity call with the reason for each timeout; events.go: Stripe webhooks.
//   - API: api/payments.go (/v1/payments: routes, start, update checks; get and updates through
//     api/process.go), api/webhook_stripe.go (/webhooks/stripe, signature-checked, deduplicated
//     by event id); the contract: docs/api.md.
//   - Activities: activities/card (stripe-go against STRIPE_BASE_URL, reconciliation after a
//     stored 500 by reading Stripe's state); worker: workers/payments.go, wired in
//     internal/stack/payments.go.
//   - Configuration: STRIPE_BASE_URL, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET,
//     PAYMENT_AUTHORIZATION_TTL, PAYMENT_REFUND_WINDOW.
//   - Versions: payments-reconcile, payments-local-stripe (the workflow's own Stripe calls run
//     first as local activities, calls.go stripeCall) (README "Changing a workflow"); histories in
//     tests/replay/testdata/payments-*.json.
package payments
