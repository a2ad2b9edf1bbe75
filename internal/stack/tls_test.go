package stack

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/transport/mllp"
)

// writeSelfSigned writes a loopback certificate and key as PEM files.
func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	return certFile, keyFile
}

func TestMLLPOverTLSWithConfiguredFiles(t *testing.T) {
	certFile, keyFile := writeSelfSigned(t)
	srvTLS, err := serverTLS(certFile, keyFile)
	require.NoError(t, err)
	cliTLS, err := clientTLS(certFile)
	require.NoError(t, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &mllp.Server{TLSConfig: srvTLS, Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
		return append([]byte("ACK:"), msg...)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	c := &mllp.Client{Addr: ln.Addr().String(), TLSConfig: cliTLS, AckTimeout: 5 * time.Second}
	t.Cleanup(func() { _ = c.Close() })
	ack, err := c.Send(context.Background(), []byte("MSH|^~\\&|X"))
	require.NoError(t, err)
	require.Equal(t, "ACK:MSH|^~\\&|X", string(ack))

	plain := &mllp.Client{Addr: ln.Addr().String(), AckTimeout: time.Second}
	t.Cleanup(func() { _ = plain.Close() })
	_, err = plain.Send(context.Background(), []byte("MSH|^~\\&|Y"))
	require.Error(t, err, "a plaintext client gets no ACK from a TLS listener")

	_, err = clientTLS(keyFile)
	require.Error(t, err, "a file without a certificate is refused")
	none, err := serverTLS("", "")
	require.NoError(t, err)
	require.Nil(t, none)
}
