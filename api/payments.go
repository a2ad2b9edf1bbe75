package api

import (
	"net/http"

	"github.com/careflow/engine/workflows/payments"
)

// PaymentView is the body of every payment response: the workflow's State plus where to find
// the process in Temporal.
type PaymentView struct {
	payments.State
	Temporal TemporalRef `json:"temporal"`
}

// paymentView renders a payment; empty lists render as [] rather than null so clients can
// iterate without checks.
func paymentView(st payments.State, ref TemporalRef) any {
	if st.Refunds == nil {
		st.Refunds = []payments.Refund{}
	}
	if st.Disputes == nil {
		st.Disputes = []payments.Dispute{}
	}
	return PaymentView{State: st, Temporal: ref}
}

// paymentProcess is how the API reaches payment workflows.
var paymentProcess = &process[payments.State]{
	noun:        "payment",
	path:        "/v1/payments",
	notFound:    "no payment with this id",
	validateID:  payments.ValidatePaymentID,
	workflowID:  payments.WorkflowID,
	taskQueue:   payments.TaskQueue,
	workflow:    payments.WorkflowName,
	statusQuery: payments.StatusQuery,
	view:        paymentView,
	// An empty body is the update's zero value, e.g. "capture everything".
	emptyUpdate: true,
	// The payment workflow answers its updates within payments.UpdateWait.
	pendingUpdates: true,
}

// paymentRoutes are the payment process's routes.
func (s *server) paymentRoutes() []routeEntry {
	const read, write = "payments.read", "payments.write"
	p := paymentProcess
	return []routeEntry{
		{Route{http.MethodPost, "/v1/payments", AuthBearer, write, "payments.start"}, s.startPayment},
		{Route{http.MethodGet, "/v1/payments/{id}", AuthBearer, read, ""}, getHandler(s, p)},
		{Route{http.MethodPost, "/v1/payments/{id}/capture", AuthBearer, write, "payments.capture"},
			updateHandler(s, p, payments.CaptureUpdateName, checkCapture)},
		{Route{http.MethodPost, "/v1/payments/{id}/cancel", AuthBearer, write, "payments.cancel"},
			updateHandler(s, p, payments.CancelUpdateName, checkCancel)},
		{Route{http.MethodPost, "/v1/payments/{id}/refund", AuthBearer, write, "payments.refund"},
			updateHandler(s, p, payments.RefundUpdateName, checkRefund)},
	}
}

// startPayment handles POST /v1/payments.
func (s *server) startPayment(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	var in payments.Input
	if !s.decodeValid(w, r, &in) {
		return
	}
	// The configured durations bound the requested ones: the authorization TTL must stay
	// within Stripe's hold period.
	d := s.d.PaymentDefaults
	in.AuthorizationTTLSeconds = boundSeconds(in.AuthorizationTTLSeconds, orDefault(d.AuthorizationTTL, payments.DefaultAuthorizationTTL))
	in.RefundWindowSeconds = boundSeconds(in.RefundWindowSeconds, orDefault(d.RefundWindow, payments.DefaultRefundWindow))
	startWorkflow(s, w, r, a, paymentProcess, in.PaymentID, in, func() payments.State {
		return payments.State{PaymentID: in.PaymentID, Status: payments.StatusAuthorizing, Step: payments.StepAuthorize,
			Amount: in.Amount, Currency: in.Currency}
	})
}

func checkCapture(u payments.CaptureUpdate) error {
	if u.Amount < 0 {
		return &payments.FieldError{Field: "amount", Reason: "must not be negative"}
	}
	return nil
}

func checkCancel(u payments.CancelUpdate) error {
	if !payments.CancelReasons[u.Reason] {
		return &payments.FieldError{Field: "reason", Reason: "must be duplicate, fraudulent, requested_by_customer or abandoned"}
	}
	return nil
}

func checkRefund(u payments.RefundUpdate) error {
	if u.Amount < 0 {
		return &payments.FieldError{Field: "amount", Reason: "must not be negative"}
	}
	if !payments.RefundReasons[u.Reason] {
		return &payments.FieldError{Field: "reason", Reason: "must be duplicate, fraudulent or requested_by_customer"}
	}
	return nil
}
