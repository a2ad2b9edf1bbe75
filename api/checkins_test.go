package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/checkins"
)

// TestCheckInStartCreates: the first request starts the check-in with Update-with-Start and
// answers 201 with the verdict the update returned.
func TestCheckInStartCreates(t *testing.T) {
	h := newHarness(t)
	var started client.StartWorkflowOptions
	h.temporal.On("NewWithStartWorkflowOperation", mock.Anything, checkins.WorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { started = args.Get(0).(client.StartWorkflowOptions) }).Return(nil).Once()
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*checkins.VerdictResponse) = checkins.VerdictResponse{Verdict: checkins.Verdict{Verdict: checkins.VerdictEligible}, Requests: 1}
	}).Return(nil).Once()
	handle.On("RunID").Return("run-1")
	h.temporal.On("UpdateWithStartWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWithStartWorkflowOptions) bool {
		return o.UpdateOptions.UpdateName == checkins.VerdictUpdateName
	})).Return(handle, nil).Once()
	h.temporal.On("QueryWorkflow", mock.Anything, "checkin:appt-1", "run-1", checkins.StatusQuery).
		Return(encoded(t, checkins.State{AppointmentID: "appt-1", Status: checkins.StatusInProgress}), nil).Once()

	w := h.do(http.MethodPost, "/v1/checkins", `{"appointmentId":"appt-1"}`, adminSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "/v1/checkins/appt-1", w.Header().Get("Location"))
	assert.Equal(t, "checkin:appt-1", started.ID)
	assert.Equal(t, checkins.TaskQueue, started.TaskQueue)
	v := answer[api.CheckInView](t, w)
	assert.Equal(t, checkins.VerdictEligible, v.Verdict.Verdict)
	assert.Equal(t, "checkin:appt-1", v.Temporal.WorkflowID)
	rec := h.store.last(t)
	assert.Equal(t, audit.Record{ID: rec.ID, Actor: "admin", Action: "checkins.start", Process: "checkin:appt-1",
		Outcome: audit.OutcomeOK, Code: "201", Latency: rec.Latency}, rec)
}

// TestCheckInStartUsesStateFromVerdict: a worker that sends its state with the verdict saves
// the query round trip; the answer shows that state.
func TestCheckInStartUsesStateFromVerdict(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("NewWithStartWorkflowOperation", mock.Anything, checkins.WorkflowName, mock.Anything).Return(nil).Once()
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*checkins.VerdictResponse) = checkins.VerdictResponse{Verdict: checkins.Verdict{Verdict: checkins.VerdictEligible},
			Requests: 1, State: &checkins.State{AppointmentID: "appt-1", Status: checkins.StatusInProgress, Step: checkins.StepArrive}}
	}).Return(nil).Once()
	handle.On("RunID").Return("run-1")
	h.temporal.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(handle, nil).Once()

	w := h.do(http.MethodPost, "/v1/checkins", `{"appointmentId":"appt-1"}`, adminSecret)

	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	h.temporal.AssertNotCalled(t, "QueryWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
	v := answer[api.CheckInView](t, w)
	assert.Equal(t, checkins.VerdictEligible, v.Verdict.Verdict)
	assert.Equal(t, checkins.StepArrive, v.Step)
}

// TestCheckInStartRefused: the guards' refusal is a 422 carrying their own detail.
func TestCheckInStartRefused(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("NewWithStartWorkflowOperation", mock.Anything, checkins.WorkflowName, mock.Anything).Return(nil).Once()
	h.temporal.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(nil,
		temporal.NewApplicationErrorWithOptions("refused", checkins.ErrTypeRefused, temporal.ApplicationErrorOptions{
			NonRetryable: true, Details: []any{checkins.Refusal{Detail: "the appointment is cancelled"}}})).Once()

	w := h.do(http.MethodPost, "/v1/checkins", `{"appointmentId":"appt-1"}`, adminSecret)

	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	assert.Equal(t, "the appointment is cancelled", problem(t, w).Detail)
	assert.Equal(t, audit.OutcomeRejected, h.store.last(t).Outcome)
}

