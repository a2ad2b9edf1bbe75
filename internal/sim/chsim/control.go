package chsim

import (
	"encoding/json"
	"io"
	"net/http"
)

// maxControlBody bounds control-request bodies.
const maxControlBody = 64 << 10

// Scenario describes one member id the simulator recognises, for
// GET /_sim/scenarios.
type Scenario struct {
	MemberID string `json:"memberId"`
	Outcome  string `json:"outcome"`
}

// Scenarios lists the member ids that choose a scenario.
func Scenarios() []Scenario {
	return []Scenario{
		{MemberActive, "271 active: copay " + CopayAmount + " (service types 30, 98), coinsurance 20%, deductible " +
			DeductibleAmount + " remaining " + DeductibleRemaining},
		{MemberInactive, "271 inactive (EB*6)"},
		{MemberNotFound, "271 with AAA*N**75*C in loop 2100C"},
		{MemberSlow, "271 active after Options.SlowDelay"},
		{MemberServerError, "HTTP 500 SOAP Receiver fault"},
		{MemberMalformed, "truncated 271"},
		{"(any other)", "271 with AAA*N**72*C in loop 2100C"},
	}
}

// controlRoutes exposes the simulator's test controls over HTTP for other
// processes (load generator, e2e scripts). They need no credentials: they
// exist only on the simulator's own listener, never on a real clearinghouse.
func (s *Sim) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, maxControlBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeControlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
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
	m.HandleFunc("GET /_sim/scenarios", func(w http.ResponseWriter, r *http.Request) {
		writeControlJSON(w, http.StatusOK, Scenarios())
	})
}

// writeControlJSON writes a control answer.
func writeControlJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeControlError(w, http.StatusInternalServerError, "encode: "+err.Error())
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
