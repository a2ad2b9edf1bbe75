package lissim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxControlBody bounds control-request bodies.
const maxControlBody = 64 << 10

// ControlHandler returns the simulator's control routes for other
// processes (load generator, e2e scripts); they need no credentials, since
// they exist only on the simulator's own listener:
//
//	GET    /_sim/stats       Stats
//	GET    /_sim/orders      Orders
//	GET    /_sim/scenarios   Scenarios
//	POST   /_sim/faults      InjectFault {"ack","count","delay"}
//	GET    /_sim/faults      Faults
//	DELETE /_sim/faults      ClearFaults
//	PUT    /_sim/engine      SetEngineAddr {"addr"}
//	POST   /_sim/results     SendResults {"placerOrderNumber","scenario"}
func (s *Sim) ControlHandler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, s.Stats())
	})
	m.HandleFunc("GET /_sim/orders", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, s.Orders())
	})
	m.HandleFunc("GET /_sim/scenarios", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, Scenarios())
	})
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
	m.HandleFunc("PUT /_sim/engine", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Addr string `json:"addr"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		s.SetEngineAddr(body.Addr)
		writeControlJSON(w, http.StatusOK, body)
	})
	m.HandleFunc("POST /_sim/results", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			PlacerOrderNumber string   `json:"placerOrderNumber"`
			Scenario          Scenario `json:"scenario"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		if body.PlacerOrderNumber == "" {
			writeControlError(w, http.StatusBadRequest, "placerOrderNumber is required")
			return
		}
		if body.Scenario != "" && !body.Scenario.Valid() {
			writeControlError(w, http.StatusBadRequest, "unknown scenario")
			return
		}
		deliveries, err := s.SendResults(body.PlacerOrderNumber, body.Scenario)
		status := http.StatusOK
		if err != nil {
			// The deliveries still say how far it got; 502: the engine did not answer.
			status = http.StatusBadGateway
			if errors.Is(err, ErrNoEngine) {
				status = http.StatusConflict
			}
		}
		writeControlJSON(w, status, map[string]any{"deliveries": deliveries})
	})
	return m
}

// decodeControl reads a JSON body into v, answering 400 when it cannot.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeControlError(w, http.StatusBadRequest, "invalid JSON body")
		return false
	}
	return true
}

// writeControlJSON writes a control answer.
func writeControlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeControlError(w, http.StatusInternalServerError, "encode failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeControlError writes {"error": msg}.
func writeControlError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
