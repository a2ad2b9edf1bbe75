package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/payments"
)

// Bearer secrets of the test tokens; each name says what the token may do.
const (
	writerSecret = "writer-secret-0001"
	readerSecret = "reader-secret-0002"
	adminSecret  = "admin:secret:with:colons"
	codecSecret  = "codec-secret-0004"
	hookSecret   = "whsec_test_secret"
	uiBase       = "http://ui.test:8233/"
)

// harness is an API handler on a mocked Temporal client and an in-memory store.
type harness struct {
	t        *testing.T
	temporal *mocks.Client
	store    *fakeStore
	logs     *bytes.Buffer
	deps     api.Deps
	handler  http.Handler
}

// newHarness builds the API; adjust may change Deps before the handler is built.
func newHarness(t *testing.T, adjust ...func(*api.Deps)) *harness {
	t.Helper()
	tokens, err := api.ParseTokens("writer:" + writerSecret + ":payments.write, reader:" + readerSecret +
		":payments.read,admin:" + adminSecret + ":*,codec:" + codecSecret + ":codec")
	require.NoError(t, err)
	h := &harness{t: t, temporal: mocks.NewClient(t), store: newFakeStore(), logs: &bytes.Buffer{}}
	h.deps = api.Deps{
		Temporal:            h.temporal,
		Namespace:           "default",
		UIURL:               uiBase,
		Tokens:              tokens,
		Records:             h.store,
		Logger:              slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		StripeWebhookSecret: hookSecret,
	}
	for _, f := range adjust {
		f(&h.deps)
	}
	h.handler = api.New(h.deps)
	return h
}

// do sends a request straight to the handler (same goroutine, so mock failures stop the test).
func (h *harness) do(method, path, body, secret string, headers ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		r.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

// problem decodes a problem+json answer, failing unless the content type says so.
func problem(t *testing.T, w *httptest.ResponseRecorder) api.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), "body: %s", w.Body.String())
	var p api.Problem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(t, w.Code, p.Status)
	require.NotEmpty(t, p.Title)
	require.NotEmpty(t, p.Type)
	require.Equal(t, w.Header().Get("X-Request-Id"), p.RequestID)
	return p
}

// answer decodes a JSON answer into the API's view type T, failing unless the content type
// says JSON.
func answer[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	require.Equal(t, "application/json", w.Header().Get("Content-Type"), "body: %s", w.Body.String())
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v))
	return v
}

// view decodes a payment answer.
func view(t *testing.T, w *httptest.ResponseRecorder) api.PaymentView {
	t.Helper()
	return answer[api.PaymentView](t, w)
}

// encoded wraps v as a query result, through the default data converter as the SDK would.
func encoded(t *testing.T, v any) converter.EncodedValue {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	require.NoError(t, err)
	return client.NewValue(p)
}

// expectGet makes wid's latest run runID answer the status query with st, as a GET needs.
func (h *harness) expectGet(wid, runID, query string, st any) {
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, wid, "").Return(describeResponse(runID), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, wid, runID, query).Return(encoded(h.t, st), nil).Once()
}

// expectStart makes the start of wid (workflow type) create run runID, whose status query
// answers st.
func (h *harness) expectStart(wid, workflow, runID, query string, st any) {
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == wid
	}), workflow, mock.Anything).Return(runMock(h.t, runID), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, wid, runID, query).Return(encoded(h.t, st), nil).Once()
}

// expectStarted makes the start of wid find run runID already there, whose status query
// answers st.
func (h *harness) expectStarted(wid, workflow, runID, query string, st any) {
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(func(o client.StartWorkflowOptions) bool {
		return o.ID == wid
	}), workflow, mock.Anything).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "req", runID)).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, wid, runID, query).Return(encoded(h.t, st), nil).Once()
}

// expectUpdate answers one update matching match with st (or err from the handle).
func expectUpdate[S any](h *harness, match func(client.UpdateWorkflowOptions) bool, st S, err error) {
	handle := mocks.NewWorkflowUpdateHandle(h.t)
	handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		if err == nil {
			*args.Get(1).(*S) = st
		}
	}).Return(err).Once()
	if err == nil {
		handle.On("RunID").Return("run-1")
	}
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(match)).Return(handle, nil).Once()
}

// captureUpdates answers the next n updates with st (through JSON, as the SDK decodes a
// result) and returns the options they were sent with, in order.
func captureUpdates(h *harness, n int, st any) *[]client.UpdateWorkflowOptions {
	handle := mocks.NewWorkflowUpdateHandle(h.t)
	handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		b, err := json.Marshal(st)
		require.NoError(h.t, err)
		require.NoError(h.t, json.Unmarshal(b, args.Get(1)))
	}).Return(nil).Times(n)
	handle.On("RunID").Return("run-1")
	var sent []client.UpdateWorkflowOptions
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		sent = append(sent, args.Get(1).(client.UpdateWorkflowOptions))
	}).Return(handle, nil).Times(n)
	return &sent
}

// expectQuery makes StatusQuery on (wid, runID) answer st.
func (h *harness) expectQuery(wid, runID string, st payments.State) *mock.Call {
	return h.temporal.On("QueryWorkflow", mock.Anything, wid, runID, payments.StatusQuery).
		Return(encoded(h.t, st), nil)
}

// fakeStore is an in-memory audit.Store whose Append can be made to fail.
type fakeStore struct {
	mu        sync.Mutex
	records   []audit.Record
	crosswalk map[[2]string]string
	failWith  error
}

func newFakeStore() *fakeStore { return &fakeStore{crosswalk: map[[2]string]string{}} }

func (s *fakeStore) Append(_ context.Context, r audit.Record) (audit.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWith != nil {
		return r, s.failWith
	}
	r.ID = int64(len(s.records) + 1)
	s.records = append(s.records, r)
	return r, nil
}

func (s *fakeStore) List(context.Context, audit.Filter) ([]audit.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]audit.Record(nil), s.records...), nil
}

func (s *fakeStore) PutCrosswalk(_ context.Context, kind, externalID, internalID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crosswalk[[2]string{kind, externalID}] = internalID
	return nil
}

func (s *fakeStore) LookupCrosswalk(_ context.Context, kind, externalID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWith != nil {
		return "", s.failWith
	}
	v, ok := s.crosswalk[[2]string{kind, externalID}]
	if !ok {
		return "", audit.ErrNotFound
	}
	return v, nil
}

func (s *fakeStore) Ping(context.Context) error { return nil }
func (s *fakeStore) Close() error               { return nil }

// last returns the newest audit record.
func (s *fakeStore) last(t *testing.T) audit.Record {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.records, "no audit record")
	return s.records[len(s.records)-1]
}

var errStoreDown = errors.New("store down")

func (s *fakeStore) Payload(context.Context, int64) ([]byte, error) { return nil, audit.ErrNotFound }

// keptBody returns the body of a kept webhook delivery (the record's payload before the store
// seals it), failing when the payload is not a kept delivery.
func keptBody(t *testing.T, payload []byte) []byte {
	t.Helper()
	var k struct {
		Version int    `json:"careflowKeptWebhook"`
		URI     string `json:"uri"`
		Body    []byte `json:"body"`
	}
	require.NoError(t, json.Unmarshal(payload, &k), "the payload is a kept delivery")
	require.Equal(t, 1, k.Version)
	require.NotEmpty(t, k.URI)
	return k.Body
}
