package lissim

import (
	"context"
	"net"
	"sync"

	"github.com/careflow/engine/internal/sim/simkit"
	"github.com/careflow/engine/transport/mllp"
)

// Server is a simulator listening on loopback: MLLP for orders, HTTP for
// control calls.
type Server struct {
	// Addr is the MLLP listener's host:port, what the engine's
	// LIS_MLLP_ADDR points at.
	Addr string
	// ControlURL is the base URL of the /_sim/ control routes, e.g.
	// "http://127.0.0.1:41234".
	ControlURL string
	// Sim is the simulator behind the listeners.
	Sim *Sim

	mllp     *mllp.Server
	http     *simkit.HTTPServer
	mllpDone chan struct{}
	once     sync.Once
}

// Start serves a new simulator: MLLP on opts.Addr and control routes on
// opts.ControlAddr (each default 127.0.0.1:0, a free loopback port).
func Start(opts Options) (*Server, error) {
	mln, err := simkit.Listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	hln, err := simkit.Listen(opts.ControlAddr)
	if err != nil {
		_ = mln.Close()
		return nil, err
	}
	sim := New(opts)
	tl := &trackingListener{Listener: mln, conns: map[string]net.Conn{}}
	sim.dropConn = tl.closeConn
	hs := simkit.Serve(hln, sim.ControlHandler())
	s := &Server{
		Addr:       mln.Addr().String(),
		ControlURL: hs.URL,
		Sim:        sim,
		mllp:       &mllp.Server{Handler: sim, Logger: sim.log},
		http:       hs,
		mllpDone:   make(chan struct{}),
	}
	go func() {
		defer close(s.mllpDone)
		// Serve returns ErrServerClosed after Shutdown; any other error
		// means the listener broke, which the engine notices as refused dials.
		_ = s.mllp.Serve(tl)
	}()
	return s, nil
}

// Close stops the listeners, open connections, delayed ACKs and result
// deliveries.
func (s *Server) Close() {
	s.once.Do(func() {
		// The simulator first, so handlers sleeping for a slow ACK return
		// and Shutdown does not wait on them.
		s.Sim.Close()
		ctx, cancel := context.WithTimeout(context.Background(), defaultShutdownGrace)
		defer cancel()
		_ = s.mllp.Shutdown(ctx)
		<-s.mllpDone
		s.http.Close()
	})
}

// trackingListener remembers open connections by remote address, which is
// the peer string mllp.Server gives handlers, so a handler can close its
// own connection (the drop-connection scenario).
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]net.Conn
}

// Accept registers each accepted connection until it is closed.
func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l, key: c.RemoteAddr().String()}
	l.mu.Lock()
	l.conns[tc.key] = tc
	l.mu.Unlock()
	return tc, nil
}

// closeConn closes the connection from peer, calling before first so that what it records is
// visible by the time the peer sees the connection close; it reports whether one was open.
func (l *trackingListener) closeConn(peer string, before func()) bool {
	l.mu.Lock()
	c, ok := l.conns[peer]
	l.mu.Unlock()
	if ok {
		before()
		_ = c.Close()
	}
	return ok
}

// trackedConn unregisters itself on Close.
type trackedConn struct {
	net.Conn
	l    *trackingListener
	key  string
	once sync.Once
}

// Close closes the connection and forgets it.
func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.conns[c.key] == c {
			delete(c.l.conns, c.key)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
