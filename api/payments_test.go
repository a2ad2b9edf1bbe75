package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/payments"
)

const startBody = `{"paymentId":"pay-1","amount":2500,"currency":"USD","customerRef":"cus_42","paymentMethod":"pm_card_visa"}`

// startOptionsOK checks the start options that make repeated starts safe.
func startOptionsOK(o client.StartWorkflowOptions) bool {
	return o.ID == "payment:pay-1" && o.TaskQueue == payments.TaskQueue &&
		o.WorkflowIDReusePolicy == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE &&
		o.WorkflowExecutionErrorWhenAlreadyStarted
}

func runMock(t *testing.T, runID string) *mocks.WorkflowRun {
	run := mocks.NewWorkflowRun(t)
	run.On("GetRunID").Return(runID)
	return run
}

func TestStartCreates(t *testing.T) {
	h := newHarness(t, func(d *api.Deps) {
		d.PaymentDefaults = api.PaymentDefaults{AuthorizationTTL: 48 * time.Hour, RefundWindow: 30 * 24 * time.Hour}
	})
	var got payments.Input
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(startOptionsOK), payments.WorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { got = args.Get(3).(payments.Input) }).
		Return(runMock(t, "run-1"), nil).Once()
	h.expectQuery("payment:pay-1", "run-1", payments.State{PaymentID: "pay-1", Status: payments.StatusAuthorized,
		Step: payments.StepAwaitCapture, Amount: 2500, Currency: "usd", AuthorizedAmount: 2500})

	w := h.do(http.MethodPost, "/v1/payments", startBody, writerSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "/v1/payments/pay-1", w.Header().Get("Location"))
	v := view(t, w)
	assert.Equal(t, payments.StatusAuthorized, v.Status)
	assert.Equal(t, int64(2500), v.AuthorizedAmount)
	assert.Equal(t, api.TemporalRef{WorkflowID: "payment:pay-1", RunID: "run-1",
		UIURL: "http://ui.test:8233/namespaces/default/workflows/payment:pay-1/run-1"}, v.Temporal)
	assert.NotNil(t, v.Refunds, "empty lists render as []")
	// Validate normalized the currency; the configured durations bound the request's.
	assert.Equal(t, "usd", got.Currency)
	assert.Equal(t, int64(48*3600), got.AuthorizationTTLSeconds)
	assert.Equal(t, int64(30*86400), got.RefundWindowSeconds)

	rec := h.store.last(t)
	assert.Equal(t, audit.Record{ID: rec.ID, Actor: "writer", Action: "payments.start", Process: "payment:pay-1",
		Outcome: audit.OutcomeOK, Code: "201", Latency: rec.Latency}, rec)
}

func TestStartKeepsShorterDurations(t *testing.T) {
	h := newHarness(t)
	var got payments.Input
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, payments.WorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { got = args.Get(3).(payments.Input) }).
		Return(runMock(t, "run-1"), nil).Once()
	h.expectQuery("payment:pay-1", "run-1", payments.State{PaymentID: "pay-1", Status: payments.StatusAuthorizing})
	body := strings.Replace(startBody, `"amount"`, `"authorizationTtlSeconds":600,"refundWindowSeconds":99999999999,"amount"`, 1)

	w := h.do(http.MethodPost, "/v1/payments", body, writerSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, int64(600), got.AuthorizationTTLSeconds)
	assert.Equal(t, int64(payments.DefaultRefundWindow.Seconds()), got.RefundWindowSeconds)
}

func TestStartWithoutWorkerAnswersMinimalView(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, payments.WorkflowName, mock.Anything).
		Return(runMock(t, "run-1"), nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "payment:pay-1", "run-1", payments.StatusQuery).
		Return(nil, serviceerror.NewFailedPrecondition("no poller seen for task queue recently")).Once()

	w := h.do(http.MethodPost, "/v1/payments", startBody, writerSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	v := view(t, w)
	assert.Equal(t, payments.StatusAuthorizing, v.Status)
	assert.Equal(t, payments.StepAuthorize, v.Step)
	assert.Equal(t, "pay-1", v.PaymentID)
	assert.Equal(t, int64(2500), v.Amount)
	assert.Equal(t, "run-1", v.Temporal.RunID)
}

