package stack

import (
	"net/http"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/workers"
)

// startCheckIn builds the EHR, clearinghouse and Twilio clients and the check-in activities,
// registers the check-in worker and sets the API's check-in defaults and Twilio settings.
func (s *Stack) startCheckIn() error {
	cfg := s.Config
	var acts workers.CheckInActivities

	// EHR over FHIR R4 with SMART Backend Services; the simulator registered its own key.
	key := s.fhirKey
	if key == nil {
		var err error
		if key, err = fhir.LoadPrivateKey(cfg.FHIR.PrivateKeyFile); err != nil {
			return err
		}
		s.logger.Info("ehr: FHIR endpoint from FHIR_BASE_URL", "url", cfg.FHIR.BaseURL)
	}
	fc, err := fhir.New(fhir.Config{BaseURL: cfg.FHIR.BaseURL, TokenURL: cfg.FHIR.TokenURL, ClientID: cfg.FHIR.ClientID,
		PrivateKey: key, HTTPClient: &http.Client{Timeout: 15 * time.Second}})
	if err != nil {
		return err
	}
	s.fhirClient = fc
	acts.EHR = &ehr.Activities{FHIR: fc, Records: s.Store, Now: time.Now,
		Payers: ehr.PayerCrosswalk{IDSystem: cfg.CheckInPayerIDSystem, IDs: cfg.CheckInPayerCrosswalk}}

	// Clearinghouse over CAQH CORE real-time; the simulator is a test partner (usage T).
	ch := clearinghouse.New(clearinghouse.Config{BaseURL: cfg.Clearinghouse.BaseURL, Username: cfg.Clearinghouse.Username,
		Password: cfg.Clearinghouse.Password, SenderID: cfg.Clearinghouse.SenderID, ReceiverID: cfg.Clearinghouse.ReceiverID,
		HTTPClient: &http.Client{Timeout: 25 * time.Second}})
	usage := byte('P')
	if s.CHSim != nil {
		usage = 'T'
	}
	acts.Eligibility = &eligibility.Activities{Clearinghouse: ch, Records: s.Store, Now: time.Now,
		Envelope: x12.Envelope{SenderQualifier: "ZZ", SenderID: cfg.Clearinghouse.SenderID, ReceiverQualifier: "ZZ",
			ReceiverID: cfg.Clearinghouse.ReceiverID, Usage: usage}}

	// Twilio SMS; delivery statuses come back to the engine's webhook.
	callback := s.APIURL + "/webhooks/twilio"
	if cfg.Twilio.PublicURL != "" {
		callback = cfg.Twilio.PublicURL + "/webhooks/twilio"
	}
	tc, err := twilio.New(twilio.Config{BaseURL: cfg.Twilio.BaseURL, AccountSID: cfg.Twilio.AccountSID,
		AuthToken: cfg.Twilio.AuthToken, From: cfg.Twilio.From, StatusCallback: callback})
	if err != nil {
		return err
	}
	acts.SMS = &sms.Activities{SMS: tc, Records: s.Store}

	s.checkinActs = acts
	s.instrument(acts.EHR, acts.Eligibility, acts.SMS)
	s.addWorker(func() worker.Worker {
		return workers.NewCheckInWorker(s.Temporal, acts, frontDeskOptions(s.wopts, s.Config.Worker))
	})
	s.deps.TwilioAuthToken = cfg.Twilio.AuthToken
	s.deps.PublicURL = cfg.Twilio.PublicURL
	s.deps.CheckInDefaults = api.CheckInDefaults{
		PayerWindow:      cfg.CheckInPayerWindow,
		AttentionTimeout: cfg.CheckInAttentionTimeout,
		WindowBefore:     cfg.CheckInWindowBefore,
		WindowAfter:      cfg.CheckInWindowAfter,
		ProviderNPI:      cfg.ProviderNPI,
		ProviderName:     cfg.ProviderName,
	}
	return nil
}
