package testenv

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/careflow/engine/internal/pgtemporal"
)

// PostgresAdminURL is the machine's PostgreSQL (trust auth) the PostgreSQL-backed Temporal
// tests create their databases in.
const PostgresAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresOptions configures StartPostgresTemporal.
type PostgresOptions struct {
	// UI starts the Web UI server on a free port as well.
	UI bool
	// UICodecEndpoint is the codec the Web UI decodes payloads with.
	UICodecEndpoint string
}

// StartPostgresTemporal creates two fresh databases (careflow_temporal_t<random> and its
// _visibility twin) with temporal-pg/setup.sh, starts the Temporal server built by
// temporal-pg/build.sh on them with free loopback ports, and returns it with a client that
// has no payload codec (it sees what the server stores). Cleanup stops the server and drops
// both databases. Missing binaries or an unreachable PostgreSQL fail the test.
func StartPostgresTemporal(tb testing.TB, opts PostgresOptions) (*pgtemporal.Server, client.Client) {
	tb.Helper()
	pg := NewPostgresDatabases(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := pgtemporal.Setup(ctx, "", pg); err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	ports, err := pgtemporal.FreePorts()
	if err != nil {
		tb.Fatalf("testenv: free ports: %v", err)
	}
	if !opts.UI {
		ports.UI = 0
	}
	out, uiOut := &syncBuffer{}, &syncBuffer{}
	srv, err := pgtemporal.Start(ctx, pgtemporal.Options{Postgres: pg, Ports: ports,
		UICodecEndpoint: opts.UICodecEndpoint, LogWriter: out, UILogWriter: uiOut})
	if err != nil {
		tb.Fatalf("testenv: start Temporal on PostgreSQL: %v", err)
	}
	// Registered after the databases' cleanup, so it runs first: the server stops before
	// its databases are dropped.
	tb.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			tb.Errorf("testenv: stop Temporal on PostgreSQL: %v", err)
		}
		if tb.Failed() {
			tb.Logf("testenv: Temporal server output:\n%s", lastN(out.String(), 20000))
			tb.Logf("testenv: Temporal UI server output:\n%s", lastN(uiOut.String(), 5000))
		}
	})
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(),
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))})
	if err != nil {
		tb.Fatalf("testenv: dial Temporal on PostgreSQL: %v", err)
	}
	tb.Cleanup(c.Close)
	return srv, c
}

// NewPostgresDatabases picks two unused database names on the machine's PostgreSQL, drops
// them (with any connection left) when tb ends, and returns where they are. The databases
// themselves are created by temporal-pg/setup.sh.
func NewPostgresDatabases(tb testing.TB) pgtemporal.Postgres {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, PostgresAdminURL)
	if err != nil {
		tb.Fatalf("testenv: PostgreSQL not reachable at 127.0.0.1:5432: %v", err)
	}
	_ = conn.Close(ctx)
	pg, drop := pgtemporal.FreshDatabases("careflow_temporal_t")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			tb.Errorf("testenv: drop test databases: %v", err)
		}
	})
	return pg
}

func lastN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
