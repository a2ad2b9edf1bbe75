package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/temporalclient"
	"github.com/careflow/engine/workflows/payments"
)

// The Temporal CLI dev server has no TLS flags, so the test puts a TLS-terminating loopback
// proxy that demands a client certificate (mTLS) in front of it. The whole engine connects
// through it with TEMPORAL_TLS_* settings and runs a payment; plaintext and certificate-less
// clients are refused.
func TestTemporalOverMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCA(t)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.Raw)
	serverCert := issue(t, ca, caKey, "temporal.test", true)
	clientCert := issue(t, ca, caKey, "careflow-worker", false)
	writePEM(t, filepath.Join(dir, "client.pem"), "CERTIFICATE", clientCert.Certificate[0])
	keyDER, err := x509.MarshalECPrivateKey(clientCert.PrivateKey.(*ecdsa.PrivateKey))
	require.NoError(t, err)
	writePEM(t, filepath.Join(dir, "client.key"), "EC PRIVATE KEY", keyDER)

	var proxyAddr string
	var accepted atomic.Int64
	e := startEngine(t, func(c *config.Config) {
		proxyAddr = startTLSProxy(t, c.TemporalAddress, serverCert, ca, &accepted)
		c.TemporalAddress = proxyAddr
		c.TemporalTLSCertFile = filepath.Join(dir, "client.pem")
		c.TemporalTLSKeyFile = filepath.Join(dir, "client.key")
		c.TemporalTLSCAFile = filepath.Join(dir, "ca.pem")
		c.TemporalTLSServerName = "temporal.test"
	})
	code, v := e.call("POST", "/v1/payments", newPayment("pay-tls-1", 1200, "pm_card_visa"))
	require.Equal(t, http.StatusCreated, code, v)
	e.waitFor("pay-tls-1", func(v api.PaymentView) bool { return v.Status == payments.StatusAuthorized })
	require.Positive(t, accepted.Load(), "the engine reached Temporal through the TLS proxy")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Plaintext to the TLS port fails.
	_, err = temporalclient.Dial(ctx, client.Options{HostPort: proxyAddr})
	require.Error(t, err)
	// TLS without a client certificate fails the handshake.
	opts := client.Options{HostPort: proxyAddr}
	require.NoError(t, temporalclient.Security{CAFile: filepath.Join(dir, "ca.pem"), ServerName: "temporal.test"}.Apply(&opts))
	_, err = temporalclient.Dial(ctx, opts)
	require.Error(t, err)
}

// startTLSProxy terminates TLS (client certificate required) and forwards to target.
func startTLSProxy(t *testing.T, target string, cert tls.Certificate, ca *x509.Certificate, accepted *atomic.Int64) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		// gRPC insists on ALPN h2.
		NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if err := c.(*tls.Conn).Handshake(); err != nil {
					return
				}
				accepted.Add(1)
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return ln.Addr().String()
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "careflow test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert, key
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.DNSNames = []string{name}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
}
