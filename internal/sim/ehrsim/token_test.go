package ehrsim_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenRS384AndES384 checks that both required signature algorithms yield a usable token.
func TestTokenRS384AndES384(t *testing.T) {
	f := start(t)
	for _, client := range []string{rsaClient, ecClient} {
		t.Run(client, func(t *testing.T) {
			res := f.requestToken(t, f.assertion(t, client, f.claims(client)), "system/Patient.read system/Appointment.rs")
			require.Equal(t, http.StatusOK, res.status, res.body)
			assert.Equal(t, "bearer", res.body["token_type"])
			assert.EqualValues(t, 300, res.body["expires_in"])
			assert.Equal(t, "system/Patient.read system/Appointment.rs", res.body["scope"])
			tok := res.body["access_token"].(string)
			assert.GreaterOrEqual(t, len(tok), 32)

			rep := f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil)
			assert.Equal(t, http.StatusOK, rep.status)
		})
	}
	assert.Equal(t, 2, f.srv.Sim.Stats().TokensIssued)
}

// TestTokenAssertionRejected covers every assertion defect SMART requires a server to refuse.
func TestTokenAssertionRejected(t *testing.T) {
	f := start(t)
	rk, _ := testKeys(t)
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	otherEC, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	hdr := map[string]any{"alg": "RS384", "typ": "JWT"}

	cases := []struct {
		name      string
		assertion func() string
		wantErr   string
	}{
		{"signed with another key", func() string {
			return signJWS(t, otherRSA, hdr, f.claims(rsaClient))
		}, "invalid_client"},
		{"ES384 signed with another key", func() string {
			return signJWS(t, otherEC, map[string]any{"alg": "ES384"}, f.claims(ecClient))
		}, "invalid_client"},
		{"ES384 signature truncated", func() string {
			a := f.assertion(t, ecClient, f.claims(ecClient))
			return a[:len(a)-4]
		}, "invalid_client"},
		{"tampered claims", func() string {
			a := f.assertion(t, rsaClient, f.claims(rsaClient))
			parts := strings.Split(a, ".")
			c := f.claims(rsaClient)
			c["iss"], c["sub"] = ecClient, ecClient
			forged := signJWS(t, rk, hdr, c)
			return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
		}, "invalid_client"},
		{"expired", func() string {
			c := f.claims(rsaClient)
			c["exp"] = f.clock.Now().Add(-time.Minute).Unix()
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"exp more than five minutes ahead", func() string {
			c := f.claims(rsaClient)
			c["exp"] = f.clock.Now().Add(6 * time.Minute).Unix()
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"missing exp", func() string {
			c := f.claims(rsaClient)
			delete(c, "exp")
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"wrong aud", func() string {
			c := f.claims(rsaClient)
			c["aud"] = f.srv.FHIRBaseURL
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"sub differs from iss", func() string {
			c := f.claims(rsaClient)
			c["sub"] = "someone-else"
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"unknown client", func() string {
			c := f.claims("stranger")
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"missing jti", func() string {
			c := f.claims(rsaClient)
			delete(c, "jti")
			return f.assertion(t, rsaClient, c)
		}, "invalid_client"},
		{"alg none", func() string {
			a := f.assertion(t, rsaClient, f.claims(rsaClient))
			parts := strings.Split(a, ".")
			none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
			return none + "." + parts[1] + "."
		}, "invalid_client"},
		{"RS256 is not accepted", func() string {
			return signJWS(t, rk, map[string]any{"alg": "RS256"}, f.claims(rsaClient))
		}, "invalid_client"},
		{"ES384 header on the RSA client", func() string {
			_, ek := testKeys(t)
			return signJWS(t, ek, map[string]any{"alg": "ES384"}, f.claims(rsaClient))
		}, "invalid_client"},
		{"not a JWS", func() string { return "abc.def" }, "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.requestToken(t, tc.assertion(), allScopes)
			assert.Equal(t, http.StatusUnauthorized, res.status, res.body)
			assert.Equal(t, tc.wantErr, res.body["error"])
			assert.NotContains(t, res.body, "access_token")
		})
	}
	st := f.srv.Sim.Stats()
	assert.Equal(t, 0, st.TokensIssued)
	assert.Equal(t, len(cases), st.TokensRejected)
}

// TestTokenReplayedJTI checks that an assertion cannot be used twice.
func TestTokenReplayedJTI(t *testing.T) {
	f := start(t)
	a := f.assertion(t, ecClient, f.claims(ecClient))
	first := f.requestToken(t, a, allScopes)
	require.Equal(t, http.StatusOK, first.status, first.body)

	again := f.requestToken(t, a, allScopes)
	assert.Equal(t, http.StatusUnauthorized, again.status)
	assert.Equal(t, "invalid_grant", again.body["error"])

	// A fresh jti with otherwise equal claims is fine.
	c := f.claims(ecClient)
	fresh := f.requestToken(t, f.assertion(t, ecClient, c), allScopes)
	assert.Equal(t, http.StatusOK, fresh.status, fresh.body)
	assert.Equal(t, 1, f.srv.Sim.Stats().ReplaysRejected)
}

// TestTokenRequestShape covers malformed token requests, which are 400s rather than 401s.
func TestTokenRequestShape(t *testing.T) {
	f := start(t)
	good := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {f.assertion(t, rsaClient, f.claims(rsaClient))},
		"scope":                 {allScopes},
	}
	with := func(k, v string) url.Values {
		u := url.Values{}
		for key, vals := range good {
			u[key] = vals
		}
		if v == "" {
			u.Del(k)
		} else {
			u.Set(k, v)
		}
		return u
	}
	cases := []struct {
		name    string
		form    url.Values
		ctype   string
		wantErr string
	}{
		{"password grant", with("grant_type", "password"), "", "unsupported_grant_type"},
		{"missing grant", with("grant_type", ""), "", "invalid_request"},
		{"wrong assertion type", with("client_assertion_type", "urn:x"), "", "invalid_request"},
		{"missing assertion", with("client_assertion", ""), "", "invalid_request"},
		{"missing scope", with("scope", ""), "", "invalid_scope"},
		{"user scope", with("scope", "user/Patient.read"), "", "invalid_scope"},
		{"bad permission", with("scope", "system/Patient.rx"), "", "invalid_scope"},
		{"JSON body", good, "application/json", "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.ctype
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			resp, err := httpClient.Post(f.srv.TokenURL, ct, strings.NewReader(tc.form.Encode()))
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			var body map[string]string
			require.NoError(t, jsonDecode(resp, &body))
			assert.Equal(t, tc.wantErr, body["error"])
		})
	}
}

// TestFHIRRequiresValidToken checks missing, unknown, expired and revoked bearer tokens.
func TestFHIRRequiresValidToken(t *testing.T) {
	f := start(t)
	for name, tok := range map[string]string{"none": "", "unknown": "not-a-token"} {
		t.Run(name, func(t *testing.T) {
			rep := f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil)
			assert.Equal(t, http.StatusUnauthorized, rep.status)
			assert.Equal(t, "security", issueCode(t, rep))
			assert.Contains(t, rep.header.Get("WWW-Authenticate"), "Bearer")
			assert.Equal(t, "application/fhir+json; charset=utf-8", rep.header.Get("Content-Type"))
		})
	}

	tok := f.token(t)
	require.Equal(t, http.StatusOK, f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil).status)
	// The token lapses after TokenTTL on the simulator's clock.
	f.clock.Advance(ehrsim.DefaultTokenTTL)
	rep := f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil)
	assert.Equal(t, http.StatusUnauthorized, rep.status)

	tok = f.token(t)
	f.srv.Sim.RevokeTokens()
	assert.Equal(t, http.StatusUnauthorized, f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil).status)
	assert.Equal(t, 4, f.srv.Sim.Stats().Unauthorized)
}

