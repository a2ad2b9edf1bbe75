package fhir

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	// clientAssertionType is the RFC 7523 assertion type SMART Backend Services uses.
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// refreshMargin renews a token this long before it expires, so a request never leaves
	// with a token that dies in flight.
	refreshMargin = 60 * time.Second
	// defaultTokenLifetime applies when the server omits expires_in (SMART says SHOULD).
	defaultTokenLifetime = 5 * time.Minute
	// maxTokenBody bounds the token response read into memory.
	maxTokenBody = 1 << 20
)

// tokenSource fetches and caches SMART Backend Services access tokens.
type tokenSource struct {
	http     *http.Client
	now      func() time.Time
	tokenURL string
	clientID string
	scope    string
	signer   *jwtSigner

	// fetch is a one-slot semaphore: at most one token request is in flight, and callers
	// waiting for it can still give up when their context ends (a sync.Mutex cannot).
	fetch chan struct{}

	mu        sync.Mutex
	token     string
	refreshAt time.Time
}

func newTokenSource(hc *http.Client, now func() time.Time, tokenURL, clientID, scope string, s *jwtSigner) *tokenSource {
	return &tokenSource{
		http: hc, now: now, tokenURL: tokenURL, clientID: clientID, scope: scope, signer: s,
		fetch: make(chan struct{}, 1),
	}
}

// cached returns the current token if it is still fresh.
func (t *tokenSource) cached() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.now().Before(t.refreshAt) {
		return t.token, true
	}
	return "", false
}

// Token returns a fresh access token, fetching one if the cache is empty or stale.
func (t *tokenSource) Token(ctx context.Context) (string, error) {
	if tok, ok := t.cached(); ok {
		return tok, nil
	}
	select {
	case t.fetch <- struct{}{}:
	case <-ctx.Done():
		return "", transportError("token", "", ctx.Err())
	}
	defer func() { <-t.fetch }()
	// Another caller may have fetched while this one waited for the slot.
	if tok, ok := t.cached(); ok {
		return tok, nil
	}
	tok, lifetime, err := t.request(ctx)
	if err != nil {
		return "", err
	}
	margin := refreshMargin
	if lifetime <= 2*margin {
		// Short-lived tokens (a test server, a strict EHR) are renewed at half-life instead.
		margin = lifetime / 2
	}
	t.mu.Lock()
	t.token, t.refreshAt = tok, t.now().Add(lifetime-margin)
	t.mu.Unlock()
	return tok, nil
}

// Invalidate drops tok from the cache after the FHIR server rejected it. A token another
// caller has already replaced it with is kept.
func (t *tokenSource) Invalidate(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok {
		t.token, t.refreshAt = "", time.Time{}
	}
}

// tokenResponse is the OAuth 2.0 token response, success or error.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Error       string `json:"error"`
}

// request performs the client_credentials grant with a signed client assertion.
func (t *tokenSource) request(ctx context.Context) (string, time.Duration, error) {
	assertion, err := t.signer.assertion(t.clientID, t.tokenURL, t.now())
	if err != nil {
		return "", 0, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {t.scope},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, invalidArg("token request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		return "", 0, transportError("token", "", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		return "", 0, transportError("token", "", err)
	}
	var tr tokenResponse
	decodeErr := json.Unmarshal(body, &tr)
	if resp.StatusCode/100 != 2 {
		e := &Error{
			Op: "token", Status: resp.StatusCode, Code: tr.Error,
			Retryable:  retryableStatus(resp.StatusCode),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), t.now()),
		}
		return "", 0, e
	}
	if decodeErr != nil || tr.AccessToken == "" || !strings.EqualFold(tr.TokenType, "bearer") {
		// A 2xx without a usable bearer token is a server fault, possibly passing; retry.
		return "", 0, &Error{Op: "token", Status: resp.StatusCode, Code: "malformed", Retryable: true}
	}
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	return tr.AccessToken, lifetime, nil
}
