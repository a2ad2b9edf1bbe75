// Package testenv gives tests of other packages a real Temporal dev server,
// run from the binary the project builds (.bin/temporal), so nothing is
// downloaded and tests exercise the same server as `make run`.
package testenv

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/internal/devserver"
)

// startTimeout bounds the SDK's own wait for the frontend (it polls for up to a minute).
const startTimeout = 2 * time.Minute

// Options configures StartTemporalWith.
type Options struct {
	// Client configures the returned client (DataConverter, Interceptors, Namespace...).
	// HostPort is normally left empty so the SDK picks a free port.
	Client client.Options
	// SearchAttributes are registered on the server at start-up.
	SearchAttributes temporal.SearchAttributes
	// ExtraArgs are appended to `temporal server start-dev`, e.g.
	// "--dynamic-config-value", "KEY=VALUE".
	ExtraArgs []string
	// EnableUI starts the Web UI on a free port; tests rarely need it.
	EnableUI bool
}

// StartTemporal starts a dev server for this test and returns it with a client
// built from opts; both are closed by tb.Cleanup.
func StartTemporal(tb testing.TB, opts client.Options) (*testsuite.DevServer, client.Client) {
	tb.Helper()
	return StartTemporalWith(tb, Options{Client: opts})
}

// StartTemporalWith is StartTemporal with search attributes, extra server
// arguments or the Web UI. A missing binary fails the test; it never skips.
func StartTemporalWith(tb testing.TB, opts Options) (*testsuite.DevServer, client.Client) {
	tb.Helper()
	bin, err := devserver.FindBinary()
	if err != nil {
		tb.Fatalf("testenv: Temporal dev server binary unavailable (run `make temporal`): %v", err)
	}

	co := opts.Client
	if co.Logger == nil {
		// The SDK default logs every worker start at INFO to stdout; warnings
		// and errors are what a test reader needs.
		co.Logger = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr,
			&slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	// Server output is kept and shown only when the test fails.
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     bin,
		ClientOptions:    &co,
		LogLevel:         "error",
		EnableUI:         opts.EnableUI,
		SearchAttributes: opts.SearchAttributes,
		ExtraArgs:        slices.Concat(devserver.SinglePartitionArgs, devserver.EagerActivityArgs, opts.ExtraArgs),
		Stdout:           out,
		Stderr:           out,
	})
	if err != nil {
		tb.Fatalf("testenv: start Temporal dev server %s: %v\n%s", bin, err, out.String())
	}
	c := srv.Client()
	tb.Cleanup(func() {
		c.Close()
		if err := srv.Stop(); err != nil {
			tb.Errorf("testenv: stop Temporal dev server: %v", err)
		}
		if tb.Failed() && out.Len() > 0 {
			tb.Logf("testenv: Temporal dev server output:\n%s", out.String())
		}
	})
	return srv, c
}

// syncBuffer is a bytes.Buffer safe for the SDK's stdout and stderr copiers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Len returns the number of bytes written so far.
func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
