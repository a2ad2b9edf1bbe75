package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func thingsMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing-7" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("POST /v1/things", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	return mux
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestHTTPMiddlewareRecordsPatternNotPath(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := metrics.HTTPMiddleware(reg, thingsMux(), nil)
	for _, id := range []string{"appt-123", "appt-456", "missing-7"} {
		serve(h, http.MethodGet, "/v1/things/"+id)
	}
	require.Equal(t, http.StatusCreated, serve(h, http.MethodPost, "/v1/things").Code)
	serve(h, http.MethodGet, "/v1/other/secret-id-9")
	serve(h, "BREW", "/v1/things")

	text := scrape(t, reg)
	for _, line := range []string{
		`careflow_http_requests_total{code="200",method="GET",route="GET /v1/things/{id}"} 2`,
		`careflow_http_requests_total{code="404",method="GET",route="GET /v1/things/{id}"} 1`,
		`careflow_http_requests_total{code="201",method="POST",route="POST /v1/things"} 1`,
		`careflow_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`careflow_http_request_duration_seconds_count{method="GET",route="GET /v1/things/{id}"} 3`,
	} {
		assert.Contains(t, text, line+"\n")
	}
	// The mux answers 405 for a known path with an unknown method.
	assert.Contains(t, text, `careflow_http_requests_total{code="405",method="OTHER",route="unmatched"} 1`+"\n")
	for _, raw := range []string{"appt-123", "missing-7", "secret-id-9", "BREW"} {
		assert.NotContains(t, text, raw)
	}
}

func TestHTTPMiddlewareCustomRouteAndPanic(t *testing.T) {
	reg := prometheus.NewRegistry()
	route := func(r *http.Request) string {
		if strings.HasPrefix(r.URL.Path, "/boom") {
			return "boom"
		}
		return ""
	}
	h := metrics.HTTPMiddleware(reg, thingsMux(), route)
	assert.Panics(t, func() { serve(h, http.MethodGet, "/boom") })

	// Wrapping twice on one registry reuses the collectors instead of panicking.
	again := metrics.HTTPMiddleware(reg, thingsMux(), nil)
	serve(again, http.MethodGet, "/v1/things/x")

	text := scrape(t, reg)
	assert.Contains(t, text, `careflow_http_requests_total{code="500",method="GET",route="boom"} 1`+"\n")
	assert.Contains(t, text, `careflow_http_requests_total{code="200",method="GET",route="GET /v1/things/{id}"} 1`+"\n")
}

func TestHTTPMiddlewareKeepsFlusher(t *testing.T) {
	reg := prometheus.NewRegistry()
	var flushed bool
	h := metrics.HTTPMiddleware(reg, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f, ok := w.(http.Flusher)
		require.True(t, ok)
		f.Flush()
		flushed = true
	}), nil)
	rec := serve(h, http.MethodGet, "/stream")
	assert.True(t, flushed)
	assert.True(t, rec.Flushed)
}
