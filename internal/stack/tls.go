package stack

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// serverTLS loads the MLLP listener's certificate; nil when TLS is off.
func serverTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("mllp tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// clientTLS trusts caFile for the connection to the LIS; nil when TLS is off.
func clientTLS(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("lis tls: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("lis tls: no certificate in LIS_MLLP_CA_FILE")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// requireClientCerts makes the MLLP listener demand a client certificate signed by caFile
// (mutual TLS); nothing changes when caFile is empty.
func requireClientCerts(cfg *tls.Config, caFile string) error {
	if caFile == "" {
		return nil
	}
	if cfg == nil {
		return errors.New("mllp tls: MLLP_TLS_CLIENT_CA_FILE needs MLLP_TLS_CERT_FILE")
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("mllp tls: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return errors.New("mllp tls: no certificate in MLLP_TLS_CLIENT_CA_FILE")
	}
	cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	return nil
}

// isLoopbackAddr reports whether a listen address binds only loopback interfaces; an empty
// host or a wildcard binds every interface.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
