package stack

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/config"
)

// allVendors are the vendors SIMULATE may list, each with the variable that configures it.
var allVendors = map[string]string{
	"stripe": "STRIPE_BASE_URL", "fhir": "FHIR_BASE_URL", "clearinghouse": "CLEARINGHOUSE_BASE_URL",
	"twilio": "TWILIO_BASE_URL", "lis": "LIS_MLLP_ADDR", "pharmacy": "PHARMACY_BASE_URL",
	"pms": "PMS_BASE_URL", "smtp": "SMTP_ADDR",
}

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
	for vendor, variable := range allVendors {
		cfg.Simulate = nil
		for v := range allVendors {
			if v != vendor {
				cfg.Simulate = append(cfg.Simulate, v)
			}
		}
		s = &Stack{Config: cfg}
		if err := s.checkSimulators(context.Background()); err == nil || !strings.Contains(err.Error(), variable) {
			t.Errorf("SIMULATE without %s: %v, want an error naming %s", vendor, err, variable)
		}
	}
	cfg.Simulate = nil
	for v := range allVendors {
		cfg.Simulate = append(cfg.Simulate, v)
	}
	s = &Stack{Config: cfg}
	if err := s.checkSimulators(context.Background()); err != nil {
		t.Fatalf("every vendor in SIMULATE: %v", err)
	}
}

// Every simulator, the pharmacy network, PMS and SMTP included, starts in startSimulators,
// points the configuration at itself, and stops in closeSimulators.
func TestSimulatorsStartAndStopInOnePlace(t *testing.T) {
	s := &Stack{opts: Options{SimulateUnconfigured: true}, logger: slog.New(slog.DiscardHandler)}
	if err := s.startSimulators(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.closeSimulators()
	if len(simulators) != len(allVendors) {
		t.Errorf("%d simulators, want one per SIMULATE vendor (%d)", len(simulators), len(allVendors))
	}
	for _, sim := range simulators {
		if allVendors[sim.vendor] != sim.variable {
			t.Errorf("simulator %s configures %s, want %s", sim.vendor, sim.variable, allVendors[sim.vendor])
		}
		if sim.unconfigured(s.Config) {
			t.Errorf("%s is still unconfigured after startSimulators", sim.vendor)
		}
	}
	if s.PharmacySim == nil || s.Config.Pharmacy.BaseURL != s.PharmacySim.URL || s.Config.Pharmacy.WebhookSecret == "" {
		t.Errorf("pharmacy: %+v", s.Config.Pharmacy)
	}
	if s.PMSSim == nil || s.Config.Appointments.PMSBaseURL != s.PMSSim.URL || s.Config.Appointments.PMSWebhookSecret == "" {
		t.Errorf("pms: base URL %q", s.Config.Appointments.PMSBaseURL)
	}
	if s.SMTPSim() == nil || s.Config.SMTP.Addr != s.SMTPSim().SMTPAddr || s.Config.SMTP.From == "" {
		t.Errorf("smtp: %+v", s.Config.SMTP)
	}
	s.closeSimulators()
	if s.StripeSim != nil || s.EHRSim != nil || s.CHSim != nil || s.TwilioSim != nil || s.LISSim != nil ||
		s.PharmacySim != nil || s.PMSSim != nil || s.SMTPSim() != nil {
		t.Error("closeSimulators left a simulator behind")
	}
}
