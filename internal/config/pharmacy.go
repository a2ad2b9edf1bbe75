package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Pharmacy is the e-prescribing network configuration; an empty BaseURL means the built-in
// pharmacy network simulator.
type Pharmacy struct {
	// BaseURL is PHARMACY_BASE_URL, where NCPDP SCRIPT messages are POSTed.
	BaseURL string
	// WebhookSecret is PHARMACY_WEBHOOK_SECRET, the HMAC secret of /webhooks/pharmacy.
	WebhookSecret string
	// TLSCertFile and TLSKeyFile (PHARMACY_TLS_CERT_FILE, PHARMACY_TLS_KEY_FILE) are the client
	// certificate for mutual TLS; TLSCAFile (PHARMACY_TLS_CA_FILE) the network's CA bundle.
	TLSCertFile, TLSKeyFile, TLSCAFile string
}

// Simulated reports whether the built-in pharmacy network simulator serves this configuration.
func (p Pharmacy) Simulated() bool { return p.BaseURL == "" }

// pharmacyFromEnv reads and checks the PHARMACY_* variables, naming the one at fault.
func pharmacyFromEnv() (Pharmacy, error) {
	p := Pharmacy{
		BaseURL:       strings.TrimRight(os.Getenv("PHARMACY_BASE_URL"), "/"),
		WebhookSecret: os.Getenv("PHARMACY_WEBHOOK_SECRET"),
		TLSCertFile:   os.Getenv("PHARMACY_TLS_CERT_FILE"),
		TLSKeyFile:    os.Getenv("PHARMACY_TLS_KEY_FILE"),
		TLSCAFile:     os.Getenv("PHARMACY_TLS_CA_FILE"),
	}
	if p.BaseURL != "" {
		if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return p, fmt.Errorf("config: PHARMACY_BASE_URL must be an absolute http(s) URL")
		}
		if p.WebhookSecret == "" {
			return p, fmt.Errorf("config: PHARMACY_BASE_URL is set, so PHARMACY_WEBHOOK_SECRET is required")
		}
	}
	if (p.TLSCertFile == "") != (p.TLSKeyFile == "") {
		return p, fmt.Errorf("config: PHARMACY_TLS_CERT_FILE and PHARMACY_TLS_KEY_FILE go together")
	}
	return p, nil
}
