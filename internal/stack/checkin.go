package stack

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"time"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/twiliosim"
	"github.com/careflow/engine/workers"
)

// simClientID is the SMART client the engine registers with the built-in EHR simulator.
const simClientID = "careflow"

// startCheckInVendors builds the EHR, clearinghouse and Twilio clients, starting a simulator for
// each vendor left unconfigured, and returns the check-in activities.
func (s *Stack) startCheckInVendors() (workers.CheckInActivities, error) {
	cfg := &s.Config
	var acts workers.CheckInActivities

	// EHR over FHIR R4 with SMART Backend Services.
	var key crypto.Signer
	var err error
	if cfg.FHIR.Simulated() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return acts, err
		}
		key = rk
		if s.EHRSim, err = ehrsim.Start(ehrsim.Options{}); err != nil {
			return acts, fmt.Errorf("ehr simulator: %w", err)
		}
		if err := s.EHRSim.Sim.RegisterClient(simClientID, rk.Public()); err != nil {
			return acts, err
		}
		now := time.Now()
		if err := s.EHRSim.Sim.Seed(append(ehrsim.DefaultSeedAt(now), ehrsim.LivedInSeed(now)...)...); err != nil {
			return acts, err
		}
		cfg.FHIR.BaseURL, cfg.FHIR.TokenURL, cfg.FHIR.ClientID = s.EHRSim.FHIRBaseURL, s.EHRSim.TokenURL, simClientID
		s.logger.Info("ehr: built-in FHIR simulator (FHIR_BASE_URL unset)", "url", cfg.FHIR.BaseURL)
	} else {
		if key, err = fhir.LoadPrivateKey(cfg.FHIR.PrivateKeyFile); err != nil {
			return acts, err
		}
		s.logger.Info("ehr: FHIR endpoint from FHIR_BASE_URL", "url", cfg.FHIR.BaseURL)
	}
	fc, err := fhir.New(fhir.Config{BaseURL: cfg.FHIR.BaseURL, TokenURL: cfg.FHIR.TokenURL, ClientID: cfg.FHIR.ClientID,
		PrivateKey: key, HTTPClient: &http.Client{Timeout: 15 * time.Second}})
	if err != nil {
		return acts, err
	}
	s.fhirClient = fc
	acts.EHR = &ehr.Activities{FHIR: fc, Records: s.Store, Now: time.Now,
		Payers: ehr.PayerCrosswalk{IDSystem: cfg.CheckInPayerIDSystem, IDs: cfg.CheckInPayerCrosswalk}}

	// Clearinghouse over CAQH CORE real-time.
	if cfg.Clearinghouse.Simulated() {
		cfg.Clearinghouse.Username, cfg.Clearinghouse.Password = "careflow", randomHex(16)
		if s.CHSim, err = chsim.Start(chsim.Options{Username: cfg.Clearinghouse.Username, Password: cfg.Clearinghouse.Password}); err != nil {
			return acts, fmt.Errorf("clearinghouse simulator: %w", err)
		}
		cfg.Clearinghouse.BaseURL = s.CHSim.BaseURL()
		s.logger.Info("clearinghouse: built-in CAQH CORE simulator (CLEARINGHOUSE_BASE_URL unset)", "url", cfg.Clearinghouse.BaseURL)
	}
	ch := clearinghouse.New(clearinghouse.Config{BaseURL: cfg.Clearinghouse.BaseURL, Username: cfg.Clearinghouse.Username,
		Password: cfg.Clearinghouse.Password, SenderID: cfg.Clearinghouse.SenderID, ReceiverID: cfg.Clearinghouse.ReceiverID,
		HTTPClient: &http.Client{Timeout: 25 * time.Second}})
	usage := byte('P')
	if cfg.Clearinghouse.Simulated() {
		usage = 'T'
	}
	acts.Eligibility = &eligibility.Activities{Clearinghouse: ch, Records: s.Store, Now: time.Now,
		Envelope: x12.Envelope{SenderQualifier: "ZZ", SenderID: cfg.Clearinghouse.SenderID, ReceiverQualifier: "ZZ",
			ReceiverID: cfg.Clearinghouse.ReceiverID, Usage: usage}}

	// Twilio SMS.
	if cfg.Twilio.Simulated() {
		if s.TwilioSim, err = twiliosim.Start(twiliosim.Options{}); err != nil {
			return acts, fmt.Errorf("twilio simulator: %w", err)
		}
		cfg.Twilio.BaseURL, cfg.Twilio.AccountSID = s.TwilioSim.URL, s.TwilioSim.Sim.AccountSID()
		cfg.Twilio.AuthToken, cfg.Twilio.From = s.TwilioSim.Sim.AuthToken(), "+15005550006"
		s.TwilioSim.Sim.SetInboundURL(s.APIURL + "/webhooks/twilio")
		s.logger.Info("twilio: built-in simulator (TWILIO_BASE_URL unset)", "url", cfg.Twilio.BaseURL)
	}
	callback := s.APIURL + "/webhooks/twilio"
	if cfg.Twilio.PublicURL != "" {
		callback = cfg.Twilio.PublicURL + "/webhooks/twilio"
	}
	tc, err := twilio.New(twilio.Config{BaseURL: cfg.Twilio.BaseURL, AccountSID: cfg.Twilio.AccountSID,
		AuthToken: cfg.Twilio.AuthToken, From: cfg.Twilio.From, StatusCallback: callback})
	if err != nil {
		return acts, err
	}
	acts.SMS = &sms.Activities{SMS: tc, Records: s.Store}
	return acts, nil
}
