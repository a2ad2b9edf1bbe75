package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/stack"
)

type role int

const (
	roleWorker role = iota
	roleAPI
)

// runRole runs only the worker or only the API against a configured Temporal server, the shape
// of a production deployment where each role scales on its own.
func runRole(ctx context.Context, r role) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	name := config.RoleWorker
	if r == roleAPI {
		name = config.RoleAPI
	}
	// Split roles talk to real vendors: a vendor left unconfigured is simulated only when
	// SIMULATE lists it, and the API needs its tokens and public URL.
	if err := cfg.ValidateRole(name); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	st, err := stack.Start(ctx, stack.Options{Config: cfg, Logger: logger, NoWorker: r == roleAPI, NoAPI: r == roleWorker})
	if err != nil {
		return err
	}
	defer st.Close()
	if r == roleWorker && cfg.WorkerMetricsAddr != "" {
		stopMetrics, err := serveWorkerMetrics(cfg.WorkerMetricsAddr, st.Metrics, logger)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	logger.Info("careflow started", "role", map[role]string{roleWorker: "worker", roleAPI: "api"}[r], "api", st.APIURL)
	<-ctx.Done()
	return nil
}
