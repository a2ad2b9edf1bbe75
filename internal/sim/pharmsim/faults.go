package pharmsim

import (
	"fmt"
	"time"

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

// knownOps are the message types a fault may name.
var knownOps = map[string]bool{
	string(ncpdp.TypeNewRx): true, string(ncpdp.TypeCancelRx): true, string(ncpdp.TypeRxChangeResponse): true,
	string(ncpdp.TypeRxRenewalResponse): true, OpAny: true,
}

// Fault makes the simulator misbehave for the next Count messages of type
// Op. Count <= 0 affects every matching message until ClearFaults.
type Fault struct {
	Op    string        `json:"op"`
	Kind  string        `json:"kind"`
	Count int           `json:"count"`
	Delay time.Duration `json:"delay"`
}

// Validate reports whether the fault names a known operation and kind.
func (f Fault) Validate() error {
	if !knownOps[f.Op] {
		return fmt.Errorf("pharmsim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultUnavailable, FaultSlow, FaultLostAnswer:
	default:
		return fmt.Errorf("pharmsim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("pharmsim: negative fault delay")
	}
	return nil
}

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string or integer nanoseconds;
// unknown fields are an error.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var p plain
	var d time.Duration
	if err := simkit.UnmarshalWithDelay("pharmsim", b, &p, &d, true); err != nil {
		return err
	}
	*f = Fault(p)
	f.Delay = d
	return nil
}

// InjectFault adds a fault; faults are matched in the order they were added.
func (s *Sim) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

// Faults returns the faults still active, with their remaining counts.
func (s *Sim) Faults() []Fault { return s.faults.List() }

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return s.faults.Take(func(f Fault) bool { return simkit.MatchOp(f.Op, op) && f.Validate() == nil })
}

// faultCount points at f's remaining uses.
func faultCount(f *Fault) *int { return &f.Count }
