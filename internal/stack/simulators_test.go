package stack

import (
	"context"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/config"
)

// Without SimulateUnconfigured (the worker and api roles) an unconfigured vendor is simulated
// only when SIMULATE lists it; the start stops before anything runs and names the variable.
func TestUnconfiguredVendorNeedsPermissionToBeSimulated(t *testing.T) {
	cfg := config.Config{DataDir: t.TempDir(), Simulate: []string{"stripe", "fhir", "clearinghouse", "lis"}}
	_, err := Start(context.Background(), Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "TWILIO_BASE_URL") {
		t.Fatalf("Start = %v, want an error naming TWILIO_BASE_URL", err)
	}
	s := &Stack{Config: cfg, opts: Options{SimulateUnconfigured: true}}
	if err := s.checkSimulators(context.Background()); err != nil {
		t.Fatalf("SimulateUnconfigured: %v", err)
	}
	cfg.Simulate = append(cfg.Simulate, "twilio")
	s = &Stack{Config: cfg}
	if err := s.checkSimulators(context.Background()); err != nil {
		t.Fatalf("every vendor in SIMULATE: %v", err)
	}
}
