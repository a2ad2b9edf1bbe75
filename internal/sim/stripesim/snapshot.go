package stripesim

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// snapshotVersion is the state-file format this build reads and writes; any
// incompatible change to the structs below must bump it.
const snapshotVersion = 1

// snapshot is the JSON document in Options.StateFile. It mirrors the
// simulator's unexported objects field by field, so that a restored object
// renders byte for byte as before. Objects are sorted by id, so equal
// states give equal files.
type snapshot struct {
	Version        int            `json:"version"`
	PaymentIntents []piState      `json:"paymentIntents"`
	Charges        []chargeState  `json:"charges"`
	Refunds        []refundState  `json:"refunds"`
	Disputes       []disputeState `json:"disputes"`
	// Idempotency lists the live keys, oldest first (eviction order).
	Idempotency []idemState `json:"idempotency"`
	Counts      countsState `json:"counts"`
}

// piState mirrors paymentIntent.
type piState struct {
	ID                 string            `json:"id"`
	ClientSecret       string            `json:"clientSecret"`
	Amount             int64             `json:"amount"`
	AmountCapturable   int64             `json:"amountCapturable"`
	AmountReceived     int64             `json:"amountReceived"`
	Currency           string            `json:"currency"`
	CaptureMethod      string            `json:"captureMethod"`
	Status             string            `json:"status"`
	Customer           string            `json:"customer"`
	Description        string            `json:"description"`
	ReceiptEmail       string            `json:"receiptEmail"`
	PaymentMethod      string            `json:"paymentMethod"`
	PaymentMethodTypes []string          `json:"paymentMethodTypes"`
	AutomaticMethods   bool              `json:"automaticMethods"`
	CancellationReason string            `json:"cancellationReason"`
	CanceledAt         int64             `json:"canceledAt"`
	Created            int64             `json:"created"`
	Metadata           map[string]string `json:"metadata"`
	LatestCharge       string            `json:"latestCharge"`
	LastError          *errorWire        `json:"lastError"`
	Captures           int               `json:"captures"`
}

// chargeState mirrors charge; the test card is stored as it was at
// confirmation rather than looked up again, so the charge never changes.
type chargeState struct {
	ID             string            `json:"id"`
	PaymentIntent  string            `json:"paymentIntent"`
	Amount         int64             `json:"amount"`
	AmountCaptured int64             `json:"amountCaptured"`
	AmountRefunded int64             `json:"amountRefunded"`
	Currency       string            `json:"currency"`
	Status         string            `json:"status"`
	Captured       bool              `json:"captured"`
	Refunded       bool              `json:"refunded"`
	Disputed       bool              `json:"disputed"`
	PaymentMethod  string            `json:"paymentMethod"`
	Card           cardState         `json:"card"`
	Failure        *declineState     `json:"failure"`
	Customer       string            `json:"customer"`
	Description    string            `json:"description"`
	Created        int64             `json:"created"`
	Metadata       map[string]string `json:"metadata"`
}

// cardState mirrors testCard without its decline (see chargeState.Failure).
type cardState struct {
	Brand               string `json:"brand"`
	Last4               string `json:"last4"`
	Funding             string `json:"funding"`
	Country             string `json:"country"`
	DisputeAfterCapture bool   `json:"disputeAfterCapture"`
}

// declineState mirrors decline.
type declineState struct {
	Code        string `json:"code"`
	DeclineCode string `json:"declineCode"`
	Message     string `json:"message"`
	Param       string `json:"param"`
}

// refundState mirrors refund.
type refundState struct {
	ID            string            `json:"id"`
	Charge        string            `json:"charge"`
	PaymentIntent string            `json:"paymentIntent"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Reason        string            `json:"reason"`
	Created       int64             `json:"created"`
	Metadata      map[string]string `json:"metadata"`
}

// disputeState mirrors dispute.
type disputeState struct {
	ID            string `json:"id"`
	Charge        string `json:"charge"`
	PaymentIntent string `json:"paymentIntent"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Reason        string `json:"reason"`
	Status        string `json:"status"`
	Created       int64  `json:"created"`
}

// idemState mirrors idemEntry. Body is the exact response text: a string
// keeps it byte for byte, where json.RawMessage would be re-indented.
type idemState struct {
	Account   string    `json:"account"`
	Key       string    `json:"key"`
	Endpoint  string    `json:"endpoint"`
	Params    string    `json:"params"`
	Status    int       `json:"status"`
	Body      string    `json:"body"`
	RequestID string    `json:"requestId"`
	At        time.Time `json:"at"`
}

