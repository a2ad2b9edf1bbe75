package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/workflows/payments"
)

func TestHealthz(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodGet, "/healthz", "", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
}

func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		h := newHarness(t, func(d *api.Deps) { d.Ready = func(context.Context) error { return nil } })
		h.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Once()
		require.Equal(t, http.StatusOK, h.do(http.MethodGet, "/readyz", "", "").Code)
	})
	t.Run("temporal down", func(t *testing.T) {
		h := newHarness(t)
		h.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(nil, serviceerror.NewUnavailable("connection refused 10.0.0.7")).Once()
		w := h.do(http.MethodGet, "/readyz", "", "")
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		problem(t, w)
		assert.NotContains(t, w.Body.String(), "10.0.0.7")
	})
	t.Run("store down", func(t *testing.T) {
		h := newHarness(t, func(d *api.Deps) {
			d.Ready = func(context.Context) error { return errors.New("pg: password authentication failed") }
		})
		h.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Once()
		w := h.do(http.MethodGet, "/readyz", "", "")
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.NotContains(t, w.Body.String(), "password")
	})
}

func TestMetricsRoute(t *testing.T) {
	h := newHarness(t)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodGet, "/metrics", "", "").Code)

	h = newHarness(t, func(d *api.Deps) {
		d.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("up 1\n")) })
	})
	w := h.do(http.MethodGet, "/metrics", "", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "up 1\n", w.Body.String())
}

// Codec requests reach Deps.Codec only when authorized; CORS preflight always does.
func TestCodecRoutes(t *testing.T) {
	var served []string
	codec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served = append(served, r.Method+" "+r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	})
	h := newHarness(t, func(d *api.Deps) { d.Codec = codec })

	assert.Equal(t, http.StatusNoContent, h.do(http.MethodOptions, "/codec/decode", "", "").Code, "preflight needs no token")
	assert.Equal(t, http.StatusUnauthorized, h.do(http.MethodPost, "/codec/decode", `{}`, "").Code)
	assert.Equal(t, http.StatusNoContent, h.do(http.MethodPost, "/codec/decode", `{}`, codecSecret).Code)
	assert.Equal(t, http.StatusNoContent, h.do(http.MethodPost, "/codec/encode", `{}`, adminSecret).Code)
	assert.Equal(t, []string{"OPTIONS /codec/decode", "POST /codec/decode", "POST /codec/encode"}, served)

	custom := newHarness(t, func(d *api.Deps) {
		d.Codec = codec
		d.CodecAuthorize = func(r *http.Request) bool { return r.Header.Get("X-UI-Key") == "ok" }
	})
	assert.Equal(t, http.StatusUnauthorized, custom.do(http.MethodPost, "/codec/decode", `{}`, codecSecret).Code)
	assert.Equal(t, http.StatusNoContent, custom.do(http.MethodPost, "/codec/decode", `{}`, "", "X-UI-Key", "ok").Code)

	none := newHarness(t)
	assert.Equal(t, http.StatusNotFound, none.do(http.MethodPost, "/codec/decode", `{}`, codecSecret).Code)
}

func TestRequestID(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodGet, "/healthz", "", "", "X-Request-Id", "client-id.123")
	assert.Equal(t, "client-id.123", w.Header().Get("X-Request-Id"))

	generated := h.do(http.MethodGet, "/healthz", "", "").Header().Get("X-Request-Id")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, generated)
	assert.NotEqual(t, generated, h.do(http.MethodGet, "/healthz", "", "").Header().Get("X-Request-Id"))

	hostile := h.do(http.MethodGet, "/healthz", "", "", "X-Request-Id", "bad id\twith spaces")
	assert.NotContains(t, hostile.Header().Get("X-Request-Id"), " ")
	assert.NotEmpty(t, hostile.Header().Get("X-Request-Id"))

	p := problem(t, h.do(http.MethodGet, "/v1/payments/x", "", "", "X-Request-Id", "rid-401"))
	assert.Equal(t, "rid-401", p.RequestID)
}

