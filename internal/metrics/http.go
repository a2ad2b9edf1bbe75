package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// UnmatchedRoute is the route label of requests no pattern matched; raw
// paths are never used as labels because they carry ids.
const UnmatchedRoute = "unmatched"

// HTTPMiddleware counts requests by method, route pattern and status code
// (careflow_http_requests_total) and observes their latency
// (careflow_http_request_duration_seconds) by method and route.
//
// The route label is route(r) after next has run, or r.Pattern when route is
// nil. A Go 1.22+ ServeMux sets r.Pattern on the request it receives, so with
// a nil route, next must be the mux itself or pass the same *http.Request on
// (r.WithContext makes a copy the middleware cannot see).
func HTTPMiddleware(reg prometheus.Registerer, next http.Handler, route func(*http.Request) string) http.Handler {
	if reg == nil {
		return next
	}
	requests := registerOrReuse(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "careflow_http_requests_total",
		Help: "HTTP requests served, by method, route pattern and status code.",
	}, []string{"method", "route", "code"}))
	latency := registerOrReuse(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "careflow_http_request_duration_seconds",
		Help:    "HTTP request latency in seconds, by method and route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"}))
	if route == nil {
		route = func(r *http.Request) string { return r.Pattern }
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		record := func(code int) {
			pattern := route(r)
			if pattern == "" {
				pattern = UnmatchedRoute
			}
			method := methodLabel(r.Method)
			requests.WithLabelValues(method, pattern, strconv.Itoa(code)).Inc()
			latency.WithLabelValues(method, pattern).Observe(time.Since(start).Seconds())
		}
		defer func() {
			// net/http turns a handler panic into a dropped connection; count
			// it as a 500 and let the panic continue.
			if v := recover(); v != nil {
				record(http.StatusInternalServerError)
				panic(v)
			}
		}()
		next.ServeHTTP(sw, r)
		record(sw.code())
	})
}

// methodLabel bounds the method label to the standard methods, since any
// token is a valid method and labels must not be attacker-chosen.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusWriter remembers the final status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	// 1xx responses are informational; the final status comes later.
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush keeps streaming handlers that assert http.Flusher working.
func (s *statusWriter) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// code is the status sent, 200 when the handler wrote nothing.
func (s *statusWriter) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}
