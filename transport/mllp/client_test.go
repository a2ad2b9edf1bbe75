package mllp_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careflow/engine/transport/mllp"
)

// fakePeer is a scripted MLLP peer: serve runs once per accepted connection.
func fakePeer(t *testing.T, serve func(n int, conn net.Conn, fr *mllp.FrameReader)) (addr string, accepts *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	accepts = &atomic.Int32{}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(accepts.Add(1))
			go func() {
				defer conn.Close()
				serve(n, conn, mllp.NewFrameReader(conn, 0))
			}()
		}
	}()
	return ln.Addr().String(), accepts
}

func TestClientReconnectsAfterBrokenConnection(t *testing.T) {
	addr, accepts := fakePeer(t, func(n int, conn net.Conn, fr *mllp.FrameReader) {
		for {
			msg, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if n == 1 {
				return // first connection: read the message, then drop without ACK
			}
			if err := mllp.WriteFrame(conn, ackFor(msg)); err != nil {
				return
			}
		}
	})
	c := newClient(t, addr)
	_, err := c.Send(t.Context(), hl7Message("DROP"))
	var ce *mllp.ConnError
	if !errors.As(err, &ce) || ce.Op != "read" || ce.Addr != addr {
		t.Fatalf("Send err = %v, want *ConnError{Op: read}", err)
	}
	// The client did not resend by itself.
	if n := accepts.Load(); n != 1 {
		t.Fatalf("client opened %d connections before the caller retried", n)
	}
	for _, id := range []string{"DROP", "NEXT"} {
		ack, err := c.Send(t.Context(), hl7Message(id))
		if err != nil {
			t.Fatalf("Send %s after reconnect: %v", id, err)
		}
		if _, ref := msa(ack); ref != id {
			t.Fatalf("ACK refers to %q, want %q", ref, id)
		}
	}
	if n := accepts.Load(); n != 2 {
		t.Fatalf("client opened %d connections, want 2 (one redial, then reuse)", n)
	}
}

func TestClientDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	c := newClient(t, addr)
	_, err = c.Send(t.Context(), hl7Message("X"))
	var ce *mllp.ConnError
	if !errors.As(err, &ce) || ce.Op != "dial" {
		t.Fatalf("Send err = %v, want *ConnError{Op: dial}", err)
	}
}

func TestClientAckTimeoutDropsLateAck(t *testing.T) {
	release := make(chan struct{})
	addr, accepts := fakePeer(t, func(n int, conn net.Conn, fr *mllp.FrameReader) {
		for {
			msg, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if n == 1 {
				<-release // answer only after the client gave up
			}
			if err := mllp.WriteFrame(conn, ackFor(msg)); err != nil {
				return
			}
		}
	})
	c := newClient(t, addr)
	c.AckTimeout = 200 * time.Millisecond
	if _, err := c.Send(t.Context(), hl7Message("LATE")); !errors.Is(err, mllp.ErrAckTimeout) {
		t.Fatalf("Send err = %v, want ErrAckTimeout", err)
	}
	close(release)
	c.AckTimeout = 10 * time.Second
	ack, err := c.Send(t.Context(), hl7Message("FRESH"))
	if err != nil {
		t.Fatal(err)
	}
	// The late ACK for LATE must never be taken as the answer to FRESH.
	if _, ref := msa(ack); ref != "FRESH" {
		t.Fatalf("ACK refers to %q, want FRESH", ref)
	}
	if n := accepts.Load(); n != 2 {
		t.Fatalf("connections = %d, want 2", n)
	}
}

func TestClientContextCancel(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(context.Context, []byte, string) []byte {
		close(entered)
		<-release
		return nil
	})}
	c := newClient(t, startServer(t, srv))
	t.Cleanup(func() { close(release) }) // runs before the server's Shutdown
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Send(ctx, hl7Message("CANCEL"))
		done <- err
	}()
	waitOrFail(t, entered, "the handler to start")
	cancel()
	if err := waitOrFail(t, done, "Send to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send err = %v, want context.Canceled", err)
	}
}

func TestClientClose(t *testing.T) {
	c := newClient(t, startServer(t, &mllp.Server{Handler: echoHandler}))
	if _, err := c.Send(t.Context(), hl7Message("A")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(t.Context(), hl7Message("B")); !errors.Is(err, mllp.ErrClientClosed) {
		t.Fatalf("Send after Close err = %v, want ErrClientClosed", err)
	}
}

func TestClientRejectsInvalidMessage(t *testing.T) {
	c := &mllp.Client{Addr: "127.0.0.1:1"} // never dialled
	if _, err := c.Send(t.Context(), []byte("MSH|\x1c\r")); !errors.Is(err, mllp.ErrInvalidMessage) {
		t.Fatalf("Send err = %v, want ErrInvalidMessage", err)
	}
}

func TestClientConcurrentSendsShareOneConnection(t *testing.T) {
	var peers atomic.Int32
	srv := &mllp.Server{
		Handler: echoHandler,
		Hooks:   mllp.Hooks{ConnOpened: func(string) { peers.Add(1) }},
	}
	c := newClient(t, startServer(t, srv))
	errs := make(chan error, 10)
	for i := range 10 {
		go func() {
			id := "P" + strconv.Itoa(i)
			ack, err := c.Send(t.Context(), hl7Message(id))
			if err == nil {
				if _, ref := msa(ack); ref != id {
					err = errors.New("ACK for " + ref + " returned to sender of " + id)
				}
			}
			errs <- err
		}()
	}
	for range 10 {
		if err := waitOrFail(t, errs, "concurrent Send"); err != nil {
			t.Error(err)
		}
	}
	if n := peers.Load(); n != 1 {
		t.Errorf("client opened %d connections, want 1", n)
	}
}
