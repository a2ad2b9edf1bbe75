package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/pgtemporal"
)

// Temporal servers `careflow run -temporal` can start.
const (
	temporalDev      = "dev"
	temporalPostgres = "postgres"
)

// startPostgresIfAsked parses run's flags; with -temporal postgres it starts the Temporal
// server on PostgreSQL and its Web UI (temporal-pg/, `make run-postgres`), points cfg at
// them and returns the running server. It returns nil for the default dev server.
func startPostgresIfAsked(ctx context.Context, args []string, cfg *config.Config, codecSecret string, logger *slog.Logger) (*pgtemporal.Server, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	kind := fs.String("temporal", temporalDev, "Temporal server to start: dev (SQLite dev server with Web UI, unless "+
		"TEMPORAL_ADDRESS is set) or postgres (server on PostgreSQL and Web UI server, built by temporal-pg/)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch *kind {
	case temporalDev:
		return nil, nil
	case temporalPostgres:
	default:
		return nil, fmt.Errorf("-temporal %q: want %s or %s", *kind, temporalDev, temporalPostgres)
	}
	if os.Getenv("TEMPORAL_ADDRESS") != "" {
		return nil, errors.New("-temporal postgres starts its own server: unset TEMPORAL_ADDRESS")
	}
	logs, err := openLogs(cfg.DataDir, "temporal-postgres.log", "temporal-ui.log")
	if err != nil {
		return nil, err
	}
	srv, err := pgtemporal.Start(ctx, pgtemporal.Options{
		Namespace: cfg.TemporalNamespace,
		// The Web UI has no login here; like the dev server's, it reaches the codec through
		// this run's secret path, accepted only from its origin on a loopback API.
		UICodecEndpoint: "http://" + cfg.APIAddr + "/codec/" + codecSecret,
		LogWriter:       logs[0],
		UILogWriter:     logs[1],
	})
	if err != nil {
		return nil, err
	}
	cfg.TemporalAddress, cfg.TemporalUIURL = srv.Address(), srv.UIURL()
	logger.Info("temporal: server on PostgreSQL started", "address", srv.Address(), "ui", srv.UIURL(),
		"log", filepath.Join(cfg.DataDir, "temporal-postgres.log"))
	return srv, nil
}

// stopPostgres stops the server after the engine, which the deferred calls in runAll order.
func stopPostgres(srv *pgtemporal.Server, logger *slog.Logger) {
	if err := srv.Stop(); err != nil {
		logger.Warn("temporal server on PostgreSQL stop", "err", err)
	}
}

// openLogs opens (appending) one log file per name in dir.
func openLogs(dir string, names ...string) ([]*os.File, error) {
	var fs []*os.File
	for _, n := range names {
		f, err := os.OpenFile(filepath.Join(dir, n), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}