func TestCheckInStartInvalid(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodPost, "/v1/checkins", `{"appointmentId":"no spaces"}`, adminSecret)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.Equal(t, "appointmentId", problem(t, w).InvalidParams[0].Name)
	assert.Equal(t, "400", h.store.last(t).Code)
}

func TestGetCheckIn(t *testing.T) {
	h := newHarness(t)
	h.expectGet("checkin:appt-1", "run-3", checkins.StatusQuery, checkins.State{AppointmentID: "appt-1", Status: checkins.StatusCompleted})

	w := h.do(http.MethodGet, "/v1/checkins/appt-1", "", adminSecret)

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	v := answer[api.CheckInView](t, w)
	assert.Equal(t, checkins.StatusCompleted, v.Status)
	assert.Equal(t, "http://ui.test:8233/namespaces/default/workflows/checkin:appt-1/run-3", v.Temporal.UIURL)
}

// A check-in that found no appointment is answered as no check-in at all.
func TestGetCheckInThatFoundNoAppointment(t *testing.T) {
	h := newHarness(t)
	h.expectGet("checkin:appt-9", "run-3", checkins.StatusQuery,
		checkins.State{AppointmentID: "appt-9", Status: checkins.StatusFailed, FailureCode: "not-found"})

	w := h.do(http.MethodGet, "/v1/checkins/appt-9", "", adminSecret)

	require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
	assert.Equal(t, "no appointment or patient with this id", problem(t, w).Detail)
}

func TestCheckInRequiresItsScope(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodGet, "/v1/checkins/appt-1", "", readerSecret)
	require.Equal(t, http.StatusForbidden, w.Code, "payments.read does not read check-ins")
}

// TestCheckInSelfPayUpdate: the update is sent with the Idempotency-Key as its ID, answered
// with the resulting state and audited under the update's action.
func TestCheckInSelfPayUpdate(t *testing.T) {
	h := newHarness(t)
	expectUpdate(h, func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == "checkin:appt-1" && o.UpdateName == checkins.SelfPayUpdateName &&
			o.UpdateID == "api:self-pay:key-7" && len(o.Args) == 1 &&
			o.Args[0] == checkins.SelfPayUpdate{Amount: 2500, PaymentMethod: "pm_card_visa"}
	}, checkins.State{AppointmentID: "appt-1", Status: checkins.StatusCompleted}, nil)

	w := h.do(http.MethodPost, "/v1/checkins/appt-1/self-pay", `{"amount":2500,"paymentMethod":"pm_card_visa"}`,
		adminSecret, "Idempotency-Key", "key-7")

	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, checkins.StatusCompleted, answer[api.CheckInView](t, w).Status)
	rec := h.store.last(t)
	assert.Equal(t, "checkins.self-pay", rec.Action)
	assert.Equal(t, "checkin:appt-1", rec.Process)
	assert.Equal(t, "api:self-pay:key-7", rec.Exchange)
}

// A check-in update's body is required: an empty one is malformed, not a zero update.
func TestCheckInUpdateNeedsABody(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodPost, "/v1/checkins/appt-1/override", "", adminSecret)
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.Equal(t, api.ProblemMalformedJSON, problem(t, w).Type)
}

func TestCheckInUpdateRejectedAndClosed(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, temporal.NewApplicationError("no override needed", checkins.ErrTypeRejected)).Once()
	w := h.do(http.MethodPost, "/v1/checkins/appt-1/override", `{"reason":"front desk"}`, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	assert.Equal(t, "no override needed", problem(t, w).Detail)

	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Return(nil, serviceerror.NewNotFound("workflow execution already completed")).Once()
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "checkin:appt-1", "").
		Return(&workflowservice.DescribeWorkflowExecutionResponse{}, nil).Once()
	w = h.do(http.MethodPost, "/v1/checkins/appt-1/override", `{"reason":"front desk"}`, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	assert.Equal(t, "the check-in is closed and takes no further changes", problem(t, w).Detail)
}

func TestCheckInUpdateInvalidIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodPost, "/v1/checkins/appt-1/self-pay", `{}`, adminSecret, "Idempotency-Key", "has space")
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.Equal(t, "Idempotency-Key", problem(t, w).InvalidParams[0].Name)
}
