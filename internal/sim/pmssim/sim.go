package pmssim

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/simkit"
)

// DefaultSecret signs webhooks when Options leaves Secret empty.
const DefaultSecret = "pms-simulator-webhook-secret"

const (
	defaultLimit   = 50
	maxLimit       = 200
	maxBody        = 256 << 10
	webhookTimeout = 10 * time.Second
	maxAttempts    = 3
	retryBackoff   = 50 * time.Millisecond
	maxHistory     = 1000
)

// Options configures a Sim.
type Options struct {
	// Secret signs webhooks (PMS_WEBHOOK_SECRET); "" means DefaultSecret.
	Secret string
	// WebhookURL receives a webhook per change; "" sends none until SetWebhookURL.
	WebhookURL string
	// HTTPClient posts webhooks; nil uses a client with a timeout.
	HTTPClient *http.Client
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Empty starts without the seed appointments.
	Empty bool
}

// Sim is the in-memory PMS; it implements http.Handler.
type Sim struct {
	secret []byte
	client *http.Client
	now    func() time.Time
	mux    *http.ServeMux
	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}

	// mu guards everything below.
	mu         sync.Mutex
	appts      map[string]*record
	last       time.Time // last updatedAt stamped
	seq        int
	webhookURL string
	queue      []pms.WebhookEvent
	sent       []pms.WebhookEvent
	counts     Stats
}

// record is one appointment with its past versions.
type record struct {
	cur     pms.Appointment
	history []pms.Appointment
}

// New returns a simulator (seeded unless opts.Empty); call Close to stop webhooks.
func New(opts Options) *Sim {
	if opts.Secret == "" {
		opts.Secret = DefaultSecret
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: webhookTimeout}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		secret: []byte(opts.Secret), client: opts.HTTPClient, now: opts.Now,
		faultList: simkit.NewFaultInjector[faultSpec](),
		ctx:       ctx, cancel: cancel, wake: make(chan struct{}, 1),
		appts: map[string]*record{}, webhookURL: opts.WebhookURL, seq: 2000,
	}
	if !opts.Empty {
		s.seed()
	}
	s.mux = s.routes()
	s.wg.Add(1)
	go s.deliverLoop()
	return s
}

// Secret returns the webhook signing secret.
func (s *Sim) Secret() []byte { return s.secret }

// SetWebhookURL changes where webhooks go ("" stops them).
func (s *Sim) SetWebhookURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = u
}

// Close stops webhook delivery and waits for it; queued webhooks are dropped.
func (s *Sim) Close() {
	s.cancel()
	s.wg.Wait()
}

// ServeHTTP serves the PMS API and the /_sim/ controls.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Appointment returns the current state of one appointment.
func (s *Sim) Appointment(id string) (pms.Appointment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.appts[id]
	if !ok {
		return pms.Appointment{}, false
	}
	return r.cur, true
}

// History returns every version of one appointment, oldest first.
func (s *Sim) History(id string) []pms.Appointment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.appts[id]
	if !ok {
		return nil
	}
	return append(append([]pms.Appointment{}, r.history...), r.cur)
}

// Webhooks returns the webhook events receivers accepted, in order.
func (s *Sim) Webhooks() []pms.WebhookEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pms.WebhookEvent{}, s.sent...)
}

// stamp returns a strictly increasing updatedAt; s.mu is held.
func (s *Sim) stamp() time.Time {
	t := s.now().UTC().Truncate(time.Microsecond)
	if !t.After(s.last) {
		t = s.last.Add(time.Microsecond)
	}
	s.last = t
	return t
}

// commit stores a new version of a (bumping version and updatedAt) and
// queues its webhook; s.mu is held.
func (s *Sim) commit(a pms.Appointment, typ string) pms.Appointment {
	r, ok := s.appts[a.AppointmentID]
	if !ok {
		r = &record{}
		s.appts[a.AppointmentID] = r
	} else {
		r.history = append(r.history, r.cur)
		a.Version = r.cur.Version
	}
	a.Version++
	a.UpdatedAt = s.stamp()
	if a.UpdatedBy == "" {
		a.UpdatedBy = "api"
	}
	r.cur = a
	s.queue = append(s.queue, pms.WebhookEvent{
		EventID: "evt_" + a.AppointmentID + "_v" + itoa(a.Version), Type: typ, Appointment: a,
	})
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return a
}

// Server is a simulator listening on a loopback address; its URL is the
// base URL for PMS_BASE_URL.
type Server = simkit.Server[*Sim]

// Start creates a simulator and serves it on opts.Addr; Close stops the
// listener and webhook delivery.
func Start(opts Options) (*Server, error) { return simkit.Start(opts.Addr, New(opts)) }
