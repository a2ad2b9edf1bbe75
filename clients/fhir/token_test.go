package fhir_test

import (
	"context"
	"crypto"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

// patientFixture stores a minimal Patient and returns its id.
func patientFixture(f *fakeEHR) string {
	f.put(map[string]any{"resourceType": "Patient", "id": "p1", "gender": "female"})
	return "p1"
}

func TestTokenRequestShapeAndAssertion(t *testing.T) {
	rsaK, ecK := keys(t)
	ecJWK, err := fhir.PublicJWK(ecK, "")
	require.NoError(t, err)
	cases := []struct {
		name, alg, kid, wantKid string
		key                     crypto.Signer
	}{
		{name: "RS384 with configured kid", alg: "RS384", key: rsaK, kid: "rsa-1", wantKid: "rsa-1"},
		{name: "ES384 with thumbprint kid", alg: "ES384", key: ecK, kid: "", wantKid: ecJWK.Kid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEHR(t, tc.key.Public(), tc.wantKid)
			c := f.client(tc.key, tc.kid, nil)
			before := time.Now().Unix()
			_, err := c.Read(context.Background(), "Patient", patientFixture(f))
			require.NoError(t, err)

			calls := f.calls()
			require.Len(t, calls, 1)
			call := calls[0]
			require.Empty(t, call.Problem, "the fake's verification of the assertion")
			assert.Equal(t, "client_credentials", call.Form.Get("grant_type"))
			assert.Equal(t, fhir.DefaultScope, call.Form.Get("scope"))
			assert.Equal(t, tc.alg, call.Header["alg"])
			assert.Equal(t, tc.wantKid, call.Header["kid"])
			assert.Equal(t, f.clientID, call.Claims["iss"])
			assert.Equal(t, f.clientID, call.Claims["sub"])
			assert.Equal(t, f.tokenURL(), call.Claims["aud"])
			exp, iat := int64(call.Claims["exp"].(float64)), int64(call.Claims["iat"].(float64))
			assert.LessOrEqual(t, exp-iat, int64(300), "exp at most five minutes after iat")
			assert.Greater(t, exp, before)
			assert.GreaterOrEqual(t, iat, before)
			assert.GreaterOrEqual(t, len(call.Claims["jti"].(string)), 16)

			reqs := f.fhirRequests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "Bearer "+call.AccessToken, reqs[0].Header.Get("Authorization"))
			assert.Equal(t, "application/fhir+json", reqs[0].Header.Get("Accept"))
		})
	}
}

func TestTokenAssertionJTIIsUniquePerFetch(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	c := f.client(ecK, "ec", nil)
	ctx := context.Background()
	id := patientFixture(f)
	for range 5 {
		// Revoking forces a fresh token, hence a fresh assertion, for every read.
		f.revokeAll()
		_, err := c.Read(ctx, "Patient", id)
		require.NoError(t, err)
	}
	seen := map[string]bool{}
	for _, call := range f.calls() {
		require.Empty(t, call.Problem)
		jti := call.Claims["jti"].(string)
		assert.False(t, seen[jti], "jti %s reused", jti)
		seen[jti] = true
	}
	assert.Len(t, seen, 5)
}

func TestTokenIsCachedAcrossConcurrentRequests(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	// Slow token responses widen the window in which concurrent callers find no token.
	f.tokenFault = func(http.ResponseWriter) bool { time.Sleep(20 * time.Millisecond); return false }
	c := f.client(ecK, "ec", nil)
	id := patientFixture(f)
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Read(context.Background(), "Patient", id); err != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	for range 10 {
		_, err := c.Read(context.Background(), "Patient", id)
		require.NoError(t, err)
	}
	assert.Zero(t, failures.Load())
	assert.Equal(t, 1, len(f.calls()), "one token request serves every FHIR request")
	assert.Len(t, f.fhirRequests(), 42)
}

