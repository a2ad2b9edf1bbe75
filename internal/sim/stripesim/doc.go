// Package stripesim is a stateful, in-memory simulator of the parts of the
// Stripe API the engine uses: PaymentIntents with manual capture, Refunds,
// Disputes and signed webhook events.
//
// The engine's unmodified stripe-go v85 client talks to it by pointing its
// API backend at the simulator:
//
//	srv, _ := stripesim.Start(stripesim.Options{SecretKey: "sk_test_sim", WebhookSecret: "whsec_sim"})
//	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
//		URL: stripe.String(srv.URL), MaxNetworkRetries: stripe.Int64(0)})
//	sc := stripe.NewClient("sk_test_sim", stripe.WithBackends(&stripe.Backends{API: backend}))
//
// Requests and answers follow Stripe: form-encoded parameters, Bearer (or
// basic) authentication, JSON objects and error bodies of API version
// stripe.APIVersion, Idempotency-Key replay (header Idempotent-Replayed:
// true) and idempotency_error on reuse with other parameters.
//
// # Endpoints
//
//	POST /v1/payment_intents                 create (amount, currency, payment_method,
//	                                          capture_method, confirm, customer, description, metadata)
//	GET  /v1/payment_intents/{id}            retrieve (expand[]=latest_charge)
//	POST /v1/payment_intents/{id}            update metadata, description, receipt_email
//	POST /v1/payment_intents/{id}/confirm    confirm
//	POST /v1/payment_intents/{id}/capture    capture (amount_to_capture)
//	POST /v1/payment_intents/{id}/cancel     cancel (cancellation_reason)
//	POST /v1/refunds                         refund (payment_intent or charge, amount, reason, metadata)
//	GET  /v1/refunds/{id}, /v1/charges/{id}, /v1/disputes/{id}
//
// # Test payment methods
//
// As in Stripe's test mode, the payment_method id chooses the outcome:
//
//	pm_card_visa, pm_card_visa_debit, pm_card_mastercard,
//	pm_card_mastercard_debit, pm_card_amex, pm_card_discover   authorize
//	pm_card_createDispute                     authorizes; disputed (fraudulent) once captured
//	pm_card_chargeDeclined                    402 card_declined / generic_decline
//	pm_card_chargeDeclinedInsufficientFunds   402 card_declined / insufficient_funds
//	pm_card_chargeDeclinedLostCard            402 card_declined / lost_card
//	pm_card_chargeDeclinedStolenCard          402 card_declined / stolen_card
//	pm_card_chargeDeclinedFraudulent          402 card_declined / fraudulent
//	pm_card_chargeDeclinedExpiredCard         402 expired_card
//	pm_card_chargeDeclinedIncorrectCvc        402 incorrect_cvc
//	pm_card_chargeDeclinedProcessingError     402 processing_error
//
// Any other pm_ id is answered with 400 resource_missing on payment_method.
// A decline leaves the PaymentIntent in requires_payment_method and emits
// charge.failed and payment_intent.payment_failed.
//
// # Webhooks
//
// Events (payment_intent.created, .amount_capturable_updated, .succeeded,
// .canceled, .payment_failed, charge.succeeded, .captured, .failed,
// .refunded, refund.created, charge.dispute.created) are POSTed to the
// webhook URL with a Stripe-Signature header that stripe-go's
// webhook.ConstructEvent verifies. Deliveries are asynchronous and in order
// per PaymentIntent; a failed attempt (non-2xx or network error) is retried
// with exponential backoff. Object timestamps use Options.Now, signature
// timestamps the wall clock, so receivers' tolerance checks pass.
//
// # Simplifications
//
// Partial capture releases the remainder without counting it in the
// charge's amount_refunded; only Refunds do. Dispute objects carry no
// metadata (as in Stripe): receivers map them by payment_intent. Unknown
// parameters are ignored rather than rejected; stripe-mock checks requests
// against Stripe's OpenAPI spec.
//
// # Persistence
//
// With Options.StateFile set (Open, Start), the simulator restores every
// PaymentIntent, Charge, Refund and Dispute, the live idempotency keys and
// the counters from that JSON file ({"version":1,...}), so a payment
// authorized before a restart can be captured, canceled or refunded after
// it and a retried request still replays. After each state change, still
// holding its lock and before answering, it rewrites the file atomically
// (a 0600 "<file>.tmp", fsync, rename). Reads and replays write nothing.
// If the write fails the client gets a 500 api_error; the change stays in
// memory and is saved by the next call, so an idempotent retry learns the
// outcome. Events are queued for delivery only after their change is saved;
// events not yet delivered when the simulator stops are lost. Injected
// faults, the webhook URL and webhook delivery counters are not saved. API
// keys are stored only as SHA-256 digests. One simulator per file.
//
// # Control API
//
// Tests call InjectFault, ClearFaults, Stats, CreateDispute and
// PaymentIntent directly. Other processes use JSON over the simulator's own
// listener, without Stripe authentication: POST/GET/DELETE /_sim/faults,
// GET /_sim/stats, POST /_sim/disputes {"paymentIntent","reason"},
// GET /_sim/payment_intents/{id} and PUT /_sim/webhook {"url"}.
package stripesim
