package stack

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/lissim"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/internal/sim/smtpsim"
	"github.com/careflow/engine/internal/sim/stripesim"
	"github.com/careflow/engine/internal/sim/twiliosim"
)

// simClientID is the SMART client the engine registers with the built-in EHR simulator.
const simClientID = "careflow"

// simulator is one vendor's built-in stand-in.
type simulator struct {
	vendor, variable string
	unconfigured     func(config.Config) bool
	start            func(*Stack) error
}

// simulators are every vendor the engine can simulate, in start order.
var simulators = []simulator{
	{"stripe", "STRIPE_BASE_URL", func(c config.Config) bool { return c.Stripe.Simulated() }, (*Stack).simulateStripe},
	{"fhir", "FHIR_BASE_URL", func(c config.Config) bool { return c.FHIR.Simulated() }, (*Stack).simulateEHR},
	{"clearinghouse", "CLEARINGHOUSE_BASE_URL", func(c config.Config) bool { return c.Clearinghouse.Simulated() }, (*Stack).simulateClearinghouse},
	{"twilio", "TWILIO_BASE_URL", func(c config.Config) bool { return c.Twilio.Simulated() }, (*Stack).simulateTwilio},
	{"lis", "LIS_MLLP_ADDR", func(c config.Config) bool { return c.LISMLLPAddr == "" }, (*Stack).simulateLIS},
	{"pharmacy", "PHARMACY_BASE_URL", func(c config.Config) bool { return c.Pharmacy.Simulated() }, (*Stack).simulatePharmacy},
	{"pms", "PMS_BASE_URL", func(c config.Config) bool { return c.Appointments.PMSSimulated() }, (*Stack).simulatePMS},
	{"smtp", "SMTP_ADDR", func(c config.Config) bool { return c.SMTP.Simulated() }, (*Stack).simulateSMTP},
}

// checkSimulators refuses, before anything starts, an unconfigured vendor that may not be
// simulated: only Options.SimulateUnconfigured (run, the load generator, the end-to-end
// tests) or the vendor's name in SIMULATE allows a simulator.
func (s *Stack) checkSimulators(context.Context) error {
	for _, sim := range simulators {
		if sim.unconfigured(s.Config) && !s.opts.SimulateUnconfigured && !slices.Contains(s.Config.Simulate, sim.vendor) {
			return fmt.Errorf("%s is not configured: set %s, or list %s in SIMULATE", sim.vendor, sim.variable, sim.vendor)
		}
	}
	return nil
}

