package mllp_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/transport/mllp"
)

// refusals counts Hooks.Refused calls by reason.
type refusals struct {
	mu sync.Mutex
	n  map[string]int
	ch chan string
}

func newRefusals() *refusals { return &refusals{n: map[string]int{}, ch: make(chan string, 4096)} }

func (r *refusals) hook(_, reason string) {
	r.mu.Lock()
	r.n[reason]++
	r.mu.Unlock()
	r.ch <- reason
}

func (r *refusals) count(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[reason]
}

// readAck reads one framed ACK from a raw connection.
func readAck(t *testing.T, c net.Conn) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	fr := mllp.NewFrameReader(c, 0)
	ack, err := fr.ReadFrame()
	if err != nil {
		t.Fatalf("reading ACK: %v", err)
	}
	return ack
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// A sender that ends its block with FS but no CR used to get no answer at all.
func TestLenientFramingFSWithoutCRThenPause(t *testing.T) {
	addr := startServer(t, &mllp.Server{Handler: echoHandler, LenientFraming: true})
	c := dial(t, addr)
	if _, err := c.Write([]byte("\x0b" + string(hl7Message("NOCR")) + "\x1c")); err != nil {
		t.Fatal(err)
	}
	if code, ref := msa(readAck(t, c)); code != "AA" || ref != "NOCR" {
		t.Fatalf("ACK %s %s", code, ref)
	}
}

func TestLenientFramingFSThenNextVT(t *testing.T) {
	addr := startServer(t, &mllp.Server{Handler: echoHandler, LenientFraming: true})
	c := dial(t, addr)
	if _, err := c.Write([]byte("\x0b" + string(hl7Message("ONE")) + "\x1c\x0b" + string(hl7Message("TWO")) + "\x1c\r")); err != nil {
		t.Fatal(err)
	}
	fr := mllp.NewFrameReader(c, 0)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range []string{"ONE", "TWO"} {
		ack, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if _, ref := msa(ack); ref != want {
			t.Fatalf("ACK for %q, want %q", ref, want)
		}
	}
}