// TestScopesEnforced checks that a token's scopes limit types and interactions.
func TestScopesEnforced(t *testing.T) {
	f := start(t)
	res := f.requestToken(t, f.assertion(t, rsaClient, f.claims(rsaClient)), "system/Appointment.read")
	require.Equal(t, http.StatusOK, res.status)
	tok := res.body["access_token"].(string)

	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil).status)
	rep := f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil)
	assert.Equal(t, http.StatusForbidden, rep.status)
	assert.Equal(t, "forbidden", issueCode(t, rep))

	appt, _ := f.srv.Sim.Resource("Appointment", "appt-1001")
	rep = f.do(t, "PUT", "/fhir/Appointment/appt-1001", tok, appt)
	assert.Equal(t, http.StatusForbidden, rep.status, "read scope does not allow update")
	assert.Equal(t, 2, f.srv.Sim.Stats().Forbidden)
}

// TestClientRegisteredByJWKS registers an ES384 key through the control API and matches its kid.
func TestClientRegisteredByJWKS(t *testing.T) {
	f := start(t)
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	point, err := key.PublicKey.Bytes() // 0x04 || x || y
	require.NoError(t, err)
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := `{"keys":[{"kty":"EC","crv":"P-384","kid":"jwks-1","use":"sig","alg":"ES384",` +
		`"x":"` + b64(point[1:49]) + `","y":"` + b64(point[49:]) + `"}]}`
	rep := f.do(t, "POST", "/_sim/clients", "", `{"clientId":"jwks-client","jwks":`+jwks+`}`)
	require.Equal(t, http.StatusNoContent, rep.status, string(rep.raw))

	c := f.claims("jwks-client")
	ok := f.requestToken(t, signJWS(t, key, map[string]any{"alg": "ES384", "kid": "jwks-1"}, c), allScopes)
	assert.Equal(t, http.StatusOK, ok.status, ok.body)
	c = f.claims("jwks-client")
	wrongKid := f.requestToken(t, signJWS(t, key, map[string]any{"alg": "ES384", "kid": "other"}, c), allScopes)
	assert.Equal(t, http.StatusUnauthorized, wrongKid.status)

	rep = f.do(t, "POST", "/_sim/clients", "", `{"clientId":"x","jwks":{"keys":[]}}`)
	assert.Equal(t, http.StatusBadRequest, rep.status)
}

// TestNewRejectsWeakKeys refuses keys that cannot verify RS384 or ES384.
func TestNewRejectsWeakKeys(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	for name, k := range map[string]crypto.PublicKey{"rsa1024": &small.PublicKey, "p256": &p256.PublicKey, "bytes": []byte("k")} {
		_, err := ehrsim.New(ehrsim.Options{Clients: map[string]crypto.PublicKey{"c": k}})
		assert.Error(t, err, name)
	}
}
