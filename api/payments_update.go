package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/workflows/payments"
)

// idempotencyKeyPattern bounds Idempotency-Key: printable ASCII, as Stripe accepts.
var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// capturePayment handles POST /v1/payments/{id}/capture.
func (s *server) capturePayment(w http.ResponseWriter, r *http.Request) {
	runUpdate(s, w, r, payments.CaptureUpdateName, func(u payments.CaptureUpdate) error {
		if u.Amount < 0 {
			return &payments.FieldError{Field: "amount", Reason: "must not be negative"}
		}
		return nil
	})
}

// cancelPayment handles POST /v1/payments/{id}/cancel.
func (s *server) cancelPayment(w http.ResponseWriter, r *http.Request) {
	runUpdate(s, w, r, payments.CancelUpdateName, func(u payments.CancelUpdate) error {
		if !payments.CancelReasons[u.Reason] {
			return &payments.FieldError{Field: "reason", Reason: "must be duplicate, fraudulent, requested_by_customer or abandoned"}
		}
		return nil
	})
}

// refundPayment handles POST /v1/payments/{id}/refund.
func (s *server) refundPayment(w http.ResponseWriter, r *http.Request) {
	runUpdate(s, w, r, payments.RefundUpdateName, func(u payments.RefundUpdate) error {
		if u.Amount < 0 {
			return &payments.FieldError{Field: "amount", Reason: "must not be negative"}
		}
		if !payments.RefundReasons[u.Reason] {
			return &payments.FieldError{Field: "reason", Reason: "must be duplicate, fraudulent or requested_by_customer"}
		}
		return nil
	})
}

// runUpdate decodes a T, checks its shape and sends it as update name, answering 200 with the
// resulting state or 422 when the workflow rejects it. An empty body is T's zero value (for
// example "capture everything").
func runUpdate[T any](s *server, w http.ResponseWriter, r *http.Request, name string, check func(T) error) {
	a := s.newAudit(r, Actor(r.Context()), "payments."+name)
	a.finish(doUpdate(s, w, r, a, name, check))
}

func doUpdate[T any](s *server, w http.ResponseWriter, r *http.Request, a *auditEntry, name string, check func(T) error) int {
	id := r.PathValue("id")
	if err := payments.ValidatePaymentID(id); err != nil {
		return s.validationProblem(w, r, err, "id")
	}
	wid := payments.WorkflowID(id)
	a.rec.Process = wid
	updateID := newID()
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if !idempotencyKeyPattern.MatchString(key) {
			p := Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid",
				InvalidParams: []InvalidParam{{Name: "Idempotency-Key", Reason: "must be 1-255 printable ASCII characters"}}}
			s.problem(w, r, p)
			return p.Status
		}
		// Temporal deduplicates updates by ID within a run, so a retried request gets the first
		// one's result. The update name is part of the ID so that a key reused for a different
		// action cannot silently return the earlier action's result.
		updateID = "api:" + name + ":" + key
	}
	var u T
	if de := decodeStrict(w, r, &u, true); de != nil {
		s.decodeProblem(w, r, de)
		return de.status
	}
	if err := check(u); err != nil {
		return s.validationProblem(w, r, err, "")
	}
	a.rec.Exchange = updateID
	ctx, cancel := context.WithTimeout(r.Context(), updateTimeout)
	defer cancel()
	h, err := s.d.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     updateID,
		WorkflowID:   wid,
		UpdateName:   name,
		Args:         []any{u},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var st payments.State
	if err == nil {
		err = h.Get(ctx, &st)
	}
	if err != nil && isDeadline(err) && r.Context().Err() == nil {
		return s.updatePending(w, r, wid)
	}
	if err != nil {
		return s.updateProblem(w, r, err, wid, "payment", notFoundDetail)
	}
	writeJSON(w, http.StatusOK, s.view(st, wid, h.RunID()))
	return http.StatusOK
}

// isDeadline reports an update that did not finish within updateTimeout.
func isDeadline(err error) bool {
	var deadline *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &deadline)
}

// updatePending answers an update that did not finish in time. The payment workflow answers
// its updates within payments.UpdateWait, so this happens only when no worker is running:
// 202 with the current state when the workflow answers a query, else 503 with Retry-After,
// never 504. Repeating the request with the same Idempotency-Key returns the update's result.
func (s *server) updatePending(w http.ResponseWriter, r *http.Request, wid string) int {
	st, err := s.queryState(r.Context(), wid, "", queryTimeout)
	if err != nil {
		w.Header().Set("Retry-After", "30")
		p := Problem{Status: http.StatusServiceUnavailable, Detail: "the payment did not answer in time; repeat the request with the same Idempotency-Key"}
		s.problem(w, r, p)
		return p.Status
	}
	writeJSON(w, http.StatusAccepted, s.view(st, wid, ""))
	return http.StatusAccepted
}

// workflowExists reports whether Temporal knows the workflow, open or closed.
func (s *server) workflowExists(ctx context.Context, wid string) bool {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	_, err := s.d.Temporal.DescribeWorkflowExecution(ctx, wid, "")
	return err == nil
}
