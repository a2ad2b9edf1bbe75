package twiliosim

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Default credentials, used when Options leaves them empty. Both are
// alphanumeric, as twilio-go requires of basic-auth credentials.
const (
	DefaultAccountSID = "AC00000000000000000000000000000001"
	DefaultAuthToken  = "simulatorauthtoken00000000000001"
)

// Delivery defaults; Twilio's own pacing is seconds, which tests need not wait for.
const (
	defaultStatusDelay     = 20 * time.Millisecond
	defaultCallbackBackoff = 100 * time.Millisecond
	defaultMaxAttempts     = 3
	webhookTimeout         = 10 * time.Second
)

// Options configures a Sim.
type Options struct {
	// AccountSID and AuthToken are the only credentials accepted; the
	// token also signs status callbacks and inbound webhooks. Empty means
	// DefaultAccountSID and DefaultAuthToken.
	AccountSID string
	AuthToken  string
	// InboundURL receives inbound SMS webhooks sent by Reply; "" sends
	// none until SetInboundURL.
	InboundURL string
	// HTTPClient posts callbacks and inbound webhooks; nil uses a client
	// with a timeout.
	HTTPClient *http.Client
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Now is the clock for message timestamps; nil means time.Now.
	Now func() time.Time
	// StatusDelay is the pause before each status change after "queued"
	// (default 20ms).
	StatusDelay time.Duration
	// CallbackMaxAttempts bounds attempts per status callback (default 3).
	CallbackMaxAttempts int
	// CallbackBackoff is the wait before the first callback retry; it
	// doubles per attempt (default 100ms).
	CallbackBackoff time.Duration
}

// Sim is a stateful, in-memory Twilio Messaging API; it implements http.Handler.
type Sim struct {
	accountSID  string
	authToken   string
	now         func() time.Time
	client      *http.Client
	statusDelay time.Duration
	backoff     time.Duration
	maxAttempts int
	mux         *http.ServeMux

	// ctx ends when the simulator closes, stopping status progressions,
	// callback retries and fault delays.
	ctx    context.Context
	cancel context.CancelFunc
	// wg counts status progressions; Add happens under mu while !closed,
	// so Close's Wait cannot race a new progression.
	wg sync.WaitGroup

	// mu guards messages, counters, the inbound URL and closed.
	mu         sync.Mutex
	messages   map[string]*message
	order      []string // message SIDs in creation order
	counts     Stats
	inboundURL string
	closed     bool

	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList
}

// New returns a simulator with no messages; call Close to stop callbacks.
func New(opts Options) *Sim {
	if opts.AccountSID == "" {
		opts.AccountSID = DefaultAccountSID
	}
	if opts.AuthToken == "" {
		opts.AuthToken = DefaultAuthToken
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: webhookTimeout}
	}
	if opts.StatusDelay <= 0 {
		opts.StatusDelay = defaultStatusDelay
	}
	if opts.CallbackMaxAttempts <= 0 {
		opts.CallbackMaxAttempts = defaultMaxAttempts
	}
	if opts.CallbackBackoff <= 0 {
		opts.CallbackBackoff = defaultCallbackBackoff
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		accountSID:  opts.AccountSID,
		authToken:   opts.AuthToken,
		now:         opts.Now,
		client:      opts.HTTPClient,
		statusDelay: opts.StatusDelay,
		backoff:     opts.CallbackBackoff,
		maxAttempts: opts.CallbackMaxAttempts,
		ctx:         ctx,
		cancel:      cancel,
		messages:    map[string]*message{},
		counts:      newStats(),
		inboundURL:  opts.InboundURL,
		faultList:   simkit.NewFaultInjector[faultSpec](),
	}
	s.mux = s.routes()
	return s
}

// AccountSID returns the account the simulator accepts.
func (s *Sim) AccountSID() string { return s.accountSID }

// AuthToken returns the token that authenticates calls and signs webhooks.
func (s *Sim) AuthToken() string { return s.authToken }

// SetInboundURL changes where Reply posts inbound messages ("" stops).
func (s *Sim) SetInboundURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inboundURL = u
}

// Close stops status progressions and callback retries and waits for them;
// callbacks not yet sent are dropped.
func (s *Sim) Close() {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// ServeHTTP serves the Twilio API under /2010-04-01/ and controls under /_sim/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// routes maps Twilio's paths (as twilio-go v1 calls them) to operations.
func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("POST /2010-04-01/Accounts/{account}/Messages.json", s.api(OpSend, s.createMessage))
	m.Handle("GET /2010-04-01/Accounts/{account}/Messages.json", s.api(OpList, s.listMessages))
	m.Handle("GET /2010-04-01/Accounts/{account}/Messages/{sid}", s.api(OpFetch, s.fetchMessage))
	// Anything else under the API root gets Twilio's 404 (after
	// authentication, as Twilio checks credentials first).
	m.HandleFunc("/2010-04-01/", func(w http.ResponseWriter, r *http.Request) {
		if aerr := s.authenticate(r); aerr != nil {
			writeAPIError(w, aerr)
			return
		}
		writeAPIError(w, errNotFound())
	})
	s.controlRoutes(m)
	return m
}

// sleep waits d unless ctx or the simulator ends first; it reports whether
// the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}
