package main

import (
	"context"
	"fmt"
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
	if cfg.Stripe.Simulated() {
		// Simulators live in one process with the API that receives their webhooks; split roles
		// talk to real vendor endpoints.
		return fmt.Errorf("the worker and api commands need vendor configuration (STRIPE_BASE_URL, ...); use `careflow run` for simulators")
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	st, err := stack.Start(ctx, stack.Options{Config: cfg, Logger: logger, NoWorker: r == roleAPI, NoAPI: r == roleWorker})
	if err != nil {
		return err
	}
	defer st.Close()
	logger.Info("careflow started", "role", map[role]string{roleWorker: "worker", roleAPI: "api"}[r], "api", st.APIURL)
	<-ctx.Done()
	return nil
}
