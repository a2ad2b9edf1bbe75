package fhir_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

func p256Key(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func writePEM(t *testing.T, blocks ...*pem.Block) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	var data []byte
	for _, b := range blocks {
		data = append(data, pem.EncodeToMemory(b)...)
	}
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestLoadPrivateKeyFormats(t *testing.T) {
	rsaK, ecK := keys(t)
	pkcs8RSA, err := x509.MarshalPKCS8PrivateKey(rsaK)
	require.NoError(t, err)
	pkcs8EC, err := x509.MarshalPKCS8PrivateKey(ecK)
	require.NoError(t, err)
	sec1, err := x509.MarshalECPrivateKey(ecK)
	require.NoError(t, err)
	cases := map[string]struct {
		blocks []*pem.Block
		want   crypto.PublicKey
	}{
		"PKCS#1 RSA": {[]*pem.Block{{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaK)}}, rsaK.Public()},
		"PKCS#8 RSA": {[]*pem.Block{{Type: "PRIVATE KEY", Bytes: pkcs8RSA}}, rsaK.Public()},
		"PKCS#8 EC":  {[]*pem.Block{{Type: "PRIVATE KEY", Bytes: pkcs8EC}}, ecK.Public()},
		// openssl ecparam -genkey writes an EC PARAMETERS block before the key.
		"SEC 1 EC after parameters": {[]*pem.Block{{Type: "EC PARAMETERS", Bytes: []byte{6, 5, 43, 129, 4, 0, 34}},
			{Type: "EC PRIVATE KEY", Bytes: sec1}}, ecK.Public()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			key, err := fhir.LoadPrivateKey(writePEM(t, tc.blocks...))
			require.NoError(t, err)
			assert.True(t, tc.want.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()))
		})
	}
}

func TestLoadPrivateKeyRejectsUnsuitableKeys(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p256, err := x509.MarshalECPrivateKey(p256Key(t))
	require.NoError(t, err)
	for name, path := range map[string]string{
		"RSA 1024":  writePEM(t, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}),
		"P-256":     writePEM(t, &pem.Block{Type: "EC PRIVATE KEY", Bytes: p256}),
		"garbage":   writePEM(t, &pem.Block{Type: "PRIVATE KEY", Bytes: []byte("nope")}),
		"cert only": writePEM(t, &pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")}),
		"missing":   filepath.Join(t.TempDir(), "absent.pem"),
	} {
		_, err := fhir.LoadPrivateKey(path)
		assert.Error(t, err, name)
	}
}

func TestPublicJWK(t *testing.T) {
	rsaK, ecK := keys(t)
	j, err := fhir.PublicJWK(ecK, "")
	require.NoError(t, err)
	assert.Equal(t, "EC", j.Kty)
	assert.Equal(t, "P-384", j.Crv)
	assert.Equal(t, "ES384", j.Alg)
	x, err := base64.RawURLEncoding.DecodeString(j.X)
	require.NoError(t, err)
	assert.Len(t, x, 48)
	assert.Equal(t, 0, ecK.X.Cmp(new(big.Int).SetBytes(x)))
	// RFC 7638: the thumbprint is computed over the required members in lexicographic order.
	canonical := `{"crv":"P-384","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	sum := sha256.Sum256([]byte(canonical))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), j.Kid)

	r, err := fhir.PublicJWK(rsaK, "given")
	require.NoError(t, err)
	assert.Equal(t, "given", r.Kid)
	assert.Equal(t, "RS384", r.Alg)
	assert.Equal(t, "AQAB", r.E)
	n, err := base64.RawURLEncoding.DecodeString(r.N)
	require.NoError(t, err)
	assert.Equal(t, 0, rsaK.N.Cmp(new(big.Int).SetBytes(n)))
}