func TestTokenRenewedShortlyBeforeExpiry(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	f.now = now
	c := f.client(ecK, "ec", now)
	id := patientFixture(f)
	ctx := context.Background()

	_, err := c.Read(ctx, "Patient", id)
	require.NoError(t, err)
	advance(239 * time.Second) // expires_in is 300: still more than 60 s left
	_, err = c.Read(ctx, "Patient", id)
	require.NoError(t, err)
	assert.Equal(t, 1, len(f.calls()))

	advance(2 * time.Second) // 59 s left: inside the renewal margin
	_, err = c.Read(ctx, "Patient", id)
	require.NoError(t, err)
	assert.Equal(t, 2, len(f.calls()))
}

func TestUnauthorizedRefreshesTokenAndRetriesOnce(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	c := f.client(ecK, "ec", nil)
	id := patientFixture(f)
	ctx := context.Background()
	_, err := c.Read(ctx, "Patient", id)
	require.NoError(t, err)

	f.revokeAll() // the cached token is now rejected with 401
	r, err := c.Read(ctx, "Patient", id)
	require.NoError(t, err)
	assert.Equal(t, "p1", r.ID)
	assert.Equal(t, 2, len(f.calls()), "one token per 401")
	reqs := f.fhirRequests()
	require.Len(t, reqs, 3)
	calls := f.calls()
	assert.Equal(t, "Bearer "+calls[0].AccessToken, reqs[1].Header.Get("Authorization"))
	assert.Equal(t, "Bearer "+calls[1].AccessToken, reqs[2].Header.Get("Authorization"))
}

func TestUnauthorizedTwiceIsPermanent(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.fhirHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		writeOutcome(w, http.StatusUnauthorized, "login", "expired")
		return true
	}
	c := f.client(ecK, "ec", nil)
	_, err := c.Read(context.Background(), "Patient", "p1")
	fe := asError(t, err)
	assert.Equal(t, http.StatusUnauthorized, fe.Status)
	assert.False(t, fe.Retryable)
	assert.Len(t, f.fhirRequests(), 2, "exactly one re-authenticated retry")
	assert.Equal(t, 2, len(f.calls()))
}

func TestTokenEndpointFailures(t *testing.T) {
	_, ecK := keys(t)
	cases := []struct {
		name      string
		status    int
		body      string
		header    map[string]string
		code      string
		retryable bool
		after     time.Duration
	}{
		{name: "500 is retryable", status: 500, body: `oops`, retryable: true},
		{name: "503 with Retry-After", status: 503, header: map[string]string{"Retry-After": "7"},
			retryable: true, after: 7 * time.Second},
		{name: "429 is retryable", status: 429, body: `{"error":"slow_down"}`, code: "slow_down", retryable: true},
		{name: "invalid_client is permanent", status: 400, body: `{"error":"invalid_client","error_description":"Jane Doe"}`,
			code: "invalid_client"},
		{name: "401 is permanent", status: 401, body: `{"error":"invalid_client"}`, code: "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEHR(t, ecK.Public(), "ec")
			f.tokenFault = func(w http.ResponseWriter) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
				return true
			}
			c := f.client(ecK, "ec", nil)
			_, err := c.Read(context.Background(), "Patient", "p1")
			fe := asError(t, err)
			assert.Equal(t, "token", fe.Op)
			assert.Equal(t, tc.status, fe.Status)
			assert.Equal(t, tc.code, fe.Code)
			assert.Equal(t, tc.retryable, fe.Retryable)
			assert.Equal(t, tc.retryable, fhir.IsRetryable(err))
			assert.Equal(t, tc.after, fe.RetryAfter)
			assert.NotContains(t, err.Error(), "Jane")
			assert.Empty(t, f.fhirRequests(), "no FHIR request without a token")
		})
	}
}

func TestTokenEndpointUnreachableIsRetryable(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	c := f.client(ecK, "ec", nil)
	f.srv.Close()
	_, err := c.Read(context.Background(), "Patient", "p1")
	fe := asError(t, err)
	assert.Equal(t, "network", fe.Code)
	assert.True(t, fe.Retryable)
}

func TestMalformedTokenResponseIsRetryable(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.tokenFault = func(w http.ResponseWriter) bool {
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "mac", "access_token": "x"})
		return true
	}
	c := f.client(ecK, "ec", nil)
	_, err := c.Read(context.Background(), "Patient", "p1")
	fe := asError(t, err)
	assert.Equal(t, "malformed", fe.Code)
	assert.True(t, fe.Retryable)
}
