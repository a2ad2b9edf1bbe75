package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// Client defaults.
const (
	// DefaultDialTimeout bounds connecting (and the TLS handshake) when Client.DialTimeout is zero.
	DefaultDialTimeout = 10 * time.Second
	// DefaultAckTimeout bounds writing a message and receiving its ACK when Client.AckTimeout is zero.
	DefaultAckTimeout = 30 * time.Second
)

var (
	// ErrAckTimeout reports that no ACK arrived within the ack timeout; the
	// connection was closed, and the message may or may not have been processed.
	ErrAckTimeout = errors.New("mllp: no ACK within the ack timeout")
	// ErrClientClosed is returned by Send after Close.
	ErrClientClosed = errors.New("mllp: client closed")
)

// ConnError reports a failed dial, write or read; the connection was closed
// and the next Send dials anew. It never carries message content.
type ConnError struct {
	// Op is "dial", "write" or "read".
	Op string
	// Addr is the peer address.
	Addr string
	// Err is the underlying network or framing error.
	Err error
}

// Error describes the failed operation.
func (e *ConnError) Error() string {
	return "mllp: " + e.Op + " " + e.Addr + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// Client sends messages to one MLLP peer over a persistent connection, one
// message at a time, and returns each message's ACK. It is safe for concurrent
// use; concurrent Sends queue. The zero value with Addr set is usable.
//
// Client never resends: any failure closes the connection and returns an
// error so the caller decides to retry. It does not check that the ACK's
// MSA-2 matches the message's MSH-10; the HL7 layer above does.
type Client struct {
	// Addr is the peer's host:port.
	Addr string
	// TLSConfig, when set, makes the client speak MLLP over TLS.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting; zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// AckTimeout bounds writing the message plus waiting for its ACK; zero means DefaultAckTimeout.
	AckTimeout time.Duration

	initOnce sync.Once
	turn     chan struct{} // one Send at a time; a channel so waiting honours ctx

	mu     sync.Mutex // guards conn and closed, so Close can interrupt a Send
	conn   net.Conn
	fr     *FrameReader
	closed bool

	buf []byte // reused outgoing frame, only touched while holding turn
}

// Send writes msg as one frame and returns the peer's ACK frame. It dials
// when no connection is open. Errors: ErrAckTimeout, *ConnError, ctx.Err()
// when ctx ends first, ErrInvalidMessage, ErrClientClosed.
func (c *Client) Send(ctx context.Context, msg []byte) ([]byte, error) {
	if err := checkMessage(msg); err != nil {
		return nil, err
	}
	c.initOnce.Do(func() { c.turn = make(chan struct{}, 1) })
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.turn }()

	conn, fr, err := c.connection(ctx)
	if err != nil {
		return nil, err
	}
	// One deadline covers write and ACK wait. It is set before the cancel hook
	// is registered so that hook's past deadline is never overwritten.
	_ = conn.SetDeadline(time.Now().Add(c.ackTimeout()))
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		// When the hook already fired it may still be about to poison the
		// deadline, so this connection must not serve the next Send.
		if !stop() {
			c.dropConn(conn)
		}
	}()

	c.buf = appendFrame(c.buf[:0], msg)
	if _, err := conn.Write(c.buf); err != nil {
		c.dropConn(conn)
		return nil, c.failure(ctx, "write", err)
	}
	if cap(c.buf) > keepScratchBytes {
		c.buf = nil
	}
	ack, err := fr.ReadFrame()
	if err != nil {
		// Always drop the connection: a late ACK would otherwise be read as
		// the answer to the next message.
		c.dropConn(conn)
		if ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, ErrAckTimeout
		}
		return nil, c.failure(ctx, "read", err)
	}
	return ack, nil
}

// Close closes the connection, interrupting a Send in progress; later Sends fail with ErrClientClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.fr = nil, nil
	return err
}

// connection returns the open connection or dials a new one. A connection
// holding unread bytes is replaced: data nobody asked for cannot be trusted
// as the next ACK.
func (c *Client) connection(ctx context.Context) (net.Conn, *FrameReader, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, nil, ErrClientClosed
	}
	if c.conn != nil && c.fr.buffered() > 0 {
		_ = c.conn.Close()
		c.conn, c.fr = nil, nil
	}
	if c.conn != nil {
		defer c.mu.Unlock()
		return c.conn, c.fr, nil
	}
	c.mu.Unlock()

	conn, err := c.dial(ctx)
	if err != nil {
		return nil, nil, c.failure(ctx, "dial", err)
	}
	fr := NewFrameReader(conn, DefaultMaxMessageBytes)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = conn.Close()
		return nil, nil, ErrClientClosed
	}
	c.conn, c.fr = conn, fr
	return conn, fr, nil
}

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: c.dialTimeout()}
	if c.TLSConfig != nil {
		td := &tls.Dialer{NetDialer: d, Config: c.TLSConfig}
		return td.DialContext(ctx, "tcp", c.Addr)
	}
	return d.DialContext(ctx, "tcp", c.Addr)
}

// dropConn closes conn if it is still the client's current connection.
func (c *Client) dropConn(conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = conn.Close()
	if c.conn == conn {
		c.conn, c.fr = nil, nil
	}
}

// failure maps an I/O error: the caller's cancellation wins, then Close, then *ConnError.
func (c *Client) failure(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return ErrClientClosed
	}
	return &ConnError{Op: op, Addr: c.Addr, Err: err}
}

func (c *Client) dialTimeout() time.Duration {
	if c.DialTimeout > 0 {
		return c.DialTimeout
	}
	return DefaultDialTimeout
}

func (c *Client) ackTimeout() time.Duration {
	if c.AckTimeout > 0 {
		return c.AckTimeout
	}
	return DefaultAckTimeout
}
