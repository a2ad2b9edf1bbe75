package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"
)

// serverConn is one accepted connection. active is guarded by Server.mu.
type serverConn struct {
	nc     net.Conn
	peer   string
	ctx    context.Context
	cancel context.CancelFunc
	active bool
}

func newServerConn(base context.Context, nc net.Conn) *serverConn {
	ctx, cancel := context.WithCancel(base)
	return &serverConn{nc: nc, peer: nc.RemoteAddr().String(), ctx: ctx, cancel: cancel}
}

func (c *serverConn) close() {
	c.cancel()
	_ = c.nc.Close()
}

// serveConn reads frames one by one and handles each before reading the next,
// which keeps ACKs in message order on the connection.
func (s *Server) serveConn(c *serverConn) {
	log := s.logger().With("peer", c.peer)
	s.Hooks.connOpened(c.peer)
	log.Debug("mllp: connection opened")
	defer func() {
		c.close()
		s.untrackConn(c)
		s.Hooks.connClosed(c.peer)
		log.Debug("mllp: connection closed")
	}()

	if !s.handshake(c, log) {
		return
	}
	var waitStart time.Time // when the current wait for a frame began
	inFrame := false
	fr := NewFrameReaderWith(c.nc, FrameReaderOptions{
		MaxBytes: s.maxMessageBytes(), Lenient: s.LenientFraming, Pause: s.LenientPause,
		SetReadDeadline: c.nc.SetReadDeadline,
		OnFrameStart: func() {
			inFrame = true
			_ = c.nc.SetReadDeadline(s.frameDeadline(waitStart, time.Now()))
		},
	})
	var reported int64 // discarded bytes already logged
	var out []byte     // reused frame buffer for ACKs
	for {
		if !s.setActive(c, false) {
			return
		}
		waitStart, inFrame = time.Now(), false
		_ = c.nc.SetReadDeadline(s.idleDeadline(waitStart))
		msg, err := fr.ReadFrame()
		if d := fr.Discarded() - reported; d > 0 {
			reported += d
			log.Warn("mllp: skipped bytes outside a valid frame", "bytes", d)
			s.Hooks.bytesDiscarded(c.peer, d)
			s.Hooks.refused(c.peer, RefusedMalformed)
		}
		if err != nil {
			s.logReadError(log, c.peer, err, inFrame, fr.Partial())
			return
		}
		if !s.setActive(c, true) {
			// Shutdown began while the frame arrived: leave it unacknowledged
			// rather than start work that Shutdown would not wait for.
			log.Info("mllp: message dropped unacknowledged during shutdown", "bytes", len(msg))
			return
		}
		size := len(msg)
		start := time.Now()
		ack, ok := s.callHandler(c, msg, log)
		if !ok {
			return
		}
		if ack == nil {
			s.Hooks.messageHandled(c.peer, size, time.Since(start), false)
			log.Debug("mllp: handler returned no ACK; none sent", "bytes", size)
			continue
		}
		if err := checkMessage(ack); err != nil {
			s.Hooks.messageHandled(c.peer, size, time.Since(start), false)
			log.Error("mllp: handler ACK contains block characters; none sent")
			continue
		}
		out = appendFrame(out[:0], ack)
		_ = c.nc.SetWriteDeadline(time.Now().Add(s.writeTimeout()))
		if _, err := c.nc.Write(out); err != nil {
			s.Hooks.messageHandled(c.peer, size, time.Since(start), false)
			log.Warn("mllp: writing ACK failed", "err", err)
			return
		}
		s.Hooks.messageHandled(c.peer, size, time.Since(start), true)
		if cap(out) > keepScratchBytes {
			out = nil
		}
	}
}

// callHandler runs the Handler, turning a panic into "no ACK, close the
// connection": the handler's state is unknown, so the sender should resend.
func (s *Server) callHandler(c *serverConn, msg []byte, log *slog.Logger) (ack []byte, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			// Only the panic's type is logged: its value may quote the message.
			log.Error("mllp: handler panicked; no ACK sent, connection closed", "panic_type", fmt.Sprintf("%T", r))
			ack, ok = nil, false
		}
	}()
	return s.Handler.HandleMLLP(c.ctx, msg, c.peer), true
}

// handshake completes a TLS handshake under HandshakeTimeout, so a peer that
// opens a connection and never speaks TLS cannot hold it.
func (s *Server) handshake(c *serverConn, log *slog.Logger) bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	timeout := s.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	_ = tc.SetDeadline(time.Now().Add(timeout))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		log.Warn("mllp: TLS handshake failed or timed out; connection closed", "err", err)
		s.Hooks.refused(c.peer, RefusedTLSHandshake)
		return false
	}
	_ = tc.SetDeadline(time.Time{})
	return true
}

// idleDeadline is the read deadline while waiting for a frame to start.
func (s *Server) idleDeadline(start time.Time) time.Time {
	var d time.Time
	if s.IdleTimeout > 0 {
		d = start.Add(s.IdleTimeout)
	}
	if s.ReadTimeout > 0 && (d.IsZero() || start.Add(s.ReadTimeout).Before(d)) {
		d = start.Add(s.ReadTimeout)
	}
	return d
}

// frameDeadline is the read deadline once a frame started at now.
func (s *Server) frameDeadline(waitStart, now time.Time) time.Time {
	var d time.Time
	if s.FrameTimeout > 0 {
		d = now.Add(s.FrameTimeout)
	}
	if s.ReadTimeout > 0 && (d.IsZero() || waitStart.Add(s.ReadTimeout).Before(d)) {
		d = waitStart.Add(s.ReadTimeout)
	}
	return d
}

func (s *Server) logReadError(log *slog.Logger, peer string, err error, inFrame bool, partial int) {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) && inFrame:
		log.Warn("mllp: frame not completed before the read deadline; connection cut", "bytes", partial)
		s.Hooks.refused(peer, RefusedFrameTimeout)
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Info("mllp: idle timeout; connection closed")
		s.Hooks.refused(peer, RefusedIdleTimeout)
	case errors.Is(err, io.EOF):
		log.Debug("mllp: peer closed the connection")
	case errors.Is(err, ErrFrameTooLarge):
		log.Warn("mllp: frame exceeds the maximum size; connection closed", "max_bytes", s.maxMessageBytes())
		s.Hooks.refused(peer, RefusedTooLarge)
	case errors.Is(err, ErrTruncatedFrame):
		log.Warn("mllp: connection ended inside a frame; partial message dropped", "bytes", partial, "err", err)
		s.Hooks.refused(peer, RefusedTruncated)
	case errors.Is(err, net.ErrClosed) && s.shuttingDown():
		log.Debug("mllp: connection closed for shutdown")
	default:
		log.Info("mllp: read failed; connection closed", "err", err)
	}
}
