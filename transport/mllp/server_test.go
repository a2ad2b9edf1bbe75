package mllp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careflow/engine/transport/mllp"
)

func TestServerClientRoundTrip(t *testing.T) {
	var mu sync.Mutex
	var received [][]byte
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, peer string) []byte {
		if !strings.HasPrefix(peer, "127.0.0.1:") {
			t.Errorf("peer = %q, want a loopback address", peer)
		}
		mu.Lock()
		received = append(received, msg)
		mu.Unlock()
		return ackFor(msg)
	})}
	c := newClient(t, startServer(t, srv))
	for i := range 3 {
		id := "RT" + strconv.Itoa(i)
		ack, err := c.Send(t.Context(), hl7Message(id))
		if err != nil {
			t.Fatalf("Send %s: %v", id, err)
		}
		if code, ref := msa(ack); code != "AA" || ref != id {
			t.Fatalf("ACK for %s: MSA-1=%q MSA-2=%q", id, code, ref)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, msg := range received {
		if want := hl7Message("RT" + strconv.Itoa(i)); !bytes.Equal(msg, want) {
			t.Errorf("handler got %q, want %q", msg, want)
		}
	}
	if len(received) != 3 {
		t.Errorf("handler called %d times, want 3", len(received))
	}
}

// TestServerManyConcurrentClients: 50 connections x 20 messages, every ACK
// matches its message and each connection's messages reach the handler in order.
func TestServerManyConcurrentClients(t *testing.T) {
	const clients, perClient = 50, 20
	var mu sync.Mutex
	lastSeq := map[string]int{} // peer -> last sequence number seen
	var outOfOrder atomic.Int32
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, peer string) []byte {
		// Control ids are "<client>-<seq>"; per connection seq must grow by one.
		_, seqText, _ := strings.Cut(controlID(msg), "-")
		seq, _ := strconv.Atoi(seqText)
		mu.Lock()
		prev, seen := lastSeq[peer]
		if (seen && seq != prev+1) || (!seen && seq != 0) {
			outOfOrder.Add(1)
		}
		lastSeq[peer] = seq
		mu.Unlock()
		return ackFor(msg)
	})}
	addr := startServer(t, srv)

	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for n := range clients {
		wg.Go(func() {
			c := newClient(t, addr)
			for i := range perClient {
				id := fmt.Sprintf("C%d-%d", n, i)
				ack, err := c.Send(t.Context(), hl7Message(id))
				if err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
					return
				}
				if code, ref := msa(ack); code != "AA" || ref != id {
					errs <- fmt.Errorf("%s: got MSA %s|%s", id, code, ref)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := outOfOrder.Load(); n != 0 {
		t.Errorf("%d messages reached the handler out of order on their connection", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lastSeq) != clients {
		t.Errorf("server saw %d connections, want %d", len(lastSeq), clients)
	}
	for peer, seq := range lastSeq {
		if seq != perClient-1 {
			t.Errorf("peer %s: last sequence %d, want %d", peer, seq, perClient-1)
		}
	}
}

// TestServerDisconnectMidFrameNeverHandled: a sender that dies mid-frame
// must never make the handler see half a message.
func TestServerDisconnectMidFrameNeverHandled(t *testing.T) {
	var calls atomic.Int32
	closed := make(chan string, 4)
	srv := &mllp.Server{
		Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
			calls.Add(1)
			return ackFor(msg)
		}),
		Hooks: mllp.Hooks{ConnClosed: func(peer string) { closed <- peer }},
	}
	addr := startServer(t, srv)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	full := frame(string(hl7Message("HALF")))
	if _, err := conn.Write(full[:len(full)/2]); err != nil {
		t.Fatal(err)
	}
	local := conn.LocalAddr().String()
	_ = conn.Close()
	if peer := waitOrFail(t, closed, "server to close the connection"); peer != local {
		t.Fatalf("closed peer %s, want %s", peer, local)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("handler called %d times for a half message", n)
	}

	// The server still serves whole messages afterwards.
	if _, err := newClient(t, addr).Send(t.Context(), hl7Message("WHOLE")); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler called %d times, want 1", n)
	}
}

// TestServerSkipsGarbageAndAnswersBadMessages: garbage between frames is
// skipped and logged without content; a non-HL7 frame gets AR; the connection stays usable.
func TestServerSkipsGarbageAndAnswersBadMessages(t *testing.T) {
	logs := &syncBuffer{}
	srv := &mllp.Server{
		Handler: echoHandler,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	addr := startServer(t, srv)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fr := mllp.NewFrameReader(conn, 0)

	exchange := func(raw []byte) (code, ref string) {
		t.Helper()
		if _, err := conn.Write(raw); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		ack, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading ACK: %v", err)
		}
		return msa(ack)
	}
	if code, ref := exchange(frame(string(hl7Message("G1")))); code != "AA" || ref != "G1" {
		t.Fatalf("first message: %s|%s", code, ref)
	}
	// Garbage with PHI-like text between frames, then a frame that is not HL7.
	garbage := "PATIENT DOE^JANE 1980-01-01\r\n"
	if code, _ := exchange(append([]byte(garbage), frame("NOT HL7 AT ALL SMITH^JOHN")...)); code != "AR" {
		t.Fatalf("bad message answered %q, want AR", code)
	}
	// The same connection keeps working.
	if code, ref := exchange(frame(string(hl7Message("G2")))); code != "AA" || ref != "G2" {
		t.Fatalf("message after bad input: %s|%s", code, ref)
	}
	out := logs.String()
	if !strings.Contains(out, "skipped bytes") {
		t.Errorf("garbage was not logged as skipped bytes:\n%s", out)
	}
	for _, phi := range []string{"DOE", "SMITH", "Potassium", "1980"} {
		if strings.Contains(out, phi) {
			t.Errorf("log contains message content %q:\n%s", phi, out)
		}
	}
}

func TestServerOversizeFrameClosesConnection(t *testing.T) {
	var calls atomic.Int32
	srv := &mllp.Server{
		MaxMessageBytes: 64,
		Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
			calls.Add(1)
			return ackFor(msg)
		}),
	}
	addr := startServer(t, srv)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(frame(string(hl7Message("BIG")))); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := conn.Read(make([]byte, 64))
	if n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after oversize frame: n=%d err=%v, want the server to close", n, err)
	}
	if c := calls.Load(); c != 0 {
		t.Fatalf("handler called %d times for an oversize frame", c)
	}
}

