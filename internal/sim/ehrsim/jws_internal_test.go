package ehrsim

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseJWKSRSA decodes an RSA JWK and skips keys that cannot verify
// assertions (encryption keys, other algorithms, other key types).
func TestParseJWKSRSA(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	n := base64.RawURLEncoding.EncodeToString(key.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())
	jwks := `{"keys":[
		{"kty":"RSA","kid":"enc","use":"enc","n":"` + n + `","e":"` + e + `"},
		{"kty":"RSA","kid":"rs256","alg":"RS256","n":"` + n + `","e":"` + e + `"},
		{"kty":"OKP","crv":"Ed25519","x":"AAAA"},
		{"kty":"RSA","kid":"sig","alg":"RS384","n":"` + n + `","e":"` + e + `"}]}`
	keys, err := parseJWKS([]byte(jwks))
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, "sig", keys[0].kid)
	assert.True(t, key.PublicKey.Equal(keys[0].key))

	_, err = parseJWKS([]byte(`{"keys":[{"kty":"EC","crv":"P-384","x":"AAAA","y":"AAAA"}]}`))
	assert.Error(t, err, "a short EC coordinate is refused")
	_, err = parseJWKS([]byte(`not json`))
	assert.Error(t, err)
}

// TestScopePerms covers the v1 and v2 permission syntaxes.
func TestScopePerms(t *testing.T) {
	for in, want := range map[string]string{"read": "rs", "write": "cud", "*": "cruds", "rs": "rs", "cruds": "cruds", "u": "u"} {
		got, ok := scopePerms(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "sr", "rr", "x", "readwrite"} {
		_, ok := scopePerms(bad)
		assert.False(t, ok, bad)
	}
}

// TestSplitRef covers relative, absolute and versioned references.
func TestSplitRef(t *testing.T) {
	for in, want := range map[string][2]string{
		"Patient/p1":                                  {"Patient", "p1"},
		"http://x.example/fhir/Patient/p1":            {"Patient", "p1"},
		"http://x.example/fhir/Patient/p1/_history/3": {"Patient", "p1"},
	} {
		typ, id, ok := splitRef(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, [2]string{typ, id}, in)
	}
	for _, bad := range []string{"p1", "#contained", "patient/p1", ""} {
		_, _, ok := splitRef(bad)
		assert.False(t, ok, bad)
	}
}
