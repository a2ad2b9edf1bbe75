package lissim

import (
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Fault kinds (Fault.Ack): how an affected ORM is answered, whatever its scenario.
const (
	// FaultAR answers AR with ERR-3 207; the order is not accepted.
	FaultAR = "AR"
	// FaultAE answers AE with ERR-3 207; the order is not accepted.
	FaultAE = "AE"
	// FaultNone sends no ACK and keeps the connection open, so the sender
	// times out; the order is not accepted.
	FaultNone = "none"
	// FaultDrop closes the connection without an ACK; the order is not accepted.
	FaultDrop = "drop"
	// FaultSlow waits Delay (default Options.SlowAckDelay), then handles the
	// ORM as its scenario says.
	FaultSlow = "slow"
)

// Fault changes how the next Count ORM^O01 messages are answered; Count
// <= 0 affects every ORM until ClearFaults. Faults override scenarios.
type Fault struct {
	Ack   string        `json:"ack"`
	Count int           `json:"count"`
	Delay time.Duration `json:"delay"`
}

// lisFaults are the kinds a Fault may name.
var lisFaults = simkit.FaultSpec{
	Sim:      "lissim",
	Kinds:    []string{FaultAR, FaultAE, FaultNone, FaultDrop, FaultSlow},
	KindName: "ack",
}

// Validate reports whether the fault names a known kind.
func (f Fault) Validate() error { return lisFaults.Validate("", f.Ack, f.Delay) }

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or integer nanoseconds.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	return simkit.UnmarshalWithDelay(lisFaults.Sim, b, (*plain)(f), &f.Delay, lisFaults.Strict)
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]

// takeFault consumes one use of the first valid fault.
func (s *Sim) takeFault() (Fault, bool) {
	return simkit.TakeFault(s.faultList, func(Fault) bool { return true })
}
