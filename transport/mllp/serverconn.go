package mllp

import (
	"context"
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

	fr := NewFrameReader(c.nc, s.maxMessageBytes())
	var reported int64 // discarded bytes already logged
	var out []byte     // reused frame buffer for ACKs
	for {
		if !s.setActive(c, false) {
			return
		}
		if s.ReadTimeout > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(s.ReadTimeout))
		}
		msg, err := fr.ReadFrame()
		if d := fr.Discarded() - reported; d > 0 {
			reported += d
			log.Warn("mllp: skipped bytes outside a valid frame", "bytes", d)
			s.Hooks.bytesDiscarded(c.peer, d)
		}
		if err != nil {
			s.logReadError(log, err)
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

func (s *Server) logReadError(log *slog.Logger, err error) {
	switch {
	case errors.Is(err, io.EOF):
		log.Debug("mllp: peer closed the connection")
	case errors.Is(err, ErrFrameTooLarge):
		log.Warn("mllp: frame exceeds the maximum size; connection closed", "max_bytes", s.maxMessageBytes())
	case errors.Is(err, ErrTruncatedFrame):
		log.Warn("mllp: connection ended inside a frame; partial message dropped", "err", err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Debug("mllp: read timeout; connection closed")
	case errors.Is(err, net.ErrClosed) && s.shuttingDown():
		log.Debug("mllp: connection closed for shutdown")
	default:
		log.Info("mllp: read failed; connection closed", "err", err)
	}
}
