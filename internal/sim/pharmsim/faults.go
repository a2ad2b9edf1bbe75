package pharmsim

import (
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/simkit"
)

// OpAny is the fault operation matching every message type; other
// operations are message type names ("NewRx", "CancelRx", ...).
const OpAny = simkit.AnyOp

// Fault kinds: what happens to an affected message.
const (
	// FaultServerError answers 500 without processing the message.
	FaultServerError = "500"
	// FaultUnavailable answers 503 without processing the message.
	FaultUnavailable = "503"
	// FaultSlow sleeps Delay, then handles the message normally.
	FaultSlow = "slow"
	// FaultLostAnswer processes the message, then answers 500 instead of
	// its answer: the network accepted it but the sender never learns,
	// as when a worker dies between NewRx and Status.
	FaultLostAnswer = "lost-answer"
)

// Fault makes the simulator misbehave for the next Count messages of type
// Op. Count <= 0 affects every matching message until ClearFaults.
type Fault = simkit.Fault[faultSpec]

// faultSpec is Fault's type argument: the message types and what can go wrong with them.
type faultSpec struct{}

// FaultSpec returns the simulator's fault rules.
func (faultSpec) FaultSpec() *simkit.FaultSpec { return &pharmFaults }

// pharmFaults are the operations and kinds a Fault may name.
var pharmFaults = simkit.FaultSpec{
	Sim: "pharmsim",
	// The message types a fault may name.
	Ops: []string{string(ncpdp.TypeNewRx), string(ncpdp.TypeCancelRx), string(ncpdp.TypeRxChangeResponse),
		string(ncpdp.TypeRxRenewalResponse), OpAny},
	Kinds:  []string{FaultServerError, FaultUnavailable, FaultSlow, FaultLostAnswer},
	Strict: true,
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return simkit.TakeFault(s.faultList, func(f Fault) bool { return f.Affects(op) })
}