func TestRepeatedStartReturnsExisting(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(startOptionsOK), payments.WorkflowName, mock.Anything).
		Return(runMock(t, "run-1"), nil).Once()
	h.temporal.On("ExecuteWorkflow", mock.Anything, mock.MatchedBy(startOptionsOK), payments.WorkflowName, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "req", "run-1")).Once()
	h.expectQuery("payment:pay-1", "run-1", payments.State{PaymentID: "pay-1", Status: payments.StatusCaptured,
		Step: payments.StepRefundWindow, Amount: 2500, CapturedAmount: 2500})

	first := h.do(http.MethodPost, "/v1/payments", startBody, writerSecret)
	second := h.do(http.MethodPost, "/v1/payments", startBody, writerSecret)

	require.Equal(t, http.StatusCreated, first.Code)
	require.Equal(t, http.StatusOK, second.Code, second.Body.String())
	assert.Empty(t, second.Header().Get("Location"))
	v := view(t, second)
	assert.Equal(t, payments.StatusCaptured, v.Status, "the existing process's live state")
	assert.Equal(t, "run-1", v.Temporal.RunID)
	// One start attempt per request and nothing else: the API relies on the reuse policy and
	// never retries a start without it.
	h.temporal.AssertNumberOfCalls(t, "ExecuteWorkflow", 2)
	assert.Equal(t, "200", h.store.last(t).Code)
}

func TestStartMalformedJSON(t *testing.T) {
	cases := map[string]struct {
		body   string
		status int
		param  string
	}{
		"syntax":            {`{"paymentId":`, http.StatusBadRequest, ""},
		"two values":        {startBody + `{}`, http.StatusBadRequest, ""},
		"unknown field":     {strings.Replace(startBody, `{`, `{"patientName":"x",`, 1), http.StatusBadRequest, "patientName"},
		"wrong type":        {strings.Replace(startBody, `2500`, `"2500"`, 1), http.StatusBadRequest, "amount"},
		"not an object":     {`[1,2]`, http.StatusBadRequest, ""},
		"empty":             {``, http.StatusBadRequest, ""},
		"too large":         {`{"description":"` + strings.Repeat("a", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, ""},
		"fraction":          {strings.Replace(startBody, `2500`, `25.5`, 1), http.StatusBadRequest, "amount"},
		"number for string": {strings.Replace(startBody, `"USD"`, `7`, 1), http.StatusBadRequest, "currency"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t) // no ExecuteWorkflow expectation: any start fails the test
			w := h.do(http.MethodPost, "/v1/payments", tc.body, writerSecret)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			p := problem(t, w)
			if tc.param != "" {
				require.Len(t, p.InvalidParams, 1)
				assert.Equal(t, tc.param, p.InvalidParams[0].Name)
			}
			assert.NotContains(t, w.Body.String(), "json:", "no decoder text in the body")
		})
	}
}

func TestStartWrongContentType(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodPost, "/v1/payments", startBody, writerSecret, "Content-Type", "text/plain")
	require.Equal(t, http.StatusUnsupportedMediaType, w.Code)
	problem(t, w)
}

func TestStartValidationNamesFieldNotValue(t *testing.T) {
	cases := map[string]struct{ from, to, field, secret string }{
		"negative amount":  {`2500`, `-98765`, "amount", "98765"},
		"huge amount":      {`2500`, `123456789012`, "amount", "123456789012"},
		"unknown currency": {`"USD"`, `"ZQX"`, "currency", "ZQX"},
		"payment method":   {`"pm_card_visa"`, `"tok_visa_SECRET"`, "paymentMethod", "tok_visa_SECRET"},
		"payment id":       {`"pay-1"`, `"Jane Doe"`, "paymentId", "Jane"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			w := h.do(http.MethodPost, "/v1/payments", strings.Replace(startBody, tc.from, tc.to, 1), writerSecret)
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			p := problem(t, w)
			assert.Equal(t, api.ProblemValidation, p.Type)
			require.Len(t, p.InvalidParams, 1)
			assert.Equal(t, tc.field, p.InvalidParams[0].Name)
			assert.NotContains(t, w.Body.String(), tc.secret, "the submitted value is never echoed")
			assert.NotContains(t, strings.ToLower(w.Body.String()), strings.ToLower(tc.secret))
			rec := h.store.last(t)
			assert.Equal(t, audit.OutcomeRejected, rec.Outcome)
			assert.Equal(t, "400", rec.Code)
		})
	}
}

func describeResponse(runID string) *workflowservice.DescribeWorkflowExecutionResponse {
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: "payment:pay-1", RunId: runID}}}
}

