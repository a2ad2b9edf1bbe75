package stack

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/metrics"
	"github.com/careflow/engine/internal/payloadcodec"
)

// bindAPI binds the API's listener before anything else needs its address (the simulators
// call its webhooks) and parses the API tokens, generating a dev token when none are set.
func (s *Stack) bindAPI(context.Context) error {
	cfg := s.Config
	s.APIURL = "http://" + cfg.APIAddr
	if !s.opts.NoAPI {
		ln, err := net.Listen("tcp", cfg.APIAddr)
		if err != nil {
			return fmt.Errorf("api listen %s: %w", cfg.APIAddr, err)
		}
		s.apiLn = ln
		s.APIURL = "http://" + ln.Addr().String()
	}
	tokens := cfg.APITokens
	if tokens == "" {
		var err error
		if s.Token, err = devToken(cfg.DataDir); err != nil {
			return err
		}
		tokens = "dev:" + s.Token + ":*"
	}
	var err error
	s.tokens, err = api.ParseTokens(tokens)
	return err
}

// startAPI completes the API's dependencies the areas left and serves HTTP and MLLP.
func (s *Stack) startAPI() {
	cfg := s.Config
	codecOpts := payloadcodec.HandlerOptions{AllowedOrigins: uiOrigins(cfg.TemporalUIURL)}
	d := &s.deps
	d.Temporal = s.Temporal
	d.Namespace = cfg.TemporalNamespace
	d.UIURL = cfg.TemporalUIURL
	d.Tokens = s.tokens
	d.Records = s.Store
	d.Logger = s.logger.With("component", "api")
	d.Metrics = metrics.Handler(s.reg)
	d.Codec = payloadcodec.NewHTTPHandler(s.Codec, codecOpts)
	d.Ready = s.Store.Ping
	d.Deferred = api.NewDeferred()
	reg := s.reg
	d.Middleware = func(h http.Handler) http.Handler { return metrics.HTTPMiddleware(reg, h, nil) }
	if s.opts.CodecFromUIOrigin && s.opts.CodecRunSecret != "" && isLoopbackAddr(cfg.APIAddr) {
		d.CodecAuthorize = uiCodecAuthorize(codecOpts.AllowedOrigins, s.opts.CodecRunSecret, s.tokens)
	}
	s.http = &http.Server{
		Handler:           api.New(*d),
		ReadHeaderTimeout: api.ReadHeaderTimeout,
		ReadTimeout:       api.ReadTimeout,
		WriteTimeout:      api.WriteTimeout,
		IdleTimeout:       api.IdleTimeout,
	}
	s.serveMLLP(s.mllpLn, *d)
	s.httpDone = make(chan error, 1)
	ln := s.apiLn
	go func() { s.httpDone <- s.http.Serve(ln) }()
}

// uiCodecAuthorize lets the Web UI reach the codec from one of its origins on the path holding
// the per-run secret; everyone else needs a token with scope "codec".
func uiCodecAuthorize(allowed []string, runSecret string, tokens *api.Tokens) func(*http.Request) bool {
	secret := []byte(runSecret)
	return func(r *http.Request) bool {
		o := r.Header.Get("Origin")
		for _, a := range allowed {
			if o == a && subtle.ConstantTimeCompare([]byte(r.PathValue("secret")), secret) == 1 {
				return true
			}
		}
		return tokens.Allows(r, "codec")
	}
}

// devToken returns the dev API token kept in dataDir, creating it on first use so that a
// restarted `make run` keeps working with the token printed before.
func devToken(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "dev-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	tok := randomHex(24)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("dev token: %w", err)
	}
	return tok, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure means the system is unusable
	}
	return hex.EncodeToString(b)
}

// uiOrigins returns the Web UI's origin plus its localhost/127.0.0.1 twin, since browsers
// treat them as different origins.
func uiOrigins(uiURL string) []string {
	u, err := url.Parse(uiURL)
	if err != nil || u.Host == "" {
		return nil
	}
	origins := []string{u.Scheme + "://" + u.Host}
	host, port := u.Hostname(), u.Port()
	twin := map[string]string{"127.0.0.1": "localhost", "localhost": "127.0.0.1"}[host]
	if twin != "" {
		if port != "" {
			twin += ":" + port
		}
		origins = append(origins, u.Scheme+"://"+twin)
	}
	return origins
}