// The mux's own 404 and 405 answers are replaced by problem+json, keeping Allow.
func TestUnknownRouteAndWrongMethod(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/v1/nothing", "/v1/payments/pay-1/explode", "/elsewhere"} {
		w := h.do(http.MethodGet, path, "", adminSecret)
		require.Equal(t, http.StatusNotFound, w.Code, path)
		problem(t, w)
	}
	w := h.do(http.MethodDelete, "/v1/payments/pay-1", "", adminSecret)
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)
	problem(t, w)
	assert.Contains(t, w.Header().Get("Allow"), http.MethodGet)

	w = h.do(http.MethodGet, "/v1/payments", "", adminSecret)
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)
	assert.Contains(t, w.Header().Get("Allow"), http.MethodPost)
}

// The request log names the route pattern, so neither IDs in paths nor query strings leak.
func TestRequestLogHasRouteNotPathOrQuery(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:pay-77", "").
		Return(nil, serviceerror.NewNotFound("not found")).Once()

	h.do(http.MethodGet, "/v1/payments/pay-77?patient=Jane", "", readerSecret, "X-Request-Id", "rid-log")

	line := h.logs.String()
	assert.Contains(t, line, `"route":"GET /v1/payments/{id}"`)
	assert.Contains(t, line, `"status":404`)
	assert.Contains(t, line, `"request_id":"rid-log"`)
	assert.Contains(t, line, `"token":"reader"`)
	assert.NotContains(t, line, "Jane")
	assert.NotContains(t, line, "pay-77")
}

// Deps.Middleware (metrics) can label by r.Pattern after the router ran.
func TestMiddlewareSeesRoutePattern(t *testing.T) {
	var patterns []string
	h := newHarness(t, func(d *api.Deps) {
		d.Middleware = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, r)
				patterns = append(patterns, r.Pattern)
			})
		}
	})
	h.do(http.MethodGet, "/healthz", "", "")
	h.do(http.MethodGet, "/nowhere", "", "")
	assert.Equal(t, []string{"GET /healthz", ""}, patterns)
}

func TestPanicBecomesProblem(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, mock.Anything).
		Run(func(mock.Arguments) { panic("boom") }).Return(nil, nil).Once()
	w := h.do(http.MethodGet, "/v1/payments/pay-1", "", readerSecret)
	require.Equal(t, http.StatusInternalServerError, w.Code)
	p := problem(t, w)
	assert.False(t, strings.Contains(p.Detail, "boom"))
}

func TestPaymentStateQueryFailureAfterDescribe(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:pay-1", "").Return(describeResponse("run-1"), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "payment:pay-1", "run-1", payments.StatusQuery).
		Return(nil, serviceerror.NewDeadlineExceeded("context deadline exceeded")).Once()
	w := h.do(http.MethodGet, "/v1/payments/pay-1", "", readerSecret)
	require.Equal(t, http.StatusGatewayTimeout, w.Code)
	problem(t, w)
}

// A path-cleaning redirect labels by pattern too, so its raw path reaches neither metrics nor logs.
func TestRedirectDoesNotLeakPathAsPattern(t *testing.T) {
	var patterns []string
	h := newHarness(t, func(d *api.Deps) {
		d.Middleware = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, r)
				patterns = append(patterns, r.Pattern)
			})
		}
	})
	w := h.do(http.MethodGet, "/v1//payments/pay-secret", "", readerSecret)
	require.True(t, w.Code >= 300 && w.Code < 400, "a redirect, got %d", w.Code)
	require.Len(t, patterns, 1)
	assert.NotContains(t, patterns[0], "pay-secret")
	assert.NotContains(t, h.logs.String(), "pay-secret")
}

// Tokens.Allows lets custom codec authorizers fall back to bearer tokens.
func TestTokensAllows(t *testing.T) {
	toks, err := api.ParseTokens("c:csecret:codec,p:psecret:payments.read")
	require.NoError(t, err)
	r, _ := http.NewRequest(http.MethodPost, "/codec/decode", nil)
	assert.False(t, toks.Allows(r, "codec"))
	r.Header.Set("Authorization", "Bearer csecret")
	assert.True(t, toks.Allows(r, "codec"))
	r.Header.Set("Authorization", "Bearer psecret")
	assert.False(t, toks.Allows(r, "codec"))
}