// startSimulators serves each unconfigured vendor with its built-in simulator and points the
// configuration at it, so the areas build the same clients for simulator and vendor.
func (s *Stack) startSimulators(context.Context) error {
	for _, sim := range simulators {
		if sim.unconfigured(s.Config) {
			if err := sim.start(s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Stack) simulateStripe() error {
	cfg := &s.Config.Stripe
	cfg.SecretKey = "sk_test_simulator"
	cfg.WebhookSecret = "whsec_" + randomHex(24)
	opts := stripesim.Options{SecretKey: cfg.SecretKey, WebhookSecret: cfg.WebhookSecret, WebhookURL: s.APIURL + "/webhooks/stripe"}
	if s.opts.PersistSimulators {
		opts.StateFile = filepath.Join(s.Config.DataDir, "stripe-sim.json")
	}
	var err error
	if s.StripeSim, err = stripesim.Start(opts); err != nil {
		return fmt.Errorf("stripe simulator: %w", err)
	}
	cfg.BaseURL = s.StripeSim.URL
	s.logger.Info("stripe: built-in simulator (STRIPE_BASE_URL unset)", "url", s.StripeSim.URL)
	return nil
}

// simulateEHR starts the FHIR simulator seeded with today's appointments, a lived-in chart and
// one MedicationRequest per pharmacy network scenario, and registers a fresh SMART client key
// with it.
func (s *Stack) simulateEHR() error {
	cfg := &s.Config.FHIR
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if s.EHRSim, err = ehrsim.Start(ehrsim.Options{}); err != nil {
		return fmt.Errorf("ehr simulator: %w", err)
	}
	if err := s.EHRSim.Sim.RegisterClient(simClientID, rk.Public()); err != nil {
		return err
	}
	now := time.Now()
	if err := s.EHRSim.Sim.Seed(append(ehrsim.DefaultSeedAt(now), ehrsim.LivedInSeed(now)...)...); err != nil {
		return err
	}
	if err := s.EHRSim.Sim.Seed(ehrsim.PrescriptionSeed()...); err != nil {
		return err
	}
	s.fhirKey = rk
	cfg.BaseURL, cfg.TokenURL, cfg.ClientID = s.EHRSim.FHIRBaseURL, s.EHRSim.TokenURL, simClientID
	if s.Config.Appointments.FHIRWebhookSecret == "" {
		s.Config.Appointments.FHIRWebhookSecret = randomHex(24)
	}
	// The simulated EHR notifies /webhooks/fhir of every Appointment change, signed with the
	// secret, in each shape real servers use in turn (Medplum's resource, Backport id-only and
	// full-resource Bundles), so a run shows the EHR -> PMS sync live.
	s.EHRSim.Sim.Subscribe(ehrsim.Subscription{URL: s.APIURL + "/webhooks/fhir", Secret: []byte(s.Config.Appointments.FHIRWebhookSecret),
		Shapes: []string{ehrsim.ShapeResource, ehrsim.ShapeIDOnly, ehrsim.ShapeFullResource}})
	s.logger.Info("ehr: built-in FHIR simulator (FHIR_BASE_URL unset)", "url", cfg.BaseURL)
	return nil
}

func (s *Stack) simulateClearinghouse() error {
	cfg := &s.Config.Clearinghouse
	cfg.Username, cfg.Password = "careflow", randomHex(16)
	var err error
	if s.CHSim, err = chsim.Start(chsim.Options{Username: cfg.Username, Password: cfg.Password}); err != nil {
		return fmt.Errorf("clearinghouse simulator: %w", err)
	}
	cfg.BaseURL = s.CHSim.BaseURL()
	s.logger.Info("clearinghouse: built-in CAQH CORE simulator (CLEARINGHOUSE_BASE_URL unset)", "url", cfg.BaseURL)
	return nil
}

// simulateTwilio starts the SMS simulator; replies typed into it reach the engine's webhook.
func (s *Stack) simulateTwilio() error {
	cfg := &s.Config.Twilio
	var err error
	if s.TwilioSim, err = twiliosim.Start(twiliosim.Options{}); err != nil {
		return fmt.Errorf("twilio simulator: %w", err)
	}
	cfg.BaseURL, cfg.AccountSID = s.TwilioSim.URL, s.TwilioSim.Sim.AccountSID()
	cfg.AuthToken, cfg.From = s.TwilioSim.Sim.AuthToken(), "+15005550006"
	s.TwilioSim.Sim.SetInboundURL(s.APIURL + "/webhooks/twilio")
	s.logger.Info("twilio: built-in simulator (TWILIO_BASE_URL unset)", "url", cfg.BaseURL)
	return nil
}

// simulateLIS starts the HL7/MLLP lab simulator; it sends its results to the engine's
// listener, bound by bindMLLP.
func (s *Stack) simulateLIS() error {
	var err error
	if s.LISSim, err = lissim.Start(lissim.Options{EngineAddr: s.MLLPAddr, ResultDelay: 2 * time.Second}); err != nil {
		return fmt.Errorf("lis simulator: %w", err)
	}
	s.Config.LISMLLPAddr = s.LISSim.Addr
	s.logger.Info("lis: built-in HL7/MLLP simulator (LIS_MLLP_ADDR unset)", "addr", s.Config.LISMLLPAddr)
	return nil
}

// simulatePharmacy starts the NCPDP SCRIPT network simulator; its pharmacy-initiated messages
// reach the engine's /webhooks/pharmacy.
func (s *Stack) simulatePharmacy() error {
	cfg := &s.Config.Pharmacy
	var err error
	if s.PharmacySim, err = pharmsim.Start(pharmsim.Options{WebhookURL: s.APIURL + "/webhooks/pharmacy"}); err != nil {
		return fmt.Errorf("pharmacy simulator: %w", err)
	}
	cfg.BaseURL, cfg.WebhookSecret = s.PharmacySim.URL, s.PharmacySim.Sim.WebhookSecret()
	s.logger.Info("pharmacy: built-in NCPDP SCRIPT network simulator (PHARMACY_BASE_URL unset)", "url", cfg.BaseURL)
	return nil
}

// simulatePMS starts the practice-management simulator; its webhooks reach the engine's
// /webhooks/pms, signed with PMS_WEBHOOK_SECRET or a fresh secret.
func (s *Stack) simulatePMS() error {
	cfg := &s.Config.Appointments
	if cfg.PMSWebhookSecret == "" {
		cfg.PMSWebhookSecret = randomHex(24)
	}
	var err error
	if s.PMSSim, err = pmssim.Start(pmssim.Options{Secret: cfg.PMSWebhookSecret, WebhookURL: s.APIURL + "/webhooks/pms"}); err != nil {
		return fmt.Errorf("pms simulator: %w", err)
	}
	cfg.PMSBaseURL = s.PMSSim.URL
	s.logger.Info("pms: built-in practice-management simulator (PMS_BASE_URL unset)", "url", cfg.PMSBaseURL)
	return nil
}

// simulateSMTP starts the SMTP simulator, which keeps the mail it receives for GET /messages.
func (s *Stack) simulateSMTP() error {
	sim, err := smtpsim.Start(smtpsim.Options{})
	if err != nil {
		return fmt.Errorf("smtp simulator: %w", err)
	}
	s.smtpSim = sim
	s.Config.SMTP.Addr, s.Config.SMTP.From = sim.SMTPAddr, "notifications@careflow.invalid"
	s.logger.Info("smtp: built-in simulator (SMTP_ADDR unset)", "smtp", sim.SMTPAddr, "messages", sim.URL+"/messages")
	return nil
}

// closeSimulators stops every simulator Start started.
func (s *Stack) closeSimulators() {
	closeSim(&s.StripeSim)
	closeSim(&s.EHRSim)
	closeSim(&s.CHSim)
	closeSim(&s.TwilioSim)
	closeSim(&s.LISSim)
	closeSim(&s.PharmacySim)
	closeSim(&s.PMSSim)
	closeSim(&s.smtpSim)
}

// closeSim closes the simulator *p, if one was started, and forgets it.
func closeSim[S interface {
	comparable
	Close()
}](p *S) {
	var none S
	if *p != none {
		(*p).Close()
		*p = none
	}
}
