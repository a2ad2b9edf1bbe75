package stripesim

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Options configures a Sim.
type Options struct {
	// SecretKey is the only API key accepted; "" accepts any "sk_test_" key.
	SecretKey string
	// WebhookSecret ("whsec_...") signs webhook deliveries.
	WebhookSecret string
	// WebhookURL receives events by POST; "" delivers none until SetWebhookURL.
	WebhookURL string
	// HTTPClient sends webhook deliveries; nil uses a client with a timeout.
	HTTPClient *http.Client
	// Now is the simulator's clock for object and event timestamps.
	Now func() time.Time
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// EnabledEvents limits delivered event types, like a Stripe webhook
	// endpoint's enabled_events; nil delivers every type.
	EnabledEvents []string
	// WebhookMaxAttempts bounds attempts per event (default 5).
	WebhookMaxAttempts int
	// WebhookBackoff is the wait before the first retry; it doubles per
	// attempt up to 5s (default 200ms).
	WebhookBackoff time.Duration
	// StateFile, if set, is a JSON file the simulator restores its objects,
	// idempotency keys and counters from when it opens, and rewrites
	// atomically after every state change, so a restart loses nothing a
	// client was told about. "" keeps state in memory only.
	StateFile string
}

// Sim is a stateful, in-memory Stripe API; it implements http.Handler.
type Sim struct {
	secretKey string
	now       func() time.Time
	enabled   map[string]bool
	mux       *http.ServeMux
	hooks     *deliverer

	// ctx ends when the simulator closes, interrupting fault delays.
	ctx    context.Context
	cancel context.CancelFunc

	// mu guards all Stripe objects, counters, idempotency, the webhook
	// URL and the state file. Handlers hold it for the whole operation,
	// including saving and emitting events, which is what keeps events of
	// one PaymentIntent in order.
	mu         sync.Mutex
	intents    map[string]*paymentIntent
	charges    map[string]*charge
	refunds    map[string]*refund
	disputes   map[string]*dispute
	idem       idemStore
	counts     Stats
	webhookURL string
	// stateFile is Options.StateFile; dirty means memory holds changes
	// the file (or, without a file, the webhook queue) has not seen yet.
	stateFile string
	dirty     bool
	// outbox holds the events of uncommitted changes; commit releases them
	// to the deliverer once the change is saved.
	outbox []delivery

	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList
}

// New returns a simulator like Open; call Close to stop deliveries. It
// panics if opts.StateFile is set and cannot be loaded or created, so
// callers with a StateFile should prefer Open; without one New never fails.
func New(opts Options) *Sim {
	s, err := Open(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// newSim returns a simulator with no objects and nothing loaded.
func newSim(opts Options) *Sim {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		secretKey:  opts.SecretKey,
		now:        opts.Now,
		ctx:        ctx,
		cancel:     cancel,
		intents:    map[string]*paymentIntent{},
		charges:    map[string]*charge{},
		refunds:    map[string]*refund{},
		disputes:   map[string]*dispute{},
		webhookURL: opts.WebhookURL,
		counts:     Stats{CapturesByIntent: map[string]int{}},
		stateFile:  opts.StateFile,
		faultList:  simkit.NewFaultInjector[faultSpec](),
	}
	if opts.EnabledEvents != nil {
		s.enabled = map[string]bool{}
		for _, t := range opts.EnabledEvents {
			s.enabled[t] = true
		}
	}
	s.hooks = newDeliverer(ctx, opts)
	s.mux = s.routes()
	return s
}

// Close stops webhook delivery goroutines; queued events are dropped. With
// a StateFile every committed change is already saved, so Close writes
// nothing.
func (s *Sim) Close() {
	// Cancelling under mu orders Close after any emit in progress, so no
	// delivery goroutine can start once wait has begun.
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.hooks.wait()
}

// SetWebhookURL changes where later events are delivered ("" stops).
func (s *Sim) SetWebhookURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = u
}

// ServeHTTP serves the Stripe API under /v1/ and control calls under /_sim/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// routes maps Stripe's paths (as stripe-go v85 calls them) to operations.
func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("POST /v1/payment_intents", s.api(OpCreate, s.createIntent))
	m.Handle("GET /v1/payment_intents/{id}", s.api(OpRetrieve, s.retrieveIntent))
	m.Handle("GET /v1/payment_intents/search", s.api(OpRetrieve, s.searchIntents))
	m.Handle("POST /v1/payment_intents/{id}", s.api(OpUpdate, s.updateIntent))
	m.Handle("POST /v1/payment_intents/{id}/confirm", s.api(OpConfirm, s.confirmIntentCall))
	m.Handle("POST /v1/payment_intents/{id}/capture", s.api(OpCapture, s.captureIntent))
	m.Handle("POST /v1/payment_intents/{id}/cancel", s.api(OpCancel, s.cancelIntent))
	m.Handle("POST /v1/refunds", s.api(OpRefund, s.createRefund))
	m.Handle("GET /v1/refunds/{id}", s.api(OpRetrieve, s.retrieveRefund))
	m.Handle("GET /v1/refunds", s.api(OpRetrieve, s.listRefunds))
	m.Handle("GET /v1/charges/{id}", s.api(OpRetrieve, s.retrieveCharge))
	m.Handle("GET /v1/disputes/{id}", s.api(OpRetrieve, s.retrieveDispute))
	// Anything else under /v1/ gets Stripe's "Unrecognized request URL"
	// (after authentication, as Stripe checks the key first).
	m.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		if _, aerr := s.authenticate(r); aerr != nil {
			writeAPIError(w, aerr)
			return
		}
		writeAPIError(w, errUnrecognizedURL(r))
	})
	s.controlRoutes(m)
	return m
}

// endpoint names a request for idempotency comparisons.
func endpoint(r *http.Request) string {
	return r.Method + " " + strings.TrimSuffix(r.URL.Path, "/")
}
