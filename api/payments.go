package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/workflows/checkin"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/payments"
)

// notFoundDetail is the 404 detail for payments; it names nothing from the request.
const notFoundDetail = "no payment with this id"

// startPayment handles POST /v1/payments: a new payment answers 201, a repeated payment ID 200
// with the existing process's state; Temporal's ID reuse policy guarantees one process per ID.
func (s *server) startPayment(w http.ResponseWriter, r *http.Request) {
	a := s.newAudit(r, Actor(r.Context()), "payments.start")
	a.finish(s.doStartPayment(w, r, a))
}

func (s *server) doStartPayment(w http.ResponseWriter, r *http.Request, a *auditEntry) int {
	var in payments.Input
	if de := decodeStrict(w, r, &in, false); de != nil {
		s.decodeProblem(w, r, de)
		return de.status
	}
	if err := in.Validate(); err != nil {
		return s.validationProblem(w, r, err, "")
	}
	s.applyDefaults(&in)
	wid := payments.WorkflowID(in.PaymentID)
	a.rec.Process = wid
	opts := client.StartWorkflowOptions{
		ID:        wid,
		TaskQueue: payments.TaskQueue,
		// A closed payment keeps its ID forever: repeating a start must never charge twice.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
	run, err := s.d.Temporal.ExecuteWorkflow(r.Context(), opts, payments.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		st, err := s.queryState(r.Context(), wid, started.RunId, queryTimeout)
		if err != nil {
			return s.temporalProblem(w, r, err, notFoundDetail)
		}
		w.Header().Set("Content-Location", "/v1/payments/"+in.PaymentID)
		writeJSON(w, http.StatusOK, s.view(st, wid, started.RunId))
		return http.StatusOK
	}
	if err != nil {
		return s.temporalProblem(w, r, err, notFoundDetail)
	}
	runID := run.GetRunID()
	st, err := s.queryState(r.Context(), wid, runID, startQueryTimeout)
	if err != nil {
		// The start is durable; a query can fail only because no worker has picked the
		// workflow up yet, and that must not turn a successful start into an error.
		s.log.Debug("query after start failed", "request_id", infoFrom(r.Context()).id, "error", logText(err))
		st = initialState(in)
	}
	w.Header().Set("Location", "/v1/payments/"+in.PaymentID)
	writeJSON(w, http.StatusCreated, s.view(st, wid, runID))
	return http.StatusCreated
}

// applyDefaults bounds the requested durations by the configured ones: zero or longer requests
// get the configured value, shorter ones are kept.
func (s *server) applyDefaults(in *payments.Input) {
	ttl, window := s.d.PaymentDefaults.AuthorizationTTL, s.d.PaymentDefaults.RefundWindow
	if ttl <= 0 {
		ttl = payments.DefaultAuthorizationTTL
	}
	if window <= 0 {
		window = payments.DefaultRefundWindow
	}
	in.AuthorizationTTLSeconds = boundSeconds(in.AuthorizationTTLSeconds, ttl)
	in.RefundWindowSeconds = boundSeconds(in.RefundWindowSeconds, window)
}

// boundSeconds returns requested if it is positive and within limit, else limit in seconds.
func boundSeconds(requested int64, limit time.Duration) int64 {
	max := int64(limit / time.Second)
	if requested <= 0 || requested > max {
		return max
	}
	return requested
}

// getPayment handles GET /v1/payments/{id}: the live state from the workflow's query.
func (s *server) getPayment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := payments.ValidatePaymentID(id); err != nil {
		s.validationProblem(w, r, err, "id")
		return
	}
	wid := payments.WorkflowID(id)
	runID, err := s.latestRun(r.Context(), wid)
	if err != nil {
		s.temporalProblem(w, r, err, notFoundDetail)
		return
	}
	st, err := s.queryState(r.Context(), wid, runID, queryTimeout)
	if err != nil {
		s.temporalProblem(w, r, err, notFoundDetail)
		return
	}
	writeJSON(w, http.StatusOK, s.view(st, wid, runID))
}

// queryState runs the payment's StatusQuery.
func (s *server) queryState(ctx context.Context, wid, runID string, timeout time.Duration) (payments.State, error) {
	return queryWorkflow[payments.State](ctx, s, wid, runID, payments.StatusQuery, timeout)
}

// validationProblem answers 400 naming the invalid field. FieldError reasons are written by the
// contract and never contain the submitted value. name overrides the field's name, for path
// parameters.
func (s *server) validationProblem(w http.ResponseWriter, r *http.Request, err error, name string) int {
	p := Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid"}
	var fe *payments.FieldError
	var ce *checkin.FieldError
	var le *laborders.FieldError
	field, reason := "", ""
	switch {
	case errors.As(err, &le):
		field, reason = le.Field, le.Reason
	case errors.As(err, &fe):
		field, reason = fe.Field, fe.Reason
	case errors.As(err, &ce):
		field, reason = ce.Field, ce.Reason
	}
	if reason != "" {
		if name == "" {
			name = field
		}
		p.InvalidParams = []InvalidParam{{Name: name, Reason: reason}}
	}
	s.problem(w, r, p)
	return p.Status
}
