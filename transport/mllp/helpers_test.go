package mllp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/transport/mllp"
)

// hl7Message builds a small ORU^R01 with the given control id (MSH-10).
func hl7Message(controlID string) []byte {
	return []byte("MSH|^~\\&|LIS|LAB|CAREFLOW|HOSP|20240101120000||ORU^R01^ORU_R01|" + controlID + "|P|2.5.1\r" +
		"PID|1||12345^^^HOSP^MR\r" +
		"OBR|1|ORD-" + controlID + "|FIL1|2823-3^Potassium^LN\r" +
		"OBX|1|NM|2823-3^Potassium^LN||4.2|mmol/L|3.5-5.1|N|||F")
}

// controlID returns MSH-10, or "" when msg does not start with an MSH segment.
func controlID(msg []byte) string {
	seg, _, _ := bytes.Cut(msg, []byte{'\r'})
	if !bytes.HasPrefix(seg, []byte("MSH|")) {
		return ""
	}
	fields := strings.Split(string(seg), "|")
	if len(fields) < 10 {
		return ""
	}
	return fields[9]
}

// ackFor formats an ACK by plain string building, as the brief asks: AA for a
// message with MSH-10, AR with an ERR segment otherwise.
func ackFor(msg []byte) []byte {
	id := controlID(msg)
	code, errSeg := "AA", ""
	if id == "" {
		code, errSeg = "AR", "\rERR|||100^Segment sequence error^HL70357|E"
	}
	return []byte(fmt.Sprintf("MSH|^~\\&|CAREFLOW|HOSP|LIS|LAB|20240101120001||ACK^R01^ACK|ACK-%s|P|2.5.1\rMSA|%s|%s%s", id, code, id, errSeg))
}

// msa returns MSA-1 and MSA-2 of an ACK.
func msa(ack []byte) (code, ref string) {
	for _, seg := range strings.Split(string(ack), "\r") {
		if f := strings.Split(seg, "|"); f[0] == "MSA" && len(f) >= 3 {
			return f[1], f[2]
		}
	}
	return "", ""
}

// echoHandler answers every message with ackFor.
var echoHandler = mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte { return ackFor(msg) })

// startServer serves srv on a free loopback port and shuts it down in Cleanup.
func startServer(t testing.TB, srv *mllp.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, mllp.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

// newClient returns a client for addr that is closed in Cleanup.
func newClient(t testing.TB, addr string) *mllp.Client {
	t.Helper()
	c := &mllp.Client{Addr: addr, DialTimeout: 5 * time.Second, AckTimeout: 10 * time.Second}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// syncBuffer is a goroutine-safe log sink for checking that logs hold no PHI.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// frame wraps s in MLLP block characters.
func frame(s string) []byte { return []byte("\x0b" + s + "\x1c\r") }

// waitOrFail receives from ch or fails the test after a generous deadline;
// the deadline only guards against hangs, it asserts nothing about speed.
func waitOrFail[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