func TestGetPayment(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:pay-1", "").Return(describeResponse("run-7"), nil).Once()
	h.expectQuery("payment:pay-1", "run-7", payments.State{PaymentID: "pay-1", Status: payments.StatusRefunded,
		Step: payments.StepDone, Refunds: []payments.Refund{{RefundID: "re_1", Amount: 2500, Status: "succeeded"}}})

	w := h.do(http.MethodGet, "/v1/payments/pay-1", "", readerSecret)

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	v := view(t, w)
	assert.Equal(t, payments.StatusRefunded, v.Status)
	assert.Equal(t, payments.StepDone, v.Step)
	require.Len(t, v.Refunds, 1)
	assert.Equal(t, "re_1", v.Refunds[0].RefundID)
	assert.Equal(t, "http://ui.test:8233/namespaces/default/workflows/payment:pay-1/run-7", v.Temporal.UIURL)
	assert.Contains(t, w.Body.String(), `"disputes":[]`)
}

func TestGetUnknownPayment(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:nope", "").
		Return(nil, serviceerror.NewNotFound("workflow not found for ID: payment:nope")).Once()

	w := h.do(http.MethodGet, "/v1/payments/nope", "", readerSecret)

	require.Equal(t, http.StatusNotFound, w.Code)
	p := problem(t, w)
	assert.NotContains(t, p.Detail, "workflow not found", "no Temporal error text")
	assert.Equal(t, "/v1/payments/nope", p.Instance)
}

func TestGetInvalidID(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodGet, "/v1/payments/-bad", "", readerSecret)
	require.Equal(t, http.StatusBadRequest, w.Code)
	p := problem(t, w)
	require.Len(t, p.InvalidParams, 1)
	assert.Equal(t, "id", p.InvalidParams[0].Name)
}

func TestCaptureUpdate(t *testing.T) {
	h := newHarness(t)
	expectUpdate(h, func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == "payment:pay-1" && o.UpdateName == payments.CaptureUpdateName &&
			o.UpdateID == "api:capture:key-1" && o.WaitForStage == client.WorkflowUpdateStageCompleted &&
			len(o.Args) == 1 && o.Args[0] == payments.CaptureUpdate{Amount: 1500}
	}, payments.State{PaymentID: "pay-1", Status: payments.StatusCaptured, CapturedAmount: 1500}, nil)

	w := h.do(http.MethodPost, "/v1/payments/pay-1/capture", `{"amount":1500}`, writerSecret, "Idempotency-Key", "key-1")

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	v := view(t, w)
	assert.Equal(t, int64(1500), v.CapturedAmount)
	assert.Equal(t, "run-1", v.Temporal.RunID)
	rec := h.store.last(t)
	assert.Equal(t, "payments.capture", rec.Action)
	assert.Equal(t, "api:capture:key-1", rec.Exchange)
	assert.Equal(t, audit.OutcomeOK, rec.Outcome)
}

func TestUpdateWithoutKeyUsesFreshIDs(t *testing.T) {
	h := newHarness(t)
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).Return(nil).Twice()
	handle.On("RunID").Return("run-1")
	var ids []string
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		o := args.Get(1).(client.UpdateWorkflowOptions)
		assert.Equal(t, payments.RefundUpdateName, o.UpdateName)
		assert.Equal(t, []any{payments.RefundUpdate{}}, o.Args)
		ids = append(ids, o.UpdateID)
	}).Return(handle, nil).Twice()

	// An empty body is the zero update: refund everything.
	require.Equal(t, http.StatusOK, h.do(http.MethodPost, "/v1/payments/pay-1/refund", "", writerSecret).Code)
	require.Equal(t, http.StatusOK, h.do(http.MethodPost, "/v1/payments/pay-1/refund", "", writerSecret).Code)
	require.Len(t, ids, 2)
	assert.NotEqual(t, ids[0], ids[1], "without Idempotency-Key every request is a new update")
}

