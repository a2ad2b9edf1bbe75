package stripesim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxControlBody bounds control-request bodies.
const maxControlBody = 64 << 10

// DisputeRequest is the body of POST /_sim/disputes.
type DisputeRequest struct {
	PaymentIntent string `json:"paymentIntent"`
	Reason        string `json:"reason"`
}

// WebhookRequest is the body of PUT /_sim/webhook.
type WebhookRequest struct {
	URL string `json:"url"`
}

// controlRoutes exposes the simulator's test controls over HTTP for other
// processes (load generator, e2e scripts). They need no Stripe key: they
// exist only on the simulator's own listener, never on a real Stripe.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if !decodeControl(w, r, &f) {
			return
		}
		if err := f.Validate(); err != nil {
			writeControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.InjectFault(f)
		writeControlJSON(w, http.StatusCreated, f)
	})
	m.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, s.Faults())
	})
	m.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, s.Stats())
	})
	m.HandleFunc("POST /_sim/disputes", func(w http.ResponseWriter, r *http.Request) {
		var req DisputeRequest
		if !decodeControl(w, r, &req) {
			return
		}
		id, err := s.CreateDispute(req.PaymentIntent, req.Reason)
		switch {
		case errors.Is(err, ErrUnknownPaymentIntent):
			writeControlError(w, http.StatusNotFound, err.Error())
		case errors.Is(err, ErrNotDisputable):
			writeControlError(w, http.StatusConflict, err.Error())
		case errors.Is(err, ErrStateNotSaved):
			// The cause names a local path, which callers need not see.
			writeControlError(w, http.StatusInternalServerError, ErrStateNotSaved.Error())
		case err != nil:
			writeControlError(w, http.StatusBadRequest, err.Error())
		default:
			writeControlJSON(w, http.StatusCreated, map[string]string{"id": id})
		}
	})
	m.HandleFunc("GET /_sim/payment_intents/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.PaymentIntent(r.PathValue("id"))
		if !ok {
			writeControlError(w, http.StatusNotFound, ErrUnknownPaymentIntent.Error())
			return
		}
		writeControlJSON(w, http.StatusOK, v)
	})
	m.HandleFunc("PUT /_sim/webhook", func(w http.ResponseWriter, r *http.Request) {
		var req WebhookRequest
		if !decodeControl(w, r, &req) {
			return
		}
		s.SetWebhookURL(req.URL)
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeControl reads a JSON control body; it answers 400 itself on error.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeControlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// writeControlJSON writes a control answer.
func writeControlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeControlError(w, http.StatusInternalServerError, "encode: "+err.Error())
		return
	}
	writeJSON(w, status, b)
}

// writeControlError writes {"error": msg}; messages never carry request
// content beyond the simulator's own ids.
func writeControlError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	writeJSON(w, status, b)
}
