package lissim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
	"github.com/careflow/engine/transport/mllp"
)

// Defaults for zero Options fields.
const (
	// DefaultResultDelay is the wait before each result of an order.
	DefaultResultDelay = 2 * time.Second
	// DefaultSlowAckDelay is how late slow ACKs are.
	DefaultSlowAckDelay = 5 * time.Second
	// DefaultAckTimeout bounds waiting for the engine's ACK to one ORU.
	DefaultAckTimeout = 10 * time.Second
	// DefaultMaxAttempts bounds sends of one ORU.
	DefaultMaxAttempts = 5
	// DefaultRetryBackoff is the wait before the first resend of an ORU.
	DefaultRetryBackoff = 500 * time.Millisecond
)

const (
	// maxRetryBackoff caps the doubling resend backoff.
	maxRetryBackoff     = 10 * time.Second
	defaultSendingApp   = "LIS_SIM"
	defaultSendingFacil = "SIM_LAB"
	// defaultShutdownGrace bounds Server.Close's wait for in-flight ACKs.
	defaultShutdownGrace = 2 * time.Second
)

// Options configures a Sim.
type Options struct {
	// Addr is where Start's MLLP listener listens; "" means 127.0.0.1:0.
	Addr string
	// ControlAddr is where Start's HTTP control listener listens; "" means 127.0.0.1:0.
	ControlAddr string
	// EngineAddr is the engine's MLLP listener (host:port) that receives
	// results; "" sends nothing until SetEngineAddr.
	EngineAddr string
	// ResultDelay is the wait after an order is accepted before its first
	// result, and between the results of one order (default 2s).
	ResultDelay time.Duration
	// SlowAckDelay is how late ScenarioSlowACK and a "slow" fault ACK (default 5s).
	SlowAckDelay time.Duration
	// AckTimeout bounds waiting for the engine's ACK to one ORU (default 10s).
	AckTimeout time.Duration
	// MaxAttempts bounds sends of one ORU without an engine ACK (default 5).
	MaxAttempts int
	// RetryBackoff is the wait before the first resend; it doubles per
	// attempt up to 10s (default 500ms).
	RetryBackoff time.Duration
	// SendingApplication and SendingFacility go to MSH-3/4 of every message
	// the simulator writes (default "LIS_SIM", "SIM_LAB").
	SendingApplication, SendingFacility string
	// Now is the clock for message timestamps (default time.Now).
	Now func() time.Time
	// Logger receives events without message content; nil discards them.
	Logger *slog.Logger
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.ResultDelay <= 0 {
		o.ResultDelay = DefaultResultDelay
	}
	if o.SlowAckDelay <= 0 {
		o.SlowAckDelay = DefaultSlowAckDelay
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.SendingApplication == "" {
		o.SendingApplication = defaultSendingApp
	}
	if o.SendingFacility == "" {
		o.SendingFacility = defaultSendingFacil
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Sim is an in-memory laboratory information system: an mllp.Handler for
// ORM^O01 orders that sends ORU^R01 results to the engine.
type Sim struct {
	opts Options
	log  *slog.Logger

	// ctx ends when the simulator closes, interrupting delays and sends.
	ctx    context.Context
	cancel context.CancelFunc
	// work counts result goroutines; Add only under mu while !closed.
	work sync.WaitGroup

	idPrefix string
	seq      atomic.Uint64

	// mu guards orders, counters, the engine address and client.
	mu         sync.Mutex
	closed     bool
	orders     map[string]*order
	orderSeq   []string
	counts     Stats
	engineAddr string
	client     *mllp.Client

	// dropConn closes the connection to peer; Start sets it. Without it
	// drop-connection only withholds the ACK.
	dropConn func(peer string, before func()) bool

	// faultList, embedded, gives Sim InjectFault, ClearFaults and Faults.
	*faultList
}

// New returns a simulator; serve it with an mllp.Server (or use Start) and
// call Close to stop its result deliveries.
func New(opts Options) *Sim {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Sim{
		opts:       opts,
		log:        opts.Logger,
		ctx:        ctx,
		cancel:     cancel,
		idPrefix:   "LS" + hex.EncodeToString(b[:]),
		orders:     map[string]*order{},
		counts:     newStats(),
		engineAddr: opts.EngineAddr,
		faultList:  simkit.NewInjector(func(f *Fault) *int { return &f.Count }),
	}
}

// Close stops result deliveries and delayed ACKs and waits for them.
// Results not yet delivered are dropped.
func (s *Sim) Close() {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	client := s.client
	s.client = nil
	s.mu.Unlock()
	if client != nil {
		_ = client.Close()
	}
	s.work.Wait()
}

// SetEngineAddr changes the engine MLLP address later results go to; ""
// stops sending (deliveries then fail and are retried).
func (s *Sim) SetEngineAddr(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if addr == s.engineAddr {
		return
	}
	s.engineAddr = addr
	if s.client != nil {
		// A send in progress on the old address fails and is retried on the new one.
		_ = s.client.Close()
		s.client = nil
	}
}

// EngineAddr returns the engine MLLP address results go to.
func (s *Sim) EngineAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.engineAddr
}

// nextID returns a unique message control id (MSH-10), at most 20
// characters as older receivers require.
func (s *Sim) nextID() string {
	return fmt.Sprintf("%s%06d", s.idPrefix, s.seq.Add(1))
}

// sleep waits d unless the simulator closes first; it reports whether the
// full delay elapsed.
func (s *Sim) sleep(d time.Duration) bool {
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// goWork runs f as a tracked goroutine unless the simulator is closed; the
// caller holds mu.
func (s *Sim) goWork(f func()) bool {
	if s.closed {
		return false
	}
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		f()
	}()
	return true
}
