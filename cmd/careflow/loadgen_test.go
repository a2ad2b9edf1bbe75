package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestLoadgenOnPostgresTemporal runs a small standalone load against the Temporal server on
// PostgreSQL (issue 13: the load generator uses the production topology, not only the dev
// server). The run fails when any payment or baseline flow fails. `make test` sets the gate
// once it has built the server.
func TestLoadgenOnPostgresTemporal(t *testing.T) {
	if os.Getenv("CAREFLOW_E2E_POSTGRES") == "" {
		t.Skip("CAREFLOW_E2E_POSTGRES unset: `make test` runs this against the Temporal server on PostgreSQL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t.Setenv("DATA_DIR", t.TempDir())
	err := runLoadgen(ctx, []string{"-standalone", "-temporal", "postgres", "-n", "4", "-c", "2",
		"-checkins", "2", "-mllp", "6", "-mllp-conns", "2", "-settle", "5s"})
	if err != nil {
		t.Fatal(err)
	}
}
