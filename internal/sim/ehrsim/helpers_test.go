package ehrsim_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/ehrsim/ehrsimtest"
	"github.com/stretchr/testify/require"
)

const (
	rsaClient = "careflow-rs"
	ecClient  = "careflow-es"
	allScopes = "system/*.read system/*.write"
)

// testKeys returns the RSA and EC client keys every test shares.
func testKeys(*testing.T) (*rsa.PrivateKey, *ecdsa.PrivateKey) { return ehrsimtest.Keys() }

// clock is a settable time source shared by a test and its simulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 15, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a started simulator with both test clients registered.
type fixture struct {
	srv   *ehrsim.Server
	clock *clock
}

// start starts a simulator seeded with DefaultSeed; the test closes it.
func start(t *testing.T) *fixture {
	t.Helper()
	rk, ek := testKeys(t)
	clk := newClock()
	srv, err := ehrsim.Start(ehrsim.Options{
		Clients: map[string]crypto.PublicKey{rsaClient: &rk.PublicKey, ecClient: &ek.PublicKey},
		Now:     clk.Now,
	})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	require.NoError(t, srv.Sim.Seed(ehrsim.DefaultSeed()...))
	return &fixture{srv: srv, clock: clk}
}

// signJWS builds a compact JWS the way a SMART client does: RS384 is
// PKCS#1 v1.5 over SHA-384, ES384 is r||s, each padded to 48 bytes.
func signJWS(t *testing.T, key crypto.Signer, header, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	digest := sha512.Sum384([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		var err error
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA384, digest[:])
		require.NoError(t, err)
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		require.NoError(t, err)
		sig = make([]byte, 96)
		r.FillBytes(sig[:48])
		s.FillBytes(sig[48:])
	default:
		t.Fatalf("unsupported key %T", key)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// claims returns a valid assertion's claims for client at f's token URL.
func (f *fixture) claims(client string) map[string]any {
	return map[string]any{
		"iss": client, "sub": client, "aud": f.srv.TokenURL,
		"exp": f.clock.Now().Add(4 * time.Minute).Unix(),
		"iat": f.clock.Now().Unix(),
		"jti": rand.Text(),
	}
}

// assertion signs claims with the client's key and the matching alg.
func (f *fixture) assertion(t *testing.T, client string, claims map[string]any) string {
	rk, ek := testKeys(t)
	if client == ecClient {
		return signJWS(t, ek, map[string]any{"alg": "ES384", "typ": "JWT", "kid": "k1"}, claims)
	}
	return signJWS(t, rk, map[string]any{"alg": "RS384", "typ": "JWT", "kid": "k1"}, claims)
}

// tokenResult is a decoded token-endpoint answer.
type tokenResult struct {
	status int
	body   map[string]any
}

// requestToken posts a client_credentials grant with the given assertion.
func (f *fixture) requestToken(t *testing.T, assertion, scope string) tokenResult {
	t.Helper()
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {scope},
	}
	resp, err := httpClient.Post(f.srv.TokenURL, "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return tokenResult{status: resp.StatusCode, body: body}
}

// token obtains an access token for the RSA client with all scopes.
func (f *fixture) token(t *testing.T) string {
	t.Helper()
	res := f.requestToken(t, f.assertion(t, rsaClient, f.claims(rsaClient)), allScopes)
	require.Equal(t, http.StatusOK, res.status, res.body)
	return res.body["access_token"].(string)
}

// httpClient bounds a hung test; it asserts nothing about speed.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// reply is a decoded HTTP answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// do sends a request to path (relative to the server URL) with optional
// bearer token, JSON body and extra headers.
func (f *fixture) do(t *testing.T, method, path, token string, body any, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := httpClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	rep := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	// Objects are decoded for convenience; arrays stay in raw.
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(t, json.Unmarshal(raw, &rep.body), string(raw))
	}
	return rep
}

// issueCode returns the first OperationOutcome issue code of a reply.
func issueCode(t *testing.T, rep reply) string {
	t.Helper()
	require.Equal(t, "OperationOutcome", rep.body["resourceType"], string(rep.raw))
	issues := rep.body["issue"].([]any)
	require.NotEmpty(t, issues)
	return issues[0].(map[string]any)["code"].(string)
}

// entries returns the resources of a searchset Bundle with their modes.
func entries(t *testing.T, rep reply) (ids []string, modes []string) {
	t.Helper()
	require.Equal(t, "Bundle", rep.body["resourceType"], string(rep.raw))
	require.Equal(t, "searchset", rep.body["type"])
	list, _ := rep.body["entry"].([]any)
	for _, e := range list {
		em := e.(map[string]any)
		res := em["resource"].(map[string]any)
		ids = append(ids, res["resourceType"].(string)+"/"+res["id"].(string))
		modes = append(modes, em["search"].(map[string]any)["mode"].(string))
	}
	return ids, modes
}

// jsonDecode decodes a response body.
func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}

// itoa formats small ints in assertions.
func itoa(i int) string { return strconv.Itoa(i) }

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// copyMap returns a shallow copy of a resource.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
