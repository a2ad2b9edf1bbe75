package stripesim

import (
	"errors"
	"fmt"
	"slices"
)

// Errors CreateDispute returns.
var (
	// ErrUnknownPaymentIntent means no PaymentIntent has the given id.
	ErrUnknownPaymentIntent = errors.New("stripesim: no such payment intent")
	// ErrNotDisputable means the PaymentIntent has no captured, undisputed charge.
	ErrNotDisputable = errors.New("stripesim: payment intent has no disputable charge")
	// ErrInvalidReason means the reason is not one of Stripe's dispute reasons.
	ErrInvalidReason = errors.New("stripesim: invalid dispute reason")
	// ErrStateNotSaved means the change happened in memory but could not be
	// written to Options.StateFile; the next operation retries the write.
	ErrStateNotSaved = errors.New("stripesim: state file not saved")
)

// disputeReasons are Stripe's Dispute.reason values.
var disputeReasons = []string{
	"bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
	"debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
	"insufficient_funds", "noncompliant", "product_not_received", "product_unacceptable",
	"subscription_canceled", "unrecognized",
}

// CreateDispute opens a dispute (chargeback) on the captured charge of a
// PaymentIntent, as a cardholder's bank would, and emits
// charge.dispute.created. An empty reason means "general".
func (s *Sim) CreateDispute(paymentIntentID string, reason string) (string, error) {
	if reason == "" {
		reason = "general"
	}
	if !slices.Contains(disputeReasons, reason) {
		return "", fmt.Errorf("%w: %q", ErrInvalidReason, reason)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pi, ok := s.intents[paymentIntentID]
	if !ok {
		return "", ErrUnknownPaymentIntent
	}
	ch := s.charges[pi.latestCharge]
	if ch == nil || !ch.captured || ch.disputed {
		return "", ErrNotDisputable
	}
	d := s.openDispute(ch, reason)
	if err := s.commit(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrStateNotSaved, err)
	}
	return d.id, nil
}

// openDispute disputes the captured amount of ch; Sim.mu must be held.
func (s *Sim) openDispute(ch *charge, reason string) *dispute {
	d := &dispute{
		id: newID("du"), charge: ch.id, paymentIntent: ch.paymentIntent, amount: ch.amountCaptured,
		currency: ch.currency, reason: reason, status: "needs_response", created: s.now().Unix(),
	}
	s.disputes[d.id] = d
	ch.disputed = true
	s.counts.Disputes++
	// The dispute is not caused by an API request, so the event's request
	// fields are null, as for Stripe's own dispute events.
	s.emit("charge.dispute.created", ch.paymentIntent, wireDispute(d), nil)
	return d
}
