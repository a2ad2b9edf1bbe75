package ehrsim

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
)

// SMART Backend Services constants (RFC 7523 and the SMART App Launch
// specification, "Backend Services").
const (
	grantClientCredentials = "client_credentials"
	assertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// MaxAssertionLifetime is how far in the future a client assertion's
	// exp may lie; SMART says "no more than five minutes".
	MaxAssertionLifetime = 5 * time.Minute
	// clockSkew forgives a client clock slightly ahead of the simulator's
	// on the upper exp bound only; an expired assertion is always refused.
	clockSkew = 10 * time.Second
)

// accessToken is an issued bearer token.
type accessToken struct {
	clientID string
	scopes   []scope
	expires  time.Time
}

// tokenError is an OAuth 2.0 error answer (RFC 6749 5.2).
type tokenError struct {
	status int
	code   string // "error"
	desc   string // "error_description"; never carries request content
}

// invalidClient is SMART's answer for any failed client authentication.
func invalidClient(desc string) *tokenError {
	return &tokenError{status: http.StatusUnauthorized, code: "invalid_client", desc: desc}
}

// handleToken serves POST /auth/token: the client_credentials grant with a
// private_key_jwt client assertion.
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.takeFault(OpToken); ok {
		if !s.applyTokenFault(w, r, f) {
			return
		}
	}
	resp, terr := s.issueToken(w, r)
	s.mu.Lock()
	if terr != nil {
		s.counts.TokensRejected++
	} else {
		s.counts.TokensIssued++
	}
	s.mu.Unlock()
	// Token answers must never be cached by intermediaries (RFC 6749 5.1).
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if terr != nil {
		writeJSON(w, terr.status, "application/json", map[string]string{
			"error": terr.code, "error_description": terr.desc,
		})
		return
	}
	writeJSON(w, http.StatusOK, "application/json", resp)
}

// applyTokenFault acts out an injected fault on the token endpoint; it
// reports whether the request should still be handled normally.
func (s *Sim) applyTokenFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	s.countFault()
	switch f.Kind {
	case FaultSlow:
		if s.sleep(r.Context(), f.Delay) {
			return true
		}
		writeJSON(w, http.StatusInternalServerError, "application/json",
			map[string]string{"error": "server_error"})
	case FaultRateLimit:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, "application/json",
			map[string]string{"error": "temporarily_unavailable", "error_description": "rate limited"})
	case FaultUnauthorized:
		writeJSON(w, http.StatusUnauthorized, "application/json",
			map[string]string{"error": "invalid_client", "error_description": "injected fault"})
	default:
		writeJSON(w, http.StatusInternalServerError, "application/json",
			map[string]string{"error": "server_error", "error_description": "injected fault"})
	}
	return false
}

// tokenResponse is the successful token answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// issueToken validates the grant and, if it is good, stores a new token.
func (s *Sim) issueToken(w http.ResponseWriter, r *http.Request) (*tokenResponse, *tokenError) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, &tokenError{http.StatusBadRequest, "invalid_request",
			"body must be application/x-www-form-urlencoded"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return nil, &tokenError{http.StatusBadRequest, "invalid_request", "unreadable form body"}
	}
	form := r.PostForm
	switch gt := form.Get("grant_type"); {
	case gt == "":
		return nil, &tokenError{http.StatusBadRequest, "invalid_request", "grant_type is required"}
	case gt != grantClientCredentials:
		return nil, &tokenError{http.StatusBadRequest, "unsupported_grant_type",
			"only client_credentials is supported"}
	}
	if form.Get("client_assertion_type") != assertionTypeJWTBearer {
		return nil, &tokenError{http.StatusBadRequest, "invalid_request",
			"client_assertion_type must be " + assertionTypeJWTBearer}
	}
	if form.Get("client_assertion") == "" {
		return nil, &tokenError{http.StatusBadRequest, "invalid_request", "client_assertion is required"}
	}
	scopes, err := parseScopes(form.Get("scope"))
	if err != nil {
		return nil, &tokenError{http.StatusBadRequest, "invalid_scope", err.Error()}
	}

	h, c, input, sig, err := parseJWS(form.Get("client_assertion"))
	if err != nil {
		return nil, invalidClient(err.Error())
	}
	if c.Iss == "" || c.Sub != c.Iss {
		return nil, invalidClient("iss and sub must both be the client_id")
	}
	if id := form.Get("client_id"); id != "" && id != c.Iss {
		return nil, invalidClient("client_id does not match the assertion's iss")
	}
	if h.Typ != "" && !strings.EqualFold(h.Typ, "JWT") {
		return nil, invalidClient("client_assertion typ must be JWT")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	keys, known := s.clients[c.Iss]
	if !known {
		return nil, invalidClient("unknown client_id")
	}
	// The signature is checked before any claim so that an unsigned
	// token learns nothing about which claims the server wanted.
	if err := verifySignature(h, input, sig, keys); err != nil {
		return nil, invalidClient(err.Error())
	}
	if aud := s.expectedAudience(r); !c.Aud.has(aud) {
		return nil, invalidClient("aud must be the token endpoint URL " + aud)
	}
	now := s.now()
	switch {
	case c.Exp.IsZero():
		return nil, invalidClient("exp is required")
	case !c.Exp.After(now):
		return nil, invalidClient("client_assertion has expired")
	case c.Exp.After(now.Add(MaxAssertionLifetime + clockSkew)):
		return nil, invalidClient("exp must be at most five minutes in the future")
	}
	if c.Jti == "" {
		return nil, invalidClient("jti is required")
	}
	s.pruneJTIs(now)
	key := c.Iss + "\x00" + c.Jti
	if _, used := s.jtis[key]; used {
		s.counts.ReplaysRejected++
		return nil, &tokenError{http.StatusUnauthorized, "invalid_grant", "jti has already been used"}
	}
	s.jtis[key] = c.Exp.Time

	tok := rand.Text() + rand.Text()
	s.tokens[tok] = &accessToken{clientID: c.Iss, scopes: scopes, expires: now.Add(s.tokenTTL)}
	return &tokenResponse{
		AccessToken: tok,
		TokenType:   "bearer",
		ExpiresIn:   int(s.tokenTTL / time.Second),
		Scope:       formatScopes(scopes),
	}, nil
}

// expectedAudience is the token URL assertions must be addressed to.
func (s *Sim) expectedAudience(r *http.Request) string {
	if s.tokenURL != "" {
		return s.tokenURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/auth/token"
}

// pruneJTIs forgets assertion ids whose assertions have expired: a replay
// of those fails the exp check anyway. Callers hold s.mu.
func (s *Sim) pruneJTIs(now time.Time) {
	for k, exp := range s.jtis {
		if !exp.After(now) {
			delete(s.jtis, k)
		}
	}
}

// errUnauthenticated is why a FHIR request's bearer token was refused.
var errUnauthenticated = errors.New("missing, unknown or expired bearer token")

// authenticate returns the access token a FHIR request carries.
func (s *Sim) authenticate(r *http.Request) (*accessToken, error) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, errUnauthenticated
	}
	tok = strings.TrimSpace(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.tokens[tok]
	if at == nil {
		return nil, errUnauthenticated
	}
	if !at.expires.After(s.now()) {
		delete(s.tokens, tok)
		return nil, errUnauthenticated
	}
	return at, nil
}

// writeJSON writes v as JSON with the given content type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
