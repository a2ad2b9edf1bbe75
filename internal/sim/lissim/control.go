package lissim

import (
	"errors"
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// control answers the /_sim/ routes; it keeps decoder and encoder text out
// of its errors, so they never echo any part of a request.
var control = simkit.Control{MaxBody: 64 << 10, Terse: true}

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
	simkit.FaultRoutes(m, control, s)
	m.HandleFunc("GET /_sim/orders", func(w http.ResponseWriter, r *http.Request) {
		control.JSON(w, http.StatusOK, s.Orders())
	})
	m.HandleFunc("GET /_sim/scenarios", func(w http.ResponseWriter, r *http.Request) {
		control.JSON(w, http.StatusOK, Scenarios())
	})
	m.HandleFunc("PUT /_sim/engine", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Addr string `json:"addr"`
		}
		if !control.Decode(w, r, &body) {
			return
		}
		s.SetEngineAddr(body.Addr)
		control.JSON(w, http.StatusOK, body)
	})
	m.HandleFunc("POST /_sim/results", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			PlacerOrderNumber string   `json:"placerOrderNumber"`
			Scenario          Scenario `json:"scenario"`
		}
		if !control.Decode(w, r, &body) {
			return
		}
		if body.PlacerOrderNumber == "" {
			control.Error(w, http.StatusBadRequest, "placerOrderNumber is required")
			return
		}
		if body.Scenario != "" && !body.Scenario.Valid() {
			control.Error(w, http.StatusBadRequest, "unknown scenario")
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
		control.JSON(w, status, map[string]any{"deliveries": deliveries})
	})
	return m
}
