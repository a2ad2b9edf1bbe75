package fhir

import (
	"crypto"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultScope asks for system-level read and write access, which the check-in needs
// (read Patient/Coverage/Appointment, update Appointment, create Encounter).
const DefaultScope = "system/*.read system/*.write"

// defaultTimeout bounds one HTTP exchange when the caller supplies no client; activity
// contexts usually set a tighter deadline.
const defaultTimeout = 30 * time.Second

// Config configures a Client.
type Config struct {
	// BaseURL is the FHIR R4 service base, e.g. https://ehr.example/fhir/R4.
	BaseURL string
	// TokenURL is the SMART token endpoint; it is also the client assertion's audience.
	TokenURL string
	// ClientID is the registered client id (the assertion's iss and sub).
	ClientID string
	// Scope is the requested scope; empty means DefaultScope.
	Scope string
	// PrivateKey signs client assertions: RSA (RS384) or ECDSA P-384 (ES384).
	PrivateKey crypto.Signer
	// KeyID is the JWS kid the EHR knows the public key by; empty means the key's
	// RFC 7638 thumbprint.
	KeyID string
	// HTTPClient carries all requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock for token expiry and assertion claims; nil means time.Now.
	Now func() time.Time
}

// Client is a FHIR R4 client. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	http     *http.Client
	now      func() time.Time
	tokens   *tokenSource
	maxPages int
}

// New validates cfg and returns a Client. It does not contact the servers.
func New(cfg Config) (*Client, error) {
	base, err := parseHTTPURL(cfg.BaseURL)
	if err != nil {
		return nil, errors.New("fhir: BaseURL must be an absolute http(s) URL")
	}
	if _, err := parseHTTPURL(cfg.TokenURL); err != nil {
		return nil, errors.New("fhir: TokenURL must be an absolute http(s) URL")
	}
	if cfg.ClientID == "" {
		return nil, errors.New("fhir: ClientID is required")
	}
	if cfg.PrivateKey == nil {
		return nil, errors.New("fhir: PrivateKey is required")
	}
	alg, err := algorithmFor(cfg.PrivateKey.Public())
	if err != nil {
		return nil, err
	}
	kid := cfg.KeyID
	if kid == "" {
		jwk, err := PublicJWK(cfg.PrivateKey, "")
		if err != nil {
			return nil, err
		}
		kid = jwk.Kid
	}
	c := &Client{
		base:     base,
		http:     cfg.HTTPClient,
		now:      cfg.Now,
		maxPages: defaultMaxPages,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: defaultTimeout}
	}
	if c.now == nil {
		c.now = time.Now
	}
	scope := cfg.Scope
	if scope == "" {
		scope = DefaultScope
	}
	c.tokens = newTokenSource(c.http, c.now, cfg.TokenURL, cfg.ClientID, scope,
		&jwtSigner{key: cfg.PrivateKey, alg: alg, kid: kid})
	return c, nil
}

// parseHTTPURL accepts only absolute http and https URLs, normalised without a trailing slash.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an absolute http(s) URL")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}