// TestServerNilAckMeansNoAck: a handler that cannot store the message returns
// nil, the sender sees ErrAckTimeout, and its resend is acknowledged.
func TestServerNilAckMeansNoAck(t *testing.T) {
	var calls atomic.Int32
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
		// The first attempt "cannot reach Temporal"; the resend succeeds.
		if calls.Add(1) == 1 {
			return nil
		}
		return ackFor(msg)
	})}
	c := newClient(t, startServer(t, srv))
	c.AckTimeout = 300 * time.Millisecond
	if _, err := c.Send(t.Context(), hl7Message("NOACK")); !errors.Is(err, mllp.ErrAckTimeout) {
		t.Fatalf("Send err = %v, want ErrAckTimeout", err)
	}
	c.AckTimeout = 10 * time.Second
	ack, err := c.Send(t.Context(), hl7Message("NOACK"))
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	if code, ref := msa(ack); code != "AA" || ref != "NOACK" {
		t.Fatalf("resend ACK %s|%s", code, ref)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("handler called %d times, want 2", n)
	}
}

func TestServerHandlerPanicClosesConnectionWithoutAck(t *testing.T) {
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
		if controlID(msg) == "PANIC" {
			panic("handler bug")
		}
		return ackFor(msg)
	})}
	c := newClient(t, startServer(t, srv))
	_, err := c.Send(t.Context(), hl7Message("PANIC"))
	var ce *mllp.ConnError
	if !errors.As(err, &ce) || ce.Op != "read" {
		t.Fatalf("Send err = %v, want *ConnError from read", err)
	}
	if _, err := c.Send(t.Context(), hl7Message("AFTER")); err != nil {
		t.Fatalf("Send after panic: %v", err)
	}
}

