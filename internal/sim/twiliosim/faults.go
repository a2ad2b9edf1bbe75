package twiliosim

import (
	"github.com/careflow/engine/internal/sim/simkit"
)

// Fault kinds: what happens to an affected request.
const (
	// FaultServerError answers 500 (error 20500) without executing the request.
	FaultServerError = "500"
	// FaultRateLimit answers 429 (error 20429) without executing the request.
	FaultRateLimit = "429"
	// FaultSlow sleeps Delay, then handles the request normally; a Delay
	// beyond the client's timeout looks like a timeout to the client.
	FaultSlow = "slow"
	// FaultLostAnswer executes the request (the message is created and sent) and then answers
	// 500, as when Twilio's answer is lost on the way: a client that simply resends texts twice.
	FaultLostAnswer = "lost-answer"
)

// Fault makes the simulator misbehave for the next Count requests of
// operation Op. Count <= 0 affects every matching request until ClearFaults.
type Fault = simkit.Fault[faultSpec]

// faultSpec is Fault's type argument: the Twilio API calls and what can go wrong with them.
type faultSpec struct{}

// FaultSpec returns the simulator's fault rules.
func (faultSpec) FaultSpec() *simkit.FaultSpec { return &twilioFaults }

// twilioFaults are the operations and kinds a Fault may name.
var twilioFaults = simkit.FaultSpec{
	Sim:    "twiliosim",
	Ops:    []string{OpSend, OpFetch, OpList, OpAny},
	Kinds:  []string{FaultServerError, FaultRateLimit, FaultSlow, FaultLostAnswer},
	Strict: true,
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return simkit.TakeFault(s.faultList, func(f Fault) bool { return f.Affects(op) })
}

// countFault records that a fault affected a request.
func (s *Sim) countFault() {
	s.mu.Lock()
	s.counts.FaultsTriggered++
	s.mu.Unlock()
}
