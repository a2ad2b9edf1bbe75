package twiliosim

import (
	"fmt"
	"time"

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
)

// Fault makes the simulator misbehave for the next Count requests of
// operation Op. Count <= 0 affects every matching request until ClearFaults.
type Fault struct {
	Op    string        `json:"op"`
	Kind  string        `json:"kind"`
	Count int           `json:"count"`
	Delay time.Duration `json:"delay"`
}

// Validate reports whether the fault names a known operation and kind.
func (f Fault) Validate() error {
	switch f.Op {
	case OpSend, OpFetch, OpAny:
	default:
		return fmt.Errorf("twiliosim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultRateLimit, FaultSlow:
	default:
		return fmt.Errorf("twiliosim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("twiliosim: negative fault delay")
	}
	return nil
}

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or as integer
// nanoseconds, Go's default encoding of time.Duration; unknown fields are
// an error.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var p plain
	var d time.Duration
	if err := simkit.UnmarshalWithDelay("twiliosim", b, &p, &d, true); err != nil {
		return err
	}
	*f = Fault(p)
	f.Delay = d
	return nil
}

// InjectFault adds a fault; faults are matched in the order they were added.
// A fault that fails Validate never matches a request.
func (s *Sim) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

// Faults returns the faults still active, with their remaining counts.
func (s *Sim) Faults() []Fault { return s.faults.List() }

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return s.faults.Take(func(f Fault) bool { return simkit.MatchOp(f.Op, op) && f.Validate() == nil })
}

// faultCount points at f's remaining uses, which the injector counts down.
func faultCount(f *Fault) *int { return &f.Count }

// countFault records that a fault affected a request.
func (s *Sim) countFault() {
	s.mu.Lock()
	s.counts.FaultsTriggered++
	s.mu.Unlock()
}
