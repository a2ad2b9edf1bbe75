package chsim

import (
	"net/http"

	"github.com/careflow/engine/internal/sim/simkit"
)

// control answers the /_sim/ routes.
var control = simkit.Control{MaxBody: 64 << 10}

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
	simkit.FaultRoutes(m, control, s)
	m.HandleFunc("GET /_sim/scenarios", func(w http.ResponseWriter, r *http.Request) {
		control.JSON(w, http.StatusOK, Scenarios())
	})
}
