package api

import (
	"context"
	_ "embed"
	"net/http"

	"go.temporal.io/sdk/client"
)

// openAPIDocument is the hand-written OpenAPI 3.1 description of every route in Routes.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI document served at GET /openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

// systemRoutes are the public routes: health, metrics and the OpenAPI document.
func (s *server) systemRoutes() []routeEntry {
	return []routeEntry{
		{Route{http.MethodGet, "/healthz", AuthNone, "", ""}, s.healthz},
		{Route{http.MethodGet, "/readyz", AuthNone, "", ""}, s.readyz},
		{Route{http.MethodGet, "/metrics", AuthNone, "", ""}, s.metrics},
		{Route{http.MethodGet, "/openapi.json", AuthNone, "", ""}, s.openapi},
	}
}

// codecScope is the bearer scope the codec routes require by default.
const codecScope = "codec"

// codecRoutes serve the payload codec for the Web UI: GET and POST, plus CORS preflight.
func (s *server) codecRoutes() []routeEntry {
	var out []routeEntry
	// The Web UI of `run` appends /encode and /decode to a codec endpoint that carries the
	// per-run secret (Deps.CodecAuthorize checks it).
	for _, base := range []string{"/codec", "/codec/{secret}"} {
		for _, op := range []string{"/encode", "/decode"} {
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodOptions} {
				out = append(out, routeEntry{Route{m, base + op, AuthCodec, codecScope, ""}, s.codec})
			}
		}
	}
	return out
}

// healthz reports that the process is up; it checks nothing else on purpose, so an orchestrator
// does not restart the API when Temporal is down.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request, _ *auditEntry) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports whether requests can be served: Temporal answers its health check and the
// extra Ready check (the record store) passes.
func (s *server) readyz(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if _, err := s.d.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		s.log.Warn("readiness: temporal", "request_id", infoFrom(r.Context()).id, "error", err.Error())
		w.Header().Set("Retry-After", "5")
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "temporal is not reachable"})
		return
	}
	if s.d.Ready != nil {
		if err := s.d.Ready(ctx); err != nil {
			s.log.Warn("readiness: dependencies", "request_id", infoFrom(r.Context()).id, "error", err.Error())
			w.Header().Set("Retry-After", "5")
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "a dependency is not ready"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// metrics serves Deps.Metrics.
func (s *server) metrics(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	if s.d.Metrics == nil {
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: "metrics are not enabled"})
		return
	}
	s.d.Metrics.ServeHTTP(w, r)
}

// openapi serves the embedded OpenAPI document.
func (s *server) openapi(w http.ResponseWriter, _ *http.Request, _ *auditEntry) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}

// codec serves Deps.Codec; authentication ran in codecAuth.
func (s *server) codec(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	if s.d.Codec == nil {
		s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: "the codec server is not enabled"})
		return
	}
	s.d.Codec.ServeHTTP(w, r)
}
