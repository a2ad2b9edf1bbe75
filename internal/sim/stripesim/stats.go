package stripesim

import "maps"

// Stats counts what the simulator did; only successful operations count.
type Stats struct {
	Creates  int `json:"creates"`  // PaymentIntents created without a decline
	Confirms int `json:"confirms"` // successful confirm calls
	Declines int `json:"declines"` // confirmations declined by a test card
	Captures int `json:"captures"` // successful capture calls
	Cancels  int `json:"cancels"`  // successful cancel calls
	Refunds  int `json:"refunds"`  // refunds created
	Disputes int `json:"disputes"` // disputes opened
	// Replays counts responses served from the idempotency store.
	Replays int `json:"replays"`
	// FaultsTriggered counts requests an injected fault affected.
	FaultsTriggered int `json:"faultsTriggered"`
	// CapturesByIntent counts successful captures per PaymentIntent id.
	CapturesByIntent map[string]int `json:"capturesByIntent"`
	// WebhooksDelivered counts events a receiver accepted with a 2xx.
	WebhooksDelivered int `json:"webhooksDelivered"`
	// WebhookAttemptsFailed counts delivery attempts that got a non-2xx
	// answer or a network error (each retry counts).
	WebhookAttemptsFailed int `json:"webhookAttemptsFailed"`
	// WebhooksAbandoned counts events given up after the last attempt.
	WebhooksAbandoned int `json:"webhooksAbandoned"`
}

// Stats returns a snapshot of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	st := s.counts
	st.CapturesByIntent = maps.Clone(s.counts.CapturesByIntent)
	s.mu.Unlock()
	st.WebhooksDelivered = int(s.hooks.delivered.Load())
	st.WebhookAttemptsFailed = int(s.hooks.attemptsFailed.Load())
	st.WebhooksAbandoned = int(s.hooks.abandoned.Load())
	return st
}

// PaymentIntentView is a read-only summary of a PaymentIntent for test
// assertions.
type PaymentIntentView struct {
	ID                 string            `json:"id"`
	Status             string            `json:"status"`
	Amount             int64             `json:"amount"`
	AmountCapturable   int64             `json:"amountCapturable"`
	AmountReceived     int64             `json:"amountReceived"`
	AmountRefunded     int64             `json:"amountRefunded"`
	Currency           string            `json:"currency"`
	CaptureMethod      string            `json:"captureMethod"`
	PaymentMethod      string            `json:"paymentMethod"`
	LatestCharge       string            `json:"latestCharge"`
	CancellationReason string            `json:"cancellationReason"`
	DeclineCode        string            `json:"declineCode"`
	Captures           int               `json:"captures"`
	Disputed           bool              `json:"disputed"`
	Metadata           map[string]string `json:"metadata"`
}

// PaymentIntent returns the current state of a PaymentIntent.
func (s *Sim) PaymentIntent(id string) (PaymentIntentView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi, ok := s.intents[id]
	if !ok {
		return PaymentIntentView{}, false
	}
	v := PaymentIntentView{
		ID: pi.id, Status: pi.status, Amount: pi.amount, AmountCapturable: pi.amountCapturable,
		AmountReceived: pi.amountReceived, Currency: pi.currency, CaptureMethod: pi.captureMethod,
		PaymentMethod: pi.paymentMethod, LatestCharge: pi.latestCharge,
		CancellationReason: pi.cancellationReason, Captures: pi.captures,
		Metadata: copyMetadata(pi.metadata),
	}
	if pi.lastError != nil {
		v.DeclineCode = pi.lastError.DeclineCode
	}
	if ch := s.charges[pi.latestCharge]; ch != nil && ch.captured {
		v.AmountRefunded, v.Disputed = ch.amountRefunded, ch.disputed
	}
	return v, true
}
