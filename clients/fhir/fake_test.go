package fhir_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/fhir"
)

// testKeys are generated once per test binary: RSA key generation is slow.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey
}

// tokenCall is what the fake token endpoint saw in one request.
type tokenCall struct {
	Form   url.Values
	Header map[string]any
	Claims map[string]any
	// Problem is why the fake rejected the assertion; "" when it was valid.
	Problem string
}

// stored is one resource in the fake EHR, kept as a generic map so unknown fields survive.
type stored struct {
	version int
	body    map[string]any
}

// fakeEHR is an httptest FHIR server with a SMART token endpoint that verifies client
// assertions cryptographically. Hooks inject faults.
type fakeEHR struct {
	t        *testing.T
	srv      *httptest.Server
	clientID string
	pub      crypto.PublicKey
	kid      string
	now      func() time.Time

	mu         sync.Mutex
	tokenCalls []tokenCall
	jtis       map[string]bool
	issued     map[string]bool // valid access tokens
	tokenSeq   int
	expiresIn  int
	tokenFault func(w http.ResponseWriter) bool
	fhirHook   func(w http.ResponseWriter, r *http.Request, body []byte) bool
	fhirCalls  []*http.Request
	fhirBodies [][]byte
	resources  map[string]*stored
	nextID     int
}

func newFakeEHR(t *testing.T, pub crypto.PublicKey, kid string) *fakeEHR {
	f := &fakeEHR{
		t: t, clientID: "careflow-test", pub: pub, kid: kid, now: time.Now,
		jtis: map[string]bool{}, issued: map[string]bool{}, expiresIn: 300,
		resources: map[string]*stored{},
	}
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
func (f *fakeEHR) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued = map[string]bool{}
}

// put stores a resource at version 1 (or the next version) and returns its version.
func (f *fakeEHR) put(body map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := body["resourceType"].(string) + "/" + body["id"].(string)
	s := f.resources[key]
	if s == nil {
		s = &stored{}
		f.resources[key] = s
	}
	s.version++
	s.body = body
	return s.version
}

func (f *fakeEHR) get(key string) (map[string]any, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.resources[key]
	if s == nil {
		return nil, 0
	}
	return s.body, s.version
}

func (f *fakeEHR) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	call := tokenCall{Form: r.PostForm}
	call.Header, call.Claims, call.Problem = f.verify(r.PostForm)
	f.mu.Lock()
	f.tokenCalls = append(f.tokenCalls, call)
	fault := f.tokenFault
	f.mu.Unlock()
	if fault != nil && fault(w) {
		return
	}
	if call.Problem != "" {
		f.t.Errorf("token request rejected: %s", call.Problem)
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_client"})
		return
	}
	f.mu.Lock()
	f.tokenSeq++
	tok := "access-" + strconv.Itoa(f.tokenSeq)
	f.issued[tok] = true
	exp := f.expiresIn
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": exp, "scope": r.PostForm.Get("scope")})
}

