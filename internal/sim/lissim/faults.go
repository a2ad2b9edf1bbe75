package lissim

import (
	"fmt"
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

// Validate reports whether the fault names a known kind.
func (f Fault) Validate() error {
	switch f.Ack {
	case FaultAR, FaultAE, FaultNone, FaultDrop, FaultSlow:
	default:
		return fmt.Errorf("lissim: unknown fault ack %q", f.Ack)
	}
	if f.Delay < 0 {
		return fmt.Errorf("lissim: negative fault delay")
	}
	return nil
}

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or integer nanoseconds.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var p plain
	var d time.Duration
	if err := simkit.UnmarshalWithDelay("lissim", b, &p, &d, false); err != nil {
		return err
	}
	*f = Fault(p)
	f.Delay = d
	return nil
}

// InjectFault adds a fault; faults are used in the order they were added.
// A fault that fails Validate never matches.
func (s *Sim) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

// Faults returns the faults still active, with their remaining counts.
func (s *Sim) Faults() []Fault { return s.faults.List() }

// takeFault consumes one use of the first valid fault.
func (s *Sim) takeFault() (Fault, bool) {
	return s.faults.Take(func(f Fault) bool { return f.Validate() == nil })
}

// faultCount points at f's remaining uses, which the injector counts down.
func faultCount(f *Fault) *int { return &f.Count }