func TestLenientFramingStrayCRLFBetweenFramesIgnored(t *testing.T) {
	var discarded int64
	var mu sync.Mutex
	srv := &mllp.Server{Handler: echoHandler, LenientFraming: true,
		Hooks: mllp.Hooks{BytesDiscarded: func(_ string, n int64) { mu.Lock(); discarded += n; mu.Unlock() }}}
	addr := startServer(t, srv)
	c := dial(t, addr)
	if _, err := c.Write([]byte("\r\n" + string(frame(string(hl7Message("A")))) + "\n\r\n" + string(frame(string(hl7Message("B")))))); err != nil {
		t.Fatal(err)
	}
	fr := mllp.NewFrameReader(c, 0)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range []string{"A", "B"} {
		ack, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if _, ref := msa(ack); ref != want {
			t.Fatalf("ACK %q want %q", ref, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if discarded != 0 {
		t.Fatalf("%d stray CR/LF bytes counted as discarded", discarded)
	}
}

func TestStrictFramingStillDropsFSWithoutCR(t *testing.T) {
	fr := mllp.NewFrameReader(strings.NewReader("\x0bBAD\x1c\x0bGOOD\x1c\r"), 0)
	msg, err := fr.ReadFrame()
	if err != nil || string(msg) != "GOOD" {
		t.Fatalf("%q %v", msg, err)
	}
	lenient := mllp.NewFrameReaderWith(strings.NewReader("\x0bA\x1c\x0bB\x1c\n\x0bC\x1c"), mllp.FrameReaderOptions{Lenient: true})
	for _, want := range []string{"A", "B", "C"} {
		msg, err := lenient.ReadFrame()
		if err != nil || string(msg) != want {
			t.Fatalf("lenient: %q %v, want %q", msg, err, want)
		}
	}
	if _, err := lenient.ReadFrame(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

// A slowloris sender trickles a frame; it is cut at the per-frame deadline
// with a log line naming the peer and the byte count.
func TestSlowlorisCutAtFrameDeadline(t *testing.T) {
	var logs syncBuffer
	ref := newRefusals()
	srv := &mllp.Server{Handler: echoHandler, FrameTimeout: 300 * time.Millisecond, IdleTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Hooks: mllp.Hooks{Refused: ref.hook}}
	addr := startServer(t, srv)
	c := dial(t, addr)
	closed := make(chan error, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := c.Read(make([]byte, 1))
		closed <- err
	}()
	msg := frame(string(hl7Message("SLOW")))
	sent := 0
	for i := 0; i < len(msg)-2; i++ {
		if _, err := c.Write(msg[i : i+1]); err != nil {
			break
		}
		sent++
		select {
		case err := <-closed:
			if err == nil {
				t.Fatal("server answered a trickled frame")
			}
			if got := waitOrFail(t, ref.ch, "refusal"); got != mllp.RefusedFrameTimeout {
				t.Fatalf("reason %q", got)
			}
			line := logs.String()
			if !strings.Contains(line, "frame not completed before the read deadline") ||
				!strings.Contains(line, "peer="+c.LocalAddr().String()) || !strings.Contains(line, "bytes=") {
				t.Fatalf("log: %s", line)
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("connection not cut after %d trickled bytes", sent)
}

func TestIdleTimeoutClosesQuietConnection(t *testing.T) {
	ref := newRefusals()
	addr := startServer(t, &mllp.Server{Handler: echoHandler, IdleTimeout: 200 * time.Millisecond, Hooks: mllp.Hooks{Refused: ref.hook}})
	c := dial(t, addr)
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("idle connection not closed")
	}
	if got := waitOrFail(t, ref.ch, "refusal"); got != mllp.RefusedIdleTimeout {
		t.Fatalf("reason %q", got)
	}
}

// 2,000 idle connections against a limit of 1,000: exactly 1,000 are refused
// and counted, and the server still serves once a slot frees.
func TestTwoThousandIdleConnectionsRefusedPastLimit(t *testing.T) {
	const limit, total = 1000, 2000
	ref := newRefusals()
	var opened sync.WaitGroup
	opened.Add(limit)
	srv := &mllp.Server{Handler: echoHandler, MaxConns: limit,
		Hooks: mllp.Hooks{Refused: ref.hook, ConnOpened: func(string) { opened.Done() }}}
	addr := startServer(t, srv)
	conns := make([]net.Conn, 0, total)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := 0; i < limit; i++ {
		conns = append(conns, dial(t, addr))
	}
	// Wait until the server tracks all of the first thousand before opening more.
	done := make(chan struct{})
	go func() { opened.Wait(); close(done) }()
	waitOrFail(t, done, "the first connections to open")
	for i := limit; i < total; i++ {
		conns = append(conns, dial(t, addr))
	}
	for i := limit; i < total; i++ {
		waitOrFail(t, ref.ch, "a refusal")
	}
	if n := ref.count(mllp.RefusedMaxConns); n != total-limit {
		t.Fatalf("refused %d, want %d", n, total-limit)
	}
	// The refused ones are closed; the accepted ones still work.
	for _, c := range conns[limit:] {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("refused connection still open")
		}
	}
	c := conns[0]
	if _, err := c.Write(frame(string(hl7Message("STILL")))); err != nil {
		t.Fatal(err)
	}
	if _, r := msa(readAck(t, c)); r != "STILL" {
		t.Fatalf("accepted connection answered %q", r)
	}
}

func TestTLSHandshakeDeadline(t *testing.T) {
	serverTLS, _ := selfSignedTLS(t)
	ref := newRefusals()
	addr := startServer(t, &mllp.Server{Handler: echoHandler, TLSConfig: serverTLS, HandshakeTimeout: 200 * time.Millisecond,
		Hooks: mllp.Hooks{Refused: ref.hook}})
	c := dial(t, addr) // plain TCP that never says hello
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("silent TLS peer not cut")
	}
	if got := waitOrFail(t, ref.ch, "refusal"); got != mllp.RefusedTLSHandshake {
		t.Fatalf("reason %q", got)
	}
}

// clientCert issues a client certificate signed by a fresh CA and returns the CA pool too.
func clientCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(10), Subject: pkix.Name{CommonName: "test lab CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(11), Subject: pkix.Name{CommonName: "lab"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestMutualTLSRequiresClientCertificate(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	cert, pool := clientCert(t)
	serverTLS.ClientCAs, serverTLS.ClientAuth = pool, tls.RequireAndVerifyClientCert
	ref := newRefusals()
	addr := startServer(t, &mllp.Server{Handler: echoHandler, TLSConfig: serverTLS, Hooks: mllp.Hooks{Refused: ref.hook}})

	good := newClient(t, addr)
	good.TLSConfig = clientTLS.Clone()
	good.TLSConfig.Certificates = []tls.Certificate{cert}
	if ack, err := good.Send(t.Context(), hl7Message("MTLS")); err != nil {
		t.Fatal(err)
	} else if code, _ := msa(ack); code != "AA" {
		t.Fatalf("code %q", code)
	}

	anon := newClient(t, addr)
	anon.TLSConfig = clientTLS
	if _, err := anon.Send(t.Context(), hl7Message("ANON")); err == nil {
		t.Fatal("client without a certificate was served")
	}
	if got := waitOrFail(t, ref.ch, "refusal"); got != mllp.RefusedTLSHandshake {
		t.Fatalf("reason %q", got)
	}
}

// The npm MLLP clients still interoperate with a lenient, bounded server.
func TestInteropNodeClientToLenientServer(t *testing.T) {
	node := requireNodePeers(t)
	for _, lib := range []string{"node-hl7", "medplum"} {
		t.Run(lib, func(t *testing.T) {
			srv := &mllp.Server{Handler: echoHandler, LenientFraming: true, IdleTimeout: time.Minute, FrameTimeout: 30 * time.Second, MaxConns: 4}
			addr := startServer(t, srv)
			_, port, _ := strings.Cut(addr, ":")
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			file, _ := filepath.Abs(filepath.Join("testdata", "oru_r01.hl7"))
			cmd := exec.CommandContext(ctx, node, "mllp-peer.js", "send", port, file, "--lib", lib)
			cmd.Dir = npmDir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node peer failed: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
			}
			var ev peerEvent
			if err := json.Unmarshal(lastLine(out), &ev); err != nil || ev.MSA1 != "AA" || ev.MSA2 != "ORU-0001" {
				t.Fatalf("node peer printed %s (%v)", out, err)
			}
		})
	}
}

// FuzzLenientFrameReader: a lenient reader never panics or loops, never
// returns a frame holding a block character, and ends at the stream's end.
func FuzzLenientFrameReader(f *testing.F) {
	f.Add([]byte("\x0bA\x1c\x0bB\x1c\n\r\n\x0bC\x1c"))
	f.Add([]byte("\x0b\x1c\x1c\x0b\x0b\r"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr := mllp.NewFrameReaderWith(bytes.NewReader(in), mllp.FrameReaderOptions{Lenient: true, MaxBytes: 64})
		for i := 0; i <= len(in); i++ {
			msg, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if bytes.IndexByte(msg, mllp.StartBlock) >= 0 || bytes.IndexByte(msg, mllp.EndBlock) >= 0 {
				t.Fatalf("frame %q holds a block character", msg)
			}
		}
		t.Fatal("more frames than input bytes")
	})
}

// Over TLS the lenient pause (a read deadline) must not break the connection for the next frame.
func TestLenientFramingPauseOverTLS(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	addr := startServer(t, &mllp.Server{Handler: echoHandler, TLSConfig: serverTLS, LenientFraming: true})
	c, err := tls.Dial("tcp", addr, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range []string{"T1", "T2"} {
		if _, err := c.Write([]byte("\x0b" + string(hl7Message(id)) + "\x1c")); err != nil {
			t.Fatal(err)
		}
		if _, ref := msa(readAck(t, c)); ref != id {
			t.Fatalf("ACK %q want %q", ref, id)
		}
	}
}