// verify checks the grant and the client assertion as a SMART Backend Services server must.
func (f *fakeEHR) verify(form url.Values) (header, claims map[string]any, problem string) {
	if form.Get("grant_type") != "client_credentials" {
		return nil, nil, "grant_type " + form.Get("grant_type")
	}
	if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return nil, nil, "client_assertion_type " + form.Get("client_assertion_type")
	}
	parts := strings.Split(form.Get("client_assertion"), ".")
	if len(parts) != 3 {
		return nil, nil, "assertion is not a compact JWS"
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, nil, "header: " + err.Error()
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return header, nil, "claims: " + err.Error()
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return header, claims, "signature encoding"
	}
	digest := sha512.Sum384([]byte(parts[0] + "." + parts[1]))
	switch pub := f.pub.(type) {
	case *rsa.PublicKey:
		if header["alg"] != "RS384" {
			return header, claims, fmt.Sprintf("alg %v for an RSA key", header["alg"])
		}
		if rsa.VerifyPKCS1v15(pub, crypto.SHA384, digest[:], sig) != nil {
			return header, claims, "RS384 signature does not verify"
		}
	case *ecdsa.PublicKey:
		if header["alg"] != "ES384" {
			return header, claims, fmt.Sprintf("alg %v for an EC key", header["alg"])
		}
		if len(sig) != 96 {
			return header, claims, fmt.Sprintf("ES384 signature is %d bytes, want 96", len(sig))
		}
		r, s := new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			return header, claims, "ES384 signature does not verify"
		}
	}
	if header["kid"] != f.kid || header["typ"] != "JWT" {
		return header, claims, fmt.Sprintf("kid %v typ %v", header["kid"], header["typ"])
	}
	now := f.now().Unix()
	exp, _ := claims["exp"].(float64)
	switch {
	case claims["iss"] != f.clientID || claims["sub"] != f.clientID:
		return header, claims, "iss/sub is not the client id"
	case claims["aud"] != f.tokenURL():
		return header, claims, fmt.Sprintf("aud %v", claims["aud"])
	case int64(exp) <= now || int64(exp) > now+300:
		return header, claims, fmt.Sprintf("exp %v not within 5 minutes of %d", claims["exp"], now)
	}
	jti, _ := claims["jti"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	if jti == "" || f.jtis[jti] {
		return header, claims, "jti missing or reused"
	}
	f.jtis[jti] = true
	return header, claims, ""
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// fhir serves read, search, create and conditional update over the resource map.
func (f *fakeEHR) fhir(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.fhirCalls = append(f.fhirCalls, r)
	f.fhirBodies = append(f.fhirBodies, body)
	ok := f.issued[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	hook := f.fhirHook
	f.mu.Unlock()
	if !ok {
		writeOutcome(w, http.StatusUnauthorized, "login", "token not valid")
		return
	}
	if hook != nil && hook(w, r, body) {
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/fhir/"), "/")
	switch {
	case r.Method == http.MethodGet && len(parts) == 2:
		res, v := f.get(parts[0] + "/" + parts[1])
		if res == nil {
			writeOutcome(w, http.StatusNotFound, "not-found", "no such resource")
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`W/"%d"`, v))
		writeJSON(w, http.StatusOK, withVersion(res, v))
	case r.Method == http.MethodGet && len(parts) == 1:
		writeJSON(w, http.StatusOK, f.search(parts[0], r.URL.Query().Get("identifier")))
	case r.Method == http.MethodPost && len(parts) == 1:
		f.create(w, r, parts[0], body)
	case r.Method == http.MethodPut && len(parts) == 2:
		key := parts[0] + "/" + parts[1]
		_, v := f.get(key)
		if m := r.Header.Get("If-Match"); m != "" && m != fmt.Sprintf(`W/"%d"`, v) {
			writeOutcome(w, http.StatusPreconditionFailed, "conflict", "version mismatch")
			return
		}
		var res map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&res); err != nil {
			writeOutcome(w, http.StatusBadRequest, "structure", "bad json")
			return
		}
		nv := f.put(res)
		w.Header().Set("ETag", fmt.Sprintf(`W/"%d"`, nv))
		writeJSON(w, http.StatusOK, withVersion(res, nv))
	default:
		writeOutcome(w, http.StatusBadRequest, "not-supported", "unsupported interaction")
	}
}

// search returns a searchset of resources of typ whose identifier matches token (all when
// token is empty).
func (f *fakeEHR) search(typ, token string) fhir.Bundle {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := fhir.Bundle{ResourceType: "Bundle", Type: "searchset"}
	for key, s := range f.resources {
		if !strings.HasPrefix(key, typ+"/") || (token != "" && !hasIdentifier(s.body, token)) {
			continue
		}
		raw, _ := json.Marshal(withVersion(s.body, s.version))
		b.Entry = append(b.Entry, fhir.BundleEntry{Resource: raw, Search: &fhir.BundleEntrySearch{Mode: "match"}})
	}
	n := len(b.Entry)
	b.Total = &n
	return b
}

func (f *fakeEHR) create(w http.ResponseWriter, r *http.Request, typ string, body []byte) {
	if cond := r.Header.Get("If-None-Exist"); cond != "" {
		q, err := url.ParseQuery(cond)
		if err != nil {
			writeOutcome(w, http.StatusBadRequest, "invalid", "bad If-None-Exist")
			return
		}
		if found := f.search(typ, q.Get("identifier")); len(found.Entry) == 1 {
			var res map[string]any
			_ = json.Unmarshal(found.Entry[0].Resource, &res)
			writeJSON(w, http.StatusOK, res)
			return
		}
	}
	var res map[string]any
	if err := json.Unmarshal(body, &res); err != nil {
		writeOutcome(w, http.StatusBadRequest, "structure", "bad json")
		return
	}
	f.mu.Lock()
	f.nextID++
	res["id"] = fmt.Sprintf("new-%d", f.nextID)
	f.mu.Unlock()
	v := f.put(res)
	w.Header().Set("Location", fmt.Sprintf("%s/%s/%s/_history/%d", f.baseURL(), typ, res["id"], v))
	w.Header().Set("ETag", fmt.Sprintf(`W/"%d"`, v))
	writeJSON(w, http.StatusCreated, withVersion(res, v))
}

func hasIdentifier(res map[string]any, token string) bool {
	ids, _ := res["identifier"].([]any)
	for _, id := range ids {
		m, _ := id.(map[string]any)
		if fmt.Sprintf("%v|%v", m["system"], m["value"]) == token {
			return true
		}
	}
	return false
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
