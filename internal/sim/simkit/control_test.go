package simkit_test

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/careflow/engine/internal/sim/simkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validFault is testFault with a Validate method, as Controlled needs.
type validFault testFault

func (f validFault) Validate() error {
	if f.Kind != "500" && f.Kind != "slow" {
		return errors.New("xsim: unknown fault kind")
	}
	return nil
}

type testStats struct {
	Hits int `json:"hits"`
}

// fakeSim implements simkit.Controlled with an Injector.
type fakeSim struct {
	*simkit.Injector[validFault]
	mu sync.Mutex
	st testStats
}

func newFakeSim() *fakeSim {
	return &fakeSim{Injector: simkit.NewInjector(func(f *validFault) *int { return &f.Count })}
}

func (s *fakeSim) Stats() testStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// do sends one request to h and returns the recorded answer.
func do(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, rd))
	return rec
}

func TestFaultRoutes(t *testing.T) {
	sim := newFakeSim()
	sim.st.Hits = 7
	m := http.NewServeMux()
	simkit.FaultRoutes(m, simkit.Control{MaxBody: 1 << 10}, sim)

	rec := do(m, http.MethodGet, "/_sim/faults", "")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `[]`, rec.Body.String())

	rec = do(m, http.MethodPost, "/_sim/faults", `{"op":"a","kind":"500","count":2}`)
	assert.Equal(t, http.StatusCreated, rec.Code)
	assert.JSONEq(t, `{"op":"a","kind":"500","count":2}`, rec.Body.String())
	assert.Equal(t, []validFault{{Op: "a", Kind: "500", Count: 2}}, sim.Faults())

	rec = do(m, http.MethodPost, "/_sim/faults", `{"op":"a","kind":"teapot"}`)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.JSONEq(t, `{"error":"xsim: unknown fault kind"}`, rec.Body.String())

	rec = do(m, http.MethodPost, "/_sim/faults", `{"op":"a","kind":"500","cuont":2}`)
	assert.Equal(t, http.StatusBadRequest, rec.Code, "a misspelt field is refused")
	assert.Contains(t, rec.Body.String(), "invalid JSON body: ")
	assert.Len(t, sim.Faults(), 1, "refused faults are not injected")

	rec = do(m, http.MethodGet, "/_sim/stats", "")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"hits":7}`, rec.Body.String())

	rec = do(m, http.MethodDelete, "/_sim/faults", "")
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, rec.Body.String())
	assert.Empty(t, sim.Faults())
}

func TestControlBodyLimit(t *testing.T) {
	c := simkit.Control{MaxBody: 16}
	var v map[string]string
	rec := httptest.NewRecorder()
	ok := c.Decode(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"k":"`+strings.Repeat("x", 64)+`"}`)), &v)
	assert.False(t, ok)
	assert.Equal(t, http.StatusBadRequest, rec.Code)

	rec = httptest.NewRecorder()
	ok = c.Decode(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"k":"v"}`)), &v)
	assert.True(t, ok)
	assert.Equal(t, map[string]string{"k": "v"}, v)
	assert.Equal(t, http.StatusOK, rec.Code, "a good body writes no answer")
}

func TestControlTerseAndContentType(t *testing.T) {
	terse := simkit.Control{MaxBody: 1 << 10, Terse: true, ContentType: "application/json; charset=utf-8"}
	var v struct{}
	rec := httptest.NewRecorder()
	require.False(t, terse.Decode(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"x":1}`)), &v))
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":"invalid JSON body"}`, rec.Body.String(), "no decoder text")

	rec = httptest.NewRecorder()
	terse.JSON(rec, http.StatusOK, math.NaN())
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.JSONEq(t, `{"error":"encode failed"}`, rec.Body.String())

	rec = httptest.NewRecorder()
	simkit.Control{}.JSON(rec, http.StatusOK, math.NaN())
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.True(t, strings.HasPrefix(body["error"], "encode: "), body["error"])
}

func TestURLRouteSetsTheURL(t *testing.T) {
	m := http.NewServeMux()
	var got []string
	simkit.URLRoute(m, simkit.Control{MaxBody: 1 << 10}, "PUT /_sim/webhook", func(u string) { got = append(got, u) })
	assert.Equal(t, http.StatusNoContent, do(m, http.MethodPut, "/_sim/webhook", `{"url":"http://127.0.0.1:1/hook"}`).Code)
	assert.Equal(t, http.StatusNoContent, do(m, http.MethodPut, "/_sim/webhook", `{"url":""}`).Code)
	assert.Equal(t, http.StatusBadRequest, do(m, http.MethodPut, "/_sim/webhook", `{"uri":"x"}`).Code)
	assert.Equal(t, []string{"http://127.0.0.1:1/hook", ""}, got)
}
