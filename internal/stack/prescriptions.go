package stack

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/ehr"
	pharmacyact "github.com/careflow/engine/activities/pharmacy"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/workers"
)

// startPrescriptions connects to the pharmacy network (the simulator when PHARMACY_BASE_URL is
// unset, see simulatePharmacy) and starts the prescription worker.
func (s *Stack) startPrescriptions() error {
	acts, err := s.prescriptionActivities(s.checkinActs.EHR)
	if err != nil {
		return err
	}
	s.instrument(acts.Pharmacy)
	s.addWorker(func() worker.Worker { return workers.NewPrescriptionsWorker(s.Temporal, acts, s.wopts) })
	s.deps.Prescriptions = api.PrescriptionDeps{WebhookSecret: s.Config.Pharmacy.WebhookSecret}
	return nil
}

// prescriptionActivities builds the pharmacy network client and the prescription activities.
func (s *Stack) prescriptionActivities(ehrActs *ehr.Activities) (workers.PrescriptionActivities, error) {
	cfg := &s.Config.Pharmacy
	acts := workers.PrescriptionActivities{EHR: ehrActs}
	if s.PharmacySim == nil {
		s.logger.Info("pharmacy: network endpoint from PHARMACY_BASE_URL", "url", cfg.BaseURL)
	}
	var tlsCfg *tls.Config
	if cfg.TLSCAFile != "" || cfg.TLSCertFile != "" {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.TLSCAFile != "" {
			pem, err := os.ReadFile(cfg.TLSCAFile)
			if err != nil {
				return acts, fmt.Errorf("PHARMACY_TLS_CA_FILE: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return acts, errors.New("PHARMACY_TLS_CA_FILE holds no certificate")
			}
			tlsCfg.RootCAs = pool
		}
		if cfg.TLSCertFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
			if err != nil {
				return acts, fmt.Errorf("PHARMACY_TLS_CERT_FILE/PHARMACY_TLS_KEY_FILE: %w", err)
			}
			tlsCfg.Certificates = []tls.Certificate{cert}
		}
	}
	client, err := pharmacy.New(pharmacy.Config{BaseURL: cfg.BaseURL, TLSConfig: tlsCfg,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		return acts, fmt.Errorf("PHARMACY_BASE_URL: %w", err)
	}
	acts.Pharmacy = &pharmacyact.Activities{Network: client, Records: s.Store, Now: time.Now}
	return acts, nil
}