func TestUpdateRejectedIs422(t *testing.T) {
	for _, typ := range []string{payments.ErrTypeRejected, payments.ErrTypeVendorRejected} {
		t.Run(typ, func(t *testing.T) {
			h := newHarness(t)
			expectUpdate(h, func(o client.UpdateWorkflowOptions) bool { return o.UpdateName == payments.CancelUpdateName },
				payments.State{}, temporal.NewApplicationError("payment is already captured", typ))

			w := h.do(http.MethodPost, "/v1/payments/pay-1/cancel", `{"reason":"duplicate"}`, writerSecret)

			require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
			p := problem(t, w)
			assert.Equal(t, api.ProblemUpdateRejected, p.Type)
			assert.Equal(t, "payment is already captured", p.Detail)
			assert.Equal(t, audit.OutcomeRejected, h.store.last(t).Outcome)
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	cases := map[string]struct {
		err    error
		status int
	}{
		"not found":       {serviceerror.NewNotFound("workflow not found"), http.StatusNotFound},
		"other app error": {temporal.NewApplicationError("stripe said: card of Jane Doe", "SomethingElse"), http.StatusBadGateway},
		"internal":        {serviceerror.NewInternal("boom at shard 7"), http.StatusBadGateway},
		"unavailable":     {serviceerror.NewUnavailable("frontend down"), http.StatusServiceUnavailable},
		// Never 504: the workflow did not answer and no query answers either.
		"deadline":         {serviceerror.NewDeadlineExceeded("deadline exceeded"), http.StatusServiceUnavailable},
		"plain error text": {fmt.Errorf("wrapped: %w", serviceerror.NewInternal("secret internals")), http.StatusBadGateway},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, tc.err).Once()
			h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:pay-1", "").
				Return(nil, serviceerror.NewNotFound("workflow not found")).Maybe()
			h.temporal.On("QueryWorkflow", mock.Anything, "payment:pay-1", "", payments.StatusQuery).
				Return(nil, serviceerror.NewDeadlineExceeded("deadline exceeded")).Maybe()

			w := h.do(http.MethodPost, "/v1/payments/pay-1/capture", `{}`, writerSecret)

			require.Equal(t, tc.status, w.Code, w.Body.String())
			p := problem(t, w)
			assert.NotContains(t, w.Body.String(), tc.err.Error())
			assert.NotContains(t, w.Body.String(), "Jane")
			if tc.status >= 500 {
				assert.Contains(t, h.logs.String(), p.RequestID, "logged under the request id")
				assert.Equal(t, audit.OutcomeError, h.store.last(t).Outcome)
			}
		})
	}
}

func TestUpdateShapeChecks(t *testing.T) {
	cases := map[string]struct{ path, body, param string }{
		"negative capture": {"/v1/payments/pay-1/capture", `{"amount":-1}`, "amount"},
		"cancel reason":    {"/v1/payments/pay-1/cancel", `{"reason":"because"}`, "reason"},
		"refund reason":    {"/v1/payments/pay-1/refund", `{"reason":"abandoned"}`, "reason"},
		"unknown field":    {"/v1/payments/pay-1/refund", `{"amount":1,"note":"x"}`, "note"},
		"bad id":           {"/v1/payments/a%20b/refund", `{}`, "id"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t) // no UpdateWorkflow expectation
			w := h.do(http.MethodPost, tc.path, tc.body, writerSecret)
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			p := problem(t, w)
			require.Len(t, p.InvalidParams, 1)
			assert.Equal(t, tc.param, p.InvalidParams[0].Name)
		})
	}
	t.Run("bad idempotency key", func(t *testing.T) {
		h := newHarness(t)
		w := h.do(http.MethodPost, "/v1/payments/pay-1/capture", `{}`, writerSecret, "Idempotency-Key", "has space")
		require.Equal(t, http.StatusBadRequest, w.Code)
		assert.Equal(t, "Idempotency-Key", problem(t, w).InvalidParams[0].Name)
	})
}

func TestAuditFailureDoesNotFailRequest(t *testing.T) {
	h := newHarness(t)
	h.store.failWith = errStoreDown
	expectUpdate(h, func(client.UpdateWorkflowOptions) bool { return true }, payments.State{Status: payments.StatusCanceled}, nil)

	w := h.do(http.MethodPost, "/v1/payments/pay-1/cancel", ``, writerSecret)

	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, h.logs.String(), "audit append failed")
}

// TestUpdateClosedPayment: Temporal answers NotFound for an update to a closed run; the API
// says the payment is closed (422) rather than unknown.
func TestUpdateClosedPayment(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:pay-1", "").
		Return(&workflowservice.DescribeWorkflowExecutionResponse{}, nil).Once()

	w := h.do(http.MethodPost, "/v1/payments/pay-1/capture", `{}`, writerSecret)

	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	assert.Contains(t, problem(t, w).Detail, "closed")
}

// An update that runs out of time answers 202 with the state a query returns, never 504.
func TestUpdateDeadlineAnswersCurrentState(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewDeadlineExceeded("deadline exceeded")).Once()
	h.expectQuery("payment:pay-1", "", payments.State{PaymentID: "pay-1", Status: payments.StatusCapturing})

	w := h.do(http.MethodPost, "/v1/payments/pay-1/capture", `{}`, writerSecret)

	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"status":"capturing"`)
}
