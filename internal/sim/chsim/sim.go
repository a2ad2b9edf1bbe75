package chsim

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// RealTimePath is where the simulator serves CORE real-time requests; a
// client's BaseURL is the server URL + RealTimePath.
const RealTimePath = "/core/realtime"

// DefaultSlowDelay is how long MemberSlow waits when Options.SlowDelay is 0:
// longer than CORE's 20-second real-time response limit.
const DefaultSlowDelay = 25 * time.Second

// Options configures a Sim.
type Options struct {
	// Username and Password are the only WS-Security credentials accepted;
	// with Username "" any non-empty username and password are.
	Username, Password string
	// ReceiverID, if set, is the only CORE ReceiverID accepted; others get
	// ErrorCode ReceiverIDIllegal.
	ReceiverID string
	// SlowDelay is how long MemberSlow inquiries take (default
	// DefaultSlowDelay); tests set it small.
	SlowDelay time.Duration
	// Now is the simulator's clock for envelope and X12 time stamps.
	Now func() time.Time
	// Addr is where Start listens; "" means 127.0.0.1:0.
	Addr string
}

// Sim is an in-memory CORE real-time clearinghouse; it implements
// http.Handler.
type Sim struct {
	opts Options
	now  func() time.Time
	mux  *http.ServeMux

	// ctx ends when the simulator closes, interrupting delays; wg tracks
	// inquiries still being answered in the background.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the counters, the exchanges by PayloadID and closed.
	mu        sync.Mutex
	stats     Stats
	exchanges map[exchangeKey]*exchange
	stored    []exchangeKey // keys of stored answers, oldest first
	closed    bool
	// received are the 270 payloads of new inquiries, by member id, for tests that check
	// what the engine sent (the latest maxReceived).
	received []Inquiry

	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList

	// batch is the batch mode's state (see batch.go), guarded by mu.
	batch batchState
}

// Inquiry is a 270 the simulator received.
type Inquiry struct {
	MemberID string
	Payload  []byte
}

// maxReceived bounds the kept 270 payloads.
const maxReceived = 256

// Inquiries returns the 270 payloads of the inquiries received so far (replays excluded),
// oldest first.
func (s *Sim) Inquiries() []Inquiry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Inquiry(nil), s.received...)
}

// New returns a simulator; call Close to stop inquiries still in progress.
func New(opts Options) *Sim {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = DefaultSlowDelay
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		opts:      opts,
		now:       opts.Now,
		ctx:       ctx,
		cancel:    cancel,
		stats:     Stats{InquiriesByMember: map[string]int{}},
		exchanges: map[exchangeKey]*exchange{},
		faultList: simkit.NewInjector(func(f *Fault) *int { return &f.Count }),
		batch: batchState{pending: map[string][]ResultsFile{}, answers: map[exchangeKey][]byte{},
			seenPCN: map[string]bool{}},
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+RealTimePath, s.handleRealTime)
	s.controlRoutes(s.mux)
	return s
}

// ServeHTTP serves CORE requests at RealTimePath and control calls under /_sim/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close interrupts slow inquiries and waits for their goroutines; later
// requests are answered 503.
func (s *Sim) Close() {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}
