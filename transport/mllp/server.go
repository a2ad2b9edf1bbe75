package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// DefaultAddr is the listen address when Server.Addr is empty (DESIGN.md MLLP_ADDR default).
const DefaultAddr = "127.0.0.1:2575"

// DefaultWriteTimeout bounds an ACK write when Server.WriteTimeout is zero:
// a peer that stops reading must not pin a goroutine forever.
const DefaultWriteTimeout = 10 * time.Second

// DefaultHandshakeTimeout bounds a TLS handshake when Server.HandshakeTimeout is zero.
const DefaultHandshakeTimeout = 10 * time.Second

// Reasons passed to Hooks.Refused.
const (
	RefusedMaxConns     = "max_conns"
	RefusedIdleTimeout  = "idle_timeout"
	RefusedFrameTimeout = "frame_timeout"
	RefusedTLSHandshake = "tls_handshake"
	RefusedTooLarge     = "frame_too_large"
	RefusedTruncated    = "truncated_frame"
	RefusedMalformed    = "malformed_frame"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// after the context given to ListenAndServe is done.
var ErrServerClosed = errors.New("mllp: server closed")

// Server is an MLLP listener that hands each inbound message to Handler and
// writes back the ACK the Handler returns. The zero value plus a Handler is
// usable; fields must not change after serving starts.
type Server struct {
	// Addr is the TCP address to listen on; empty means DefaultAddr.
	Addr string
	// Handler processes each message; it is required.
	Handler Handler
	// TLSConfig, when set, makes the server speak MLLP over TLS (it needs Certificates).
	TLSConfig *tls.Config
	// MaxMessageBytes caps one message; a larger frame closes the connection.
	// Zero means DefaultMaxMessageBytes.
	MaxMessageBytes int
	// ReadTimeout closes a connection on which no complete frame arrives for
	// this long (idle time plus the time to receive the frame). Zero means no
	// limit, since lab feeds keep connections open and quiet for hours.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one ACK; zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// Logger receives connection events without message content; nil discards them.
	Logger *slog.Logger
	// MaxConns caps open connections; extra ones are closed at once. Zero means no cap.
	MaxConns int
	// IdleTimeout closes a connection on which no frame starts for this long; zero means no limit.
	IdleTimeout time.Duration
	// FrameTimeout bounds receiving one frame, from its start block to its end: a
	// sender that trickles bytes (slowloris) is cut at this deadline. Zero means no limit.
	FrameTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake; zero means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// LenientFraming accepts the framing variants real senders use (see
	// FrameReaderOptions.Lenient); false keeps strict FS CR framing.
	LenientFraming bool
	// LenientPause is the wait after a lone end block; zero means DefaultLenientPause.
	LenientPause time.Duration
	// Hooks are optional metrics callbacks.
	Hooks Hooks

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	shutdown  bool
	connWG    sync.WaitGroup
}

// ListenAndServe listens on Addr and serves until Shutdown is called or ctx is
// done. Handlers receive contexts derived from ctx. When ctx ends, the server
// stops accepting, closes idle connections and waits for open connections to
// finish (their handlers see the cancellation) before returning ErrServerClosed.
func (s *Server) ListenAndServe(ctx context.Context) error {
	addr := s.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, s.beginShutdown)
	defer stop()
	err = s.serve(ctx, ln)
	if ctx.Err() != nil {
		s.connWG.Wait()
	}
	return err
}

// Serve accepts connections on ln (wrapped in TLS when TLSConfig is set) until
// Shutdown, then returns ErrServerClosed. Handlers receive a background context.
func (s *Server) Serve(ln net.Listener) error {
	return s.serve(context.Background(), ln)
}

// Shutdown stops accepting, closes idle connections, and waits until every
// in-flight handler has returned and its ACK was written. When ctx ends first
// it closes all connections, cancels the handlers' contexts and returns ctx.Err().
// A message whose frame was still arriving is dropped unacknowledged; the
// sender resends it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginShutdown()
	drained := make(chan struct{})
	go func() {
		s.connWG.Wait()
		close(drained)
	}()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.closeAll()
		return ctx.Err()
	}
}

func (s *Server) serve(ctx context.Context, ln net.Listener) error {
	if s.Handler == nil {
		return errors.New("mllp: Server.Handler is nil")
	}
	if s.TLSConfig != nil {
		ln = tls.NewListener(ln, s.TLSConfig)
	}
	if !s.trackListener(ln) {
		_ = ln.Close()
		return ErrServerClosed
	}
	defer s.untrackListener(ln)
	log := s.logger()
	log.Info("mllp: listening", "addr", ln.Addr().String(), "tls", s.TLSConfig != nil)
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shuttingDown() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Transient accept failures (EMFILE and the like): back off as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			log.Warn("mllp: accept failed; retrying", "err", err, "backoff", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		c := newServerConn(ctx, nc)
		if ok, full := s.trackConn(c); !ok {
			if full {
				log.Warn("mllp: connection limit reached; connection refused", "peer", c.peer, "max_conns", s.MaxConns)
				s.Hooks.connRejected(c.peer)
				s.Hooks.refused(c.peer, RefusedMaxConns)
			}
			c.close()
			continue
		}
		go s.serveConn(c)
	}
}

// beginShutdown flags the shutdown, closes listeners and idle connections.
// Connections busy with a handler notice the flag when they turn idle.
func (s *Server) beginShutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown = true
	for ln := range s.listeners {
		_ = ln.Close()
	}
	for c := range s.conns {
		if !c.active {
			_ = c.nc.Close()
		}
	}
}

// closeAll force-closes every connection after Shutdown's deadline passed.
func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.close()
	}
}

func (s *Server) shuttingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

func (s *Server) trackListener(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[ln] = struct{}{}
	return true
}

func (s *Server) untrackListener(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, ln)
}

// trackConn registers c; full reports a refusal because of MaxConns. The
// WaitGroup is incremented under the lock, before any Shutdown can Wait.
func (s *Server) trackConn(c *serverConn) (ok, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false, false
	}
	if s.MaxConns > 0 && len(s.conns) >= s.MaxConns {
		return false, true
	}
	if s.conns == nil {
		s.conns = make(map[*serverConn]struct{})
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	return true, false
}

func (s *Server) untrackConn(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.connWG.Done()
}

// setActive marks c busy (a handler runs) or idle. It refuses once shutdown
// began, so no new message starts and an idle connection exits.
func (s *Server) setActive(c *serverConn, active bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	c.active = active
	return true
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) maxMessageBytes() int {
	if s.MaxMessageBytes > 0 {
		return s.MaxMessageBytes
	}
	return DefaultMaxMessageBytes
}

func (s *Server) writeTimeout() time.Duration {
	if s.WriteTimeout > 0 {
		return s.WriteTimeout
	}
	return DefaultWriteTimeout
}
