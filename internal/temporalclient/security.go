package temporalclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
)

// Security is how the engine authenticates to the Temporal frontend and protects the
// connection: TEMPORAL_TLS_CERT_FILE/KEY_FILE (mTLS client certificate), TEMPORAL_TLS_CA_FILE
// (trusted roots, the system's when empty), TEMPORAL_TLS_SERVER_NAME (expected certificate
// name) and TEMPORAL_API_KEY. All empty means plaintext, for a loopback dev server only.
type Security struct {
	CertFile, KeyFile, CAFile, ServerName, APIKey string
}

// Enabled reports whether any transport security is configured.
func (s Security) Enabled() bool {
	return s.CertFile != "" || s.KeyFile != "" || s.CAFile != "" || s.ServerName != "" || s.APIKey != ""
}

// Apply sets TLS and API-key credentials on opts. Any setting turns TLS on: an API key is a
// bearer secret and never travels in plaintext.
func (s Security) Apply(opts *client.Options) error {
	if !s.Enabled() {
		return nil
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		return errors.New("temporal tls: TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	if s.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return fmt.Errorf("temporal tls: TEMPORAL_TLS_CERT_FILE/TEMPORAL_TLS_KEY_FILE: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return fmt.Errorf("temporal tls: TEMPORAL_TLS_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return errors.New("temporal tls: no certificate in TEMPORAL_TLS_CA_FILE")
		}
		cfg.RootCAs = pool
	}
	opts.ConnectionOptions.TLS = cfg
	if s.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(s.APIKey)
	}
	return nil
}
