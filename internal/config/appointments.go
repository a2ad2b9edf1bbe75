package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Appointments holds the appointment sync's settings.
type Appointments struct {
	// PMSBaseURL is PMS_BASE_URL, the practice-management system; empty means the simulator.
	PMSBaseURL string
	// PMSWebhookSecret is PMS_WEBHOOK_SECRET, the HMAC secret of X-PMS-Signature.
	PMSWebhookSecret string
	// FHIRWebhookSecret is FHIR_WEBHOOK_SECRET, the HMAC secret of FHIR notifications'
	// X-Signature; empty refuses every FHIR notification (the simulator's is generated).
	FHIRWebhookSecret string
	// ReconcileInterval is APPOINTMENT_RECONCILE_INTERVAL, how often the reconciliation
	// Schedule runs.
	ReconcileInterval time.Duration
	// CallsPerSecond is APPOINTMENT_CALLS_PER_SECOND, the pace of the sync's PMS and EHR
	// calls: the appointment queue's activity rate across all workers, and each worker
	// process's pace for the calls it runs as local activities.
	CallsPerSecond float64
}

// DefaultAppointmentCallsPerSecond is APPOINTMENT_CALLS_PER_SECOND's default.
const DefaultAppointmentCallsPerSecond = 50

// MinReconcileInterval bounds APPOINTMENT_RECONCILE_INTERVAL from below: the Schedule skips
// a run that would overlap the previous one, so shorter intervals only add load.
const MinReconcileInterval = time.Minute

// PMSSimulated reports whether the built-in PMS simulator serves this configuration.
func (a Appointments) PMSSimulated() bool { return a.PMSBaseURL == "" }

func appointmentsFromEnv() (Appointments, error) {
	a := Appointments{
		PMSBaseURL:        strings.TrimRight(os.Getenv("PMS_BASE_URL"), "/"),
		PMSWebhookSecret:  os.Getenv("PMS_WEBHOOK_SECRET"),
		FHIRWebhookSecret: os.Getenv("FHIR_WEBHOOK_SECRET"),
	}
	var err error
	if a.ReconcileInterval, err = duration("APPOINTMENT_RECONCILE_INTERVAL", 15*time.Minute); err != nil {
		return a, err
	}
	if a.CallsPerSecond, err = rate("APPOINTMENT_CALLS_PER_SECOND", DefaultAppointmentCallsPerSecond); err != nil {
		return a, err
	}
	if a.ReconcileInterval < MinReconcileInterval {
		return a, fmt.Errorf("config: APPOINTMENT_RECONCILE_INTERVAL must be at least %s", MinReconcileInterval)
	}
	if a.PMSBaseURL != "" {
		if p, perr := url.Parse(a.PMSBaseURL); perr != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return a, fmt.Errorf("config: PMS_BASE_URL must be an absolute http(s) URL")
		}
		if a.PMSWebhookSecret == "" {
			return a, fmt.Errorf("config: PMS_BASE_URL is set, so PMS_WEBHOOK_SECRET is required")
		}
	}
	return a, nil
}