// countsState holds the Stats counters guarded by Sim.mu. Webhook counters
// describe one process's deliveries and start at zero.
type countsState struct {
	Creates          int            `json:"creates"`
	Confirms         int            `json:"confirms"`
	Declines         int            `json:"declines"`
	Captures         int            `json:"captures"`
	Cancels          int            `json:"cancels"`
	Refunds          int            `json:"refunds"`
	Disputes         int            `json:"disputes"`
	Replays          int            `json:"replays"`
	FaultsTriggered  int            `json:"faultsTriggered"`
	CapturesByIntent map[string]int `json:"capturesByIntent"`
}

// snapshot captures the state; Sim.mu must be held until it is encoded,
// because it shares maps and slices with the live objects. Keys that have
// expired are left out: they can never be replayed again.
func (s *Sim) snapshot() *snapshot {
	sn := &snapshot{Version: snapshotVersion}
	for _, id := range slices.Sorted(maps.Keys(s.intents)) {
		pi := s.intents[id]
		sn.PaymentIntents = append(sn.PaymentIntents, piState{
			ID: pi.id, ClientSecret: pi.clientSecret, Amount: pi.amount, AmountCapturable: pi.amountCapturable,
			AmountReceived: pi.amountReceived, Currency: pi.currency, CaptureMethod: pi.captureMethod,
			Status: pi.status, Customer: pi.customer, Description: pi.description, ReceiptEmail: pi.receiptEmail,
			PaymentMethod: pi.paymentMethod, PaymentMethodTypes: pi.paymentMethodTypes,
			AutomaticMethods: pi.automaticMethods, CancellationReason: pi.cancellationReason,
			CanceledAt: pi.canceledAt, Created: pi.created, Metadata: pi.metadata,
			LatestCharge: pi.latestCharge, LastError: pi.lastError, Captures: pi.captures,
		})
	}
	for _, id := range slices.Sorted(maps.Keys(s.charges)) {
		ch := s.charges[id]
		st := chargeState{
			ID: ch.id, PaymentIntent: ch.paymentIntent, Amount: ch.amount, AmountCaptured: ch.amountCaptured,
			AmountRefunded: ch.amountRefunded, Currency: ch.currency, Status: ch.status, Captured: ch.captured,
			Refunded: ch.refunded, Disputed: ch.disputed, PaymentMethod: ch.paymentMethod,
			Card: cardState{Brand: ch.card.brand, Last4: ch.card.last4, Funding: ch.card.funding,
				Country: ch.card.country, DisputeAfterCapture: ch.card.disputeAfterCapture},
			Customer: ch.customer, Description: ch.description, Created: ch.created, Metadata: ch.metadata,
		}
		if d := ch.failure; d != nil {
			st.Failure = &declineState{Code: d.code, DeclineCode: d.declineCode, Message: d.message, Param: d.param}
		}
		sn.Charges = append(sn.Charges, st)
	}
	for _, id := range slices.Sorted(maps.Keys(s.refunds)) {
		re := s.refunds[id]
		sn.Refunds = append(sn.Refunds, refundState{
			ID: re.id, Charge: re.charge, PaymentIntent: re.paymentIntent, Amount: re.amount,
			Currency: re.currency, Reason: re.reason, Created: re.created, Metadata: re.metadata,
		})
	}
	for _, id := range slices.Sorted(maps.Keys(s.disputes)) {
		d := s.disputes[id]
		sn.Disputes = append(sn.Disputes, disputeState{
			ID: d.id, Charge: d.charge, PaymentIntent: d.paymentIntent, Amount: d.amount,
			Currency: d.currency, Reason: d.reason, Status: d.status, Created: d.created,
		})
	}
	now := s.now()
	for _, e := range s.idem.order {
		// order also holds entries superseded by a later use of their key.
		if s.idem.entries[e.scope] != e || now.Sub(e.at) >= idempotencyTTL {
			continue
		}
		sn.Idempotency = append(sn.Idempotency, idemState{
			Account: e.scope.account, Key: e.scope.key, Endpoint: e.endpoint, Params: e.params,
			Status: e.status, Body: string(e.body), RequestID: e.requestID, At: e.at,
		})
	}
	c := s.counts
	sn.Counts = countsState{
		Creates: c.Creates, Confirms: c.Confirms, Declines: c.Declines, Captures: c.Captures,
		Cancels: c.Cancels, Refunds: c.Refunds, Disputes: c.Disputes, Replays: c.Replays,
		FaultsTriggered: c.FaultsTriggered, CapturesByIntent: c.CapturesByIntent,
	}
	return sn
}

