package fhir_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/ehrsim/ehrsimtest"
)

// keys returns the RSA and EC client keys every test shares.
func keys(testing.TB) (*rsa.PrivateKey, *ecdsa.PrivateKey) { return ehrsimtest.Keys() }

// tokenCall is what the token endpoint saw in one request.
type tokenCall struct {
	Form   url.Values
	Header map[string]any
	Claims map[string]any
	// Problem is why the assertion was refused (a kid other than the one expected, or the
	// simulator's answer); "" when it was accepted.
	Problem string
	// AccessToken is the token the simulator issued.
	AccessToken string
}

// fakeEHR is the EHR simulator (internal/sim/ehrsim), which verifies client assertions and
// keeps versioned resources, behind an httptest server that records every request and lets
// a test answer one itself (tokenFault, fhirHook) with the wire-level failures a simulator
// has no fault for: any status, body or header.
type fakeEHR struct {
	t        *testing.T
	srv      *httptest.Server
	sim      *ehrsim.Sim
	clientID string
	kid      string
	// now is the simulator's clock; a test may replace it before the first request.
	now func() time.Time

	mu         sync.Mutex
	tokenCalls []tokenCall
	tokenFault func(w http.ResponseWriter) bool
	fhirHook   func(w http.ResponseWriter, r *http.Request, body []byte) bool
	fhirCalls  []*http.Request
	fhirBodies [][]byte
}

func newFakeEHR(t *testing.T, pub crypto.PublicKey, kid string) *fakeEHR {
	f := &fakeEHR{t: t, clientID: "careflow-test", kid: kid, now: time.Now}
	sim, err := ehrsim.New(ehrsim.Options{
		Clients: map[string]crypto.PublicKey{f.clientID: pub},
		Now:     func() time.Time { return f.now() },
	})
	if err != nil {
		t.Fatalf("ehrsim.New: %v", err)
	}
	t.Cleanup(sim.Close)
	f.sim = sim
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/token", f.token)
	mux.HandleFunc("/fhir/", f.fhir)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEHR) tokenURL() string { return f.srv.URL + "/auth/token" }
func (f *fakeEHR) baseURL() string  { return f.srv.URL + "/fhir" }

// client returns a Client for the fake signed with key; now may be nil.
func (f *fakeEHR) client(key crypto.Signer, kid string, now func() time.Time) *fhir.Client {
	f.t.Helper()
	c, err := fhir.New(fhir.Config{
		BaseURL: f.baseURL(), TokenURL: f.tokenURL(), ClientID: f.clientID,
		PrivateKey: key, KeyID: kid, HTTPClient: f.srv.Client(), Now: now,
	})
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeEHR) calls() []tokenCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tokenCall(nil), f.tokenCalls...)
}

func (f *fakeEHR) fhirRequests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.fhirCalls...)
}

// revokeAll makes every issued access token invalid, as an EHR restart might.
func (f *fakeEHR) revokeAll() { f.sim.RevokeTokens() }

// put stores a resource as its next version, unvalidated, as a seed.
func (f *fakeEHR) put(body map[string]any) {
	f.t.Helper()
	if err := f.sim.Seed(body); err != nil {
		f.t.Fatalf("seed: %v", err)
	}
}

// get returns the stored resource at key ("Type/id") and its version; nil and 0 when there
// is none.
func (f *fakeEHR) get(key string) (map[string]any, int) {
	typ, id, _ := strings.Cut(key, "/")
	res, ok := f.sim.Resource(typ, id)
	if !ok {
		return nil, 0
	}
	meta, _ := res["meta"].(map[string]any)
	vid, _ := meta["versionId"].(string)
	v, _ := strconv.Atoi(vid)
	return res, v
}

// token records the request and its assertion, then lets tokenFault or the simulator answer.
func (f *fakeEHR) token(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	call := tokenCall{Form: form}
	call.Header, call.Claims, call.Problem = decodeAssertion(form.Get("client_assertion"))
	if call.Problem == "" && call.Header["kid"] != f.kid {
		call.Problem = fmt.Sprintf("kid %v, want %s", call.Header["kid"], f.kid)
	}
	f.mu.Lock()
	fault := f.tokenFault
	f.mu.Unlock()
	if fault != nil && fault(w) {
		f.record(call)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	f.sim.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK && call.Problem == "" {
		call.Problem = fmt.Sprintf("simulator answered %d %s", rec.Code, rec.Body.String())
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &tok)
	call.AccessToken = tok.AccessToken
	f.record(call)
	if call.Problem != "" {
		f.t.Errorf("token request rejected: %s", call.Problem)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// record appends one token call.
func (f *fakeEHR) record(call tokenCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenCalls = append(f.tokenCalls, call)
}

// decodeAssertion splits a compact JWS into its header and claims; the simulator verifies
// the signature.
func decodeAssertion(jws string) (header, claims map[string]any, problem string) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, nil, "assertion is not a compact JWS"
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, nil, "header: " + err.Error()
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return header, nil, "claims: " + err.Error()
	}
	return header, claims, ""
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// fhir records the request, then lets fhirHook or the simulator answer it.
func (f *fakeEHR) fhir(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.fhirCalls = append(f.fhirCalls, r)
	f.fhirBodies = append(f.fhirBodies, body)
	hook := f.fhirHook
	f.mu.Unlock()
	if hook != nil && hook(w, r, body) {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.sim.ServeHTTP(w, r)
}

// withVersion returns a shallow copy of res with meta.versionId set.
func withVersion(res map[string]any, v int) map[string]any {
	out := make(map[string]any, len(res)+1)
	for k, val := range res {
		out[k] = val
	}
	out["meta"] = map[string]any{"versionId": strconv.Itoa(v)}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeOutcome answers with an OperationOutcome whose diagnostics stand in for PHI.
func writeOutcome(w http.ResponseWriter, status int, code, diagnostics string) {
	writeJSON(w, status, map[string]any{
		"resourceType": "OperationOutcome",
		"issue":        []any{map[string]any{"severity": "error", "code": code, "diagnostics": diagnostics}},
	})
}

// asError extracts the *fhir.Error from err or fails the test.
func asError(t *testing.T, err error) *fhir.Error {
	t.Helper()
	var fe *fhir.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *fhir.Error", err, err)
	}
	return fe
}
