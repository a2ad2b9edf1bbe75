package mllp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/careflow/engine/transport/mllp"
)

// selfSignedTLS returns a server config with a fresh self-signed certificate
// for 127.0.0.1 and a client config that trusts exactly that certificate.
func selfSignedTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "careflow mllp test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	server = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		MinVersion:   tls.VersionTLS12,
	}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}

func TestTLSRoundTrip(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	addr := startServer(t, &mllp.Server{Handler: echoHandler, TLSConfig: serverTLS})

	c := newClient(t, addr)
	c.TLSConfig = clientTLS
	for _, id := range []string{"TLS1", "TLS2"} {
		ack, err := c.Send(t.Context(), hl7Message(id))
		if err != nil {
			t.Fatalf("Send %s over TLS: %v", id, err)
		}
		if code, ref := msa(ack); code != "AA" || ref != id {
			t.Fatalf("TLS ACK %s|%s", code, ref)
		}
	}

	// A client that does not trust the certificate must fail at dial.
	untrusting := newClient(t, addr)
	untrusting.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	_, err := untrusting.Send(t.Context(), hl7Message("NOPE"))
	var ce *mllp.ConnError
	if !errors.As(err, &ce) || ce.Op != "dial" {
		t.Fatalf("untrusted TLS Send err = %v, want *ConnError{Op: dial}", err)
	}
}