// TestServerShutdownWaitsForInFlight: Shutdown refuses new connections, closes
// idle ones, and returns only after the in-flight handler's ACK was written.
func TestServerShutdownWaitsForInFlight(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
		if controlID(msg) == "SLOW" {
			close(entered)
			<-release
		}
		return ackFor(msg)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	idle := newClient(t, addr) // an idle connection Shutdown must close
	if _, err := idle.Send(t.Context(), hl7Message("IDLE")); err != nil {
		t.Fatal(err)
	}
	busy := newClient(t, addr)
	acked := make(chan error, 1)
	go func() {
		ack, err := busy.Send(t.Context(), hl7Message("SLOW"))
		if err == nil {
			if code, _ := msa(ack); code != "AA" {
				err = fmt.Errorf("ACK code %q", code)
			}
		}
		acked <- err
	}()
	waitOrFail(t, entered, "the handler to start")

	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- srv.Shutdown(context.Background()) }()
	if err := waitOrFail(t, served, "Serve to return"); !errors.Is(err, mllp.ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned (%v) while a handler was in flight", err)
	default:
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("server still accepts connections after Shutdown began")
	}

	close(release)
	if err := waitOrFail(t, acked, "the in-flight ACK"); err != nil {
		t.Fatalf("in-flight message was not acknowledged: %v", err)
	}
	if err := waitOrFail(t, shutdownDone, "Shutdown"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// The idle connection was closed: its next Send cannot reach the server.
	if _, err := idle.Send(t.Context(), hl7Message("LATE")); err == nil {
		t.Fatal("Send on a connection of a shut-down server succeeded")
	}
}

func TestServerShutdownDeadlineForcesClose(t *testing.T) {
	entered := make(chan struct{})
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(ctx context.Context, _ []byte, _ string) []byte {
		close(entered)
		<-ctx.Done() // a stuck handler that only honours cancellation
		return nil
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	c := newClient(t, ln.Addr().String())
	sent := make(chan error, 1)
	go func() {
		_, err := c.Send(t.Context(), hl7Message("STUCK"))
		sent <- err
	}()
	waitOrFail(t, entered, "the handler to start")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown err = %v, want DeadlineExceeded", err)
	}
	var ce *mllp.ConnError
	if err := waitOrFail(t, sent, "Send to fail"); !errors.As(err, &ce) {
		t.Fatalf("Send err = %v, want *ConnError after forced close", err)
	}
}

func TestServerMaxConns(t *testing.T) {
	rejected := make(chan string, 1)
	srv := &mllp.Server{
		Handler:  echoHandler,
		MaxConns: 1,
		Hooks:    mllp.Hooks{ConnRejected: func(peer string) { rejected <- peer }},
	}
	addr := startServer(t, srv)
	first := newClient(t, addr)
	if _, err := first.Send(t.Context(), hl7Message("FIRST")); err != nil {
		t.Fatal(err)
	}
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	waitOrFail(t, rejected, "the second connection to be rejected")
	_ = second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := second.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("second connection read err = %v, want closed", err)
	}
	if _, err := first.Send(t.Context(), hl7Message("FIRST2")); err != nil {
		t.Fatalf("first connection broken by the rejection: %v", err)
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // free port for ListenAndServe

	srv := &mllp.Server{Addr: addr, Handler: echoHandler}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()

	c := newClient(t, addr)
	c.DialTimeout = time.Second
	var sendErr error
	for range 50 { // the listener may not be up yet on the first tries
		if _, sendErr = c.Send(t.Context(), hl7Message("LAS")); sendErr == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sendErr != nil {
		t.Fatalf("Send to ListenAndServe: %v", sendErr)
	}
	cancel()
	if err := waitOrFail(t, done, "ListenAndServe to return"); !errors.Is(err, mllp.ErrServerClosed) {
		t.Fatalf("ListenAndServe returned %v, want ErrServerClosed", err)
	}
}

func TestServerRequiresHandler(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := (&mllp.Server{}).Serve(ln); err == nil {
		t.Fatal("Serve without a Handler succeeded")
	}
}

// isReset reports a connection reset, which some kernels give instead of EOF.
func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && strings.Contains(ne.Err.Error(), "reset")
}
