package stripesim

import (
	"errors"
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// control answers the /_sim/ routes; its bodies never carry request content
// beyond the simulator's own ids.
var control = simkit.Control{MaxBody: 64 << 10}

// DisputeRequest is the body of POST /_sim/disputes.
type DisputeRequest struct {
	PaymentIntent string `json:"paymentIntent"`
	Reason        string `json:"reason"`
}

// controlRoutes exposes the simulator's test controls over HTTP for other
// processes (load generator, e2e scripts). They need no Stripe key: they
// exist only on the simulator's own listener, never on a real Stripe.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	simkit.FaultRoutes(m, control, s)
	m.HandleFunc("POST /_sim/disputes", func(w http.ResponseWriter, r *http.Request) {
		var req DisputeRequest
		if !control.Decode(w, r, &req) {
			return
		}
		id, err := s.CreateDispute(req.PaymentIntent, req.Reason)
		switch {
		case errors.Is(err, ErrUnknownPaymentIntent):
			control.Error(w, http.StatusNotFound, err.Error())
		case errors.Is(err, ErrNotDisputable):
			control.Error(w, http.StatusConflict, err.Error())
		case errors.Is(err, ErrStateNotSaved):
			// The cause names a local path, which callers need not see.
			control.Error(w, http.StatusInternalServerError, ErrStateNotSaved.Error())
		case err != nil:
			control.Error(w, http.StatusBadRequest, err.Error())
		default:
			control.JSON(w, http.StatusCreated, map[string]string{"id": id})
		}
	})
	m.HandleFunc("GET /_sim/payment_intents/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.PaymentIntent(r.PathValue("id"))
		if !ok {
			control.Error(w, http.StatusNotFound, ErrUnknownPaymentIntent.Error())
			return
		}
		control.JSON(w, http.StatusOK, v)
	})
	simkit.URLRoute(m, control, "PUT /_sim/webhook", s.SetWebhookURL)
}
