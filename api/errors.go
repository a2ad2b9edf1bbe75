package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/checkins"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/payments"
	"github.com/careflow/engine/workflows/prescriptions"
)

// temporalProblem maps an error from a Temporal call to the problem the caller sees. Only
// application errors of the processes' rejection types pass their message on: the
// workflow writes those messages itself and keeps them free of PHI. Everything else is logged
// under the request ID and answered with a generic detail.
func (s *server) temporalProblem(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	var appErr *temporal.ApplicationError
	var nf *serviceerror.NotFound
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	var deadline *serviceerror.DeadlineExceeded
	p := Problem{}
	switch {
	case errors.As(err, &appErr) && (appErr.Type() == payments.ErrTypeRejected || appErr.Type() == payments.ErrTypeVendorRejected ||
		appErr.Type() == checkins.ErrTypeRejected || appErr.Type() == laborders.ErrTypeRejected ||
		appErr.Type() == prescriptions.ErrTypeRejected || appErr.Type() == claims.ErrTypeRejected ||
		appErr.Type() == appointments.ErrTypeRejected):
		p = Problem{Status: http.StatusUnprocessableEntity, Type: ProblemUpdateRejected, Detail: appErr.Message()}
	case errors.As(err, &appErr) && appErr.Type() == payments.ErrTypeVendorUnavailable:
		w.Header().Set("Retry-After", "60")
		p = Problem{Status: http.StatusServiceUnavailable, Detail: "the payment processor did not answer in time; the request may be repeated"}
	case errors.As(err, &nf):
		p = Problem{Status: http.StatusNotFound, Detail: notFound}
	case errors.As(err, &unavailable), errors.As(err, &exhausted):
		w.Header().Set("Retry-After", "5")
		p = Problem{Status: http.StatusServiceUnavailable, Detail: "the workflow service is unavailable; retry later"}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline):
		p = Problem{Status: http.StatusGatewayTimeout, Detail: "the workflow did not answer in time; retry later"}
	default:
		p = Problem{Status: http.StatusBadGateway, Detail: "the workflow service failed; see the request id in the server log"}
	}
	if p.Status >= 500 {
		s.log.Warn("temporal call failed", "request_id", infoFrom(r.Context()).id,
			"route", infoFrom(r.Context()).pattern, "error", logText(err))
	}
	s.problem(w, r, p)
}

// logText describes err for the server log. Application errors raised inside workflows and
// activities may quote vendor responses, so only their type is logged; client and service
// errors describe the call itself.
func logText(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return fmt.Sprintf("application error of type %q", appErr.Type())
	}
	return err.Error()
}
