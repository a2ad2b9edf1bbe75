package payloadcodec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// DefaultMaxBodyBytes bounds codec request bodies; Temporal caps a single
// payload at 2 MiB, and the UI sends a few payloads per request.
const DefaultMaxBodyBytes = 8 << 20

// HandlerOptions configures NewHTTPHandler.
type HandlerOptions struct {
	// AllowedOrigins lists the Web UI origins allowed to call the codec from a
	// browser, e.g. "http://127.0.0.1:8233"; other origins get 403.
	AllowedOrigins []string
	// Authorize, when set, must return true for a request to be served;
	// otherwise the handler answers 401. Preflight requests skip it because
	// browsers never send credentials on them.
	Authorize func(r *http.Request) bool
	// MaxBodyBytes bounds the request body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// allowHeaders are the request headers the Temporal Web UI sends to a codec
// server (X-Namespace always, Authorization when it passes its token).
const allowHeaders = "Content-Type, X-Namespace, Authorization"

type codecHandler struct {
	origins map[string]bool
	opts    HandlerOptions
	inner   http.Handler
}

// NewHTTPHandler serves POST /codec/encode and POST /codec/decode (any path
// ending in /encode or /decode, as the SDK handler matches suffixes) for the
// Temporal Web UI, with CORS for opts.AllowedOrigins and optional auth.
func NewHTTPHandler(c converter.PayloadCodec, opts HandlerOptions) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := &codecHandler{origins: map[string]bool{}, opts: opts, inner: converter.NewPayloadCodecHTTPHandler(c)}
	for _, o := range opts.AllowedOrigins {
		h.origins[normalizeOrigin(o)] = true
	}
	return h
}

func (h *codecHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin != "" {
		// Browsers always send Origin on cross-origin calls; refusing unknown
		// origins outright also stops "simple" text/plain POSTs that skip
		// the preflight. Non-browser clients send no Origin and pass.
		if !h.origins[normalizeOrigin(origin)] {
			writeProblem(w, http.StatusForbidden)
			return
		}
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Set("Access-Control-Allow-Credentials", "true")
		hdr.Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", allowHeaders)
		hdr.Set("Access-Control-Max-Age", "600")
		hdr.Set("Allow", "POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeProblem(w, http.StatusMethodNotAllowed)
		return
	}
	if h.opts.Authorize != nil && !h.opts.Authorize(r) {
		writeProblem(w, http.StatusUnauthorized)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/encode") && !strings.HasSuffix(r.URL.Path, "/decode") {
		writeProblem(w, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeProblem(w, http.StatusRequestEntityTooLarge)
			return
		}
		writeProblem(w, http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// Decoded bodies are PHI; keep them out of browser and proxy caches.
	w.Header().Set("Cache-Control", "no-store")
	h.inner.ServeHTTP(&problemWriter{ResponseWriter: w}, r)
}

// normalizeOrigin makes origin comparison tolerant of case and a trailing
// slash in configuration.
func normalizeOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

// problemWriter replaces the SDK handler's plain-text error bodies, which
// carry codec and JSON parser messages, with a generic problem document.
type problemWriter struct {
	http.ResponseWriter
	failed bool
}

func (p *problemWriter) WriteHeader(code int) {
	if code >= http.StatusBadRequest {
		p.failed = true
		writeProblem(p.ResponseWriter, code)
		return
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *problemWriter) Write(b []byte) (int, error) {
	if p.failed {
		// Pretend success so the SDK handler finishes quietly.
		return len(b), nil
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (p *problemWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// writeProblem writes an RFC 9457 body with only the status and its title.
func writeProblem(w http.ResponseWriter, status int) {
	hdr := w.Header()
	hdr.Del("Content-Length")
	hdr.Del("Cache-Control")
	hdr.Set("Content-Type", "application/problem+json")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}{"about:blank", http.StatusText(status), status})
}