// restore replaces the simulator's empty state with sn after checking what
// the handlers rely on (unique ids, charges that PaymentIntents name, valid
// HTTP statuses), so a damaged file fails Open instead of a later request.
// The errors name only object ids, never request content.
func (s *Sim) restore(sn *snapshot) error {
	if sn.Version != snapshotVersion {
		return fmt.Errorf("unsupported version %d (want %d)", sn.Version, snapshotVersion)
	}
	for _, st := range sn.Charges {
		if st.ID == "" || s.charges[st.ID] != nil {
			return fmt.Errorf("empty or duplicate charge id %q", st.ID)
		}
		ch := &charge{
			id: st.ID, paymentIntent: st.PaymentIntent, amount: st.Amount, amountCaptured: st.AmountCaptured,
			amountRefunded: st.AmountRefunded, currency: st.Currency, status: st.Status, captured: st.Captured,
			refunded: st.Refunded, disputed: st.Disputed, paymentMethod: st.PaymentMethod,
			card: testCard{brand: st.Card.Brand, last4: st.Card.Last4, funding: st.Card.Funding,
				country: st.Card.Country, disputeAfterCapture: st.Card.DisputeAfterCapture},
			customer: st.Customer, description: st.Description, created: st.Created,
			metadata: orEmpty(st.Metadata),
		}
		if f := st.Failure; f != nil {
			ch.failure = &decline{code: f.Code, declineCode: f.DeclineCode, message: f.Message, param: f.Param}
			ch.card.decline = ch.failure
		}
		s.charges[ch.id] = ch
	}
	for _, st := range sn.PaymentIntents {
		if st.ID == "" || s.intents[st.ID] != nil {
			return fmt.Errorf("empty or duplicate payment intent id %q", st.ID)
		}
		if st.LatestCharge != "" && s.charges[st.LatestCharge] == nil {
			return fmt.Errorf("payment intent %s names unknown charge %q", st.ID, st.LatestCharge)
		}
		if st.LatestCharge == "" && (st.Status == statusRequiresCapture || st.Status == statusSucceeded) {
			return fmt.Errorf("payment intent %s has status %s but no charge", st.ID, st.Status)
		}
		s.intents[st.ID] = &paymentIntent{
			id: st.ID, clientSecret: st.ClientSecret, amount: st.Amount, amountCapturable: st.AmountCapturable,
			amountReceived: st.AmountReceived, currency: st.Currency, captureMethod: st.CaptureMethod,
			status: st.Status, customer: st.Customer, description: st.Description, receiptEmail: st.ReceiptEmail,
			paymentMethod: st.PaymentMethod, paymentMethodTypes: st.PaymentMethodTypes,
			automaticMethods: st.AutomaticMethods, cancellationReason: st.CancellationReason,
			canceledAt: st.CanceledAt, created: st.Created, metadata: orEmpty(st.Metadata),
			latestCharge: st.LatestCharge, lastError: st.LastError, captures: st.Captures,
		}
	}
	for _, st := range sn.Refunds {
		if st.ID == "" || s.refunds[st.ID] != nil {
			return fmt.Errorf("empty or duplicate refund id %q", st.ID)
		}
		s.refunds[st.ID] = &refund{
			id: st.ID, charge: st.Charge, paymentIntent: st.PaymentIntent, amount: st.Amount,
			currency: st.Currency, reason: st.Reason, created: st.Created, metadata: orEmpty(st.Metadata),
		}
	}
	for _, st := range sn.Disputes {
		if st.ID == "" || s.disputes[st.ID] != nil {
			return fmt.Errorf("empty or duplicate dispute id %q", st.ID)
		}
		s.disputes[st.ID] = &dispute{
			id: st.ID, charge: st.Charge, paymentIntent: st.PaymentIntent, amount: st.Amount,
			currency: st.Currency, reason: st.Reason, status: st.Status, created: st.Created,
		}
	}
	for _, st := range sn.Idempotency {
		// http.ResponseWriter.WriteHeader panics on codes outside 100-999.
		if st.Status < 100 || st.Status > 599 {
			return fmt.Errorf("idempotency entry with HTTP status %d", st.Status)
		}
		e := &idemEntry{
			scope: idemScope{account: st.Account, key: st.Key}, endpoint: st.Endpoint, params: st.Params,
			status: st.Status, body: []byte(st.Body), requestID: st.RequestID, at: st.At,
		}
		// Entries go back in file order without put's eviction, which
		// would measure age against the newest entry, not the clock.
		if s.idem.entries == nil {
			s.idem.entries = map[idemScope]*idemEntry{}
		}
		s.idem.entries[e.scope] = e
		s.idem.order = append(s.idem.order, e)
	}
	c := sn.Counts
	s.counts = Stats{
		Creates: c.Creates, Confirms: c.Confirms, Declines: c.Declines, Captures: c.Captures,
		Cancels: c.Cancels, Refunds: c.Refunds, Disputes: c.Disputes, Replays: c.Replays,
		FaultsTriggered: c.FaultsTriggered, CapturesByIntent: c.CapturesByIntent,
	}
	if s.counts.CapturesByIntent == nil {
		s.counts.CapturesByIntent = map[string]int{}
	}
	return nil
}

// orEmpty returns m, or an empty map for a file that wrote null: handlers
// merge metadata into these maps and would panic on nil.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
