package pharmsim

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// DefaultWebhookSecret signs webhooks when Options leaves the secret empty.
const DefaultWebhookSecret = "pharmsim-webhook-secret"

// Defaults; the real network's pacing is seconds to days, which tests need not wait for.
const (
	defaultSlowDelay     = 2 * time.Second
	defaultEventDelay    = 20 * time.Millisecond
	defaultBackoff       = 100 * time.Millisecond
	defaultMaxAttempts   = 3
	defaultServerErrors  = 2
	webhookClientTimeout = 10 * time.Second
)

// Options configures a Sim.
type Options struct {
	// WebhookURL receives pharmacy-initiated messages; "" sends none
	// (they are counted as failed) until SetWebhookURL.
	WebhookURL string
	// WebhookSecret signs webhooks (PHARMACY_WEBHOOK_SECRET); empty means
	// DefaultWebhookSecret.
	WebhookSecret string
	// HTTPClient posts webhooks; nil uses a client with a timeout.
	HTTPClient *http.Client
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Now is the clock for SentTime and webhook timestamps; nil means time.Now.
	Now func() time.Time
	// SlowDelay is the pause of the slow scenario (default 2s).
	SlowDelay time.Duration
	// EventDelay is the pause before a pharmacy-initiated message (default 20ms).
	EventDelay time.Duration
	// ServerErrorAttempts is how many posts of one MessageID the 5xx
	// scenario answers 503 (default 2).
	ServerErrorAttempts int
	// WebhookMaxAttempts bounds deliveries per webhook (default 3).
	WebhookMaxAttempts int
	// WebhookBackoff is the wait before the first webhook retry; it
	// doubles per attempt (default 100ms).
	WebhookBackoff time.Duration
}

// Sim is the simulated network; it implements http.Handler.
type Sim struct {
	secret       []byte
	client       *http.Client
	now          func() time.Time
	slowDelay    time.Duration
	eventDelay   time.Duration
	serverErrors int
	maxAttempts  int
	backoff      time.Duration
	mux          *http.ServeMux

	// ctx ends when the simulator closes, stopping webhooks and delays.
	ctx    context.Context
	cancel context.CancelFunc
	// wg counts webhook deliveries; Add happens under mu while !closed.
	wg sync.WaitGroup

	// mu guards everything below.
	mu         sync.Mutex
	webhookURL string
	records    map[string]*record // by MessageID
	order      []string
	attempts   map[string]int // posts per MessageID, processed or not
	counts     Stats
	closed     bool

	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList
}

// New returns a simulator with no messages; call Close to stop webhooks.
func New(opts Options) *Sim {
	if opts.WebhookSecret == "" {
		opts.WebhookSecret = DefaultWebhookSecret
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: webhookClientTimeout}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = defaultSlowDelay
	}
	if opts.EventDelay <= 0 {
		opts.EventDelay = defaultEventDelay
	}
	if opts.ServerErrorAttempts <= 0 {
		opts.ServerErrorAttempts = defaultServerErrors
	}
	if opts.WebhookMaxAttempts <= 0 {
		opts.WebhookMaxAttempts = defaultMaxAttempts
	}
	if opts.WebhookBackoff <= 0 {
		opts.WebhookBackoff = defaultBackoff
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		secret:       []byte(opts.WebhookSecret),
		client:       opts.HTTPClient,
		now:          opts.Now,
		slowDelay:    opts.SlowDelay,
		eventDelay:   opts.EventDelay,
		serverErrors: opts.ServerErrorAttempts,
		maxAttempts:  opts.WebhookMaxAttempts,
		backoff:      opts.WebhookBackoff,
		ctx:          ctx,
		cancel:       cancel,
		webhookURL:   opts.WebhookURL,
		records:      map[string]*record{},
		attempts:     map[string]int{},
		counts:       newStats(),
		faultList:    simkit.NewFaultInjector[faultSpec](),
	}
	s.mux = s.routes()
	return s
}

// WebhookSecret returns the secret that signs webhooks.
func (s *Sim) WebhookSecret() string { return string(s.secret) }

// SetWebhookURL changes where pharmacy-initiated messages go ("" stops).
func (s *Sim) SetWebhookURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = u
}

// Close stops webhook deliveries and waits for them; undelivered ones are dropped.
func (s *Sim) Close() {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// ServeHTTP serves the network at / and controls under /_sim/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// routes maps the network endpoint and the control routes.
func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /{$}", s.receive)
	s.controlRoutes(m)
	return m
}
