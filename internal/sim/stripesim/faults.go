package stripesim

import (
	"context"
	"fmt"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Fault operations: which simulated API calls a Fault affects.
const (
	OpCreate   = "create"   // POST /v1/payment_intents
	OpConfirm  = "confirm"  // POST /v1/payment_intents/{id}/confirm
	OpUpdate   = "update"   // POST /v1/payment_intents/{id}
	OpCapture  = "capture"  // POST /v1/payment_intents/{id}/capture
	OpCancel   = "cancel"   // POST /v1/payment_intents/{id}/cancel
	OpRefund   = "refund"   // POST /v1/refunds
	OpRetrieve = "retrieve" // every GET under /v1/ (retrieve, list, search)
	OpAny      = "*"        // every Stripe API call (simkit.AnyOp)
)

// Fault kinds: what happens to an affected request.
const (
	// FaultServerError answers 500 api_error without executing the request.
	FaultServerError = "500"
	// FaultRateLimit answers 429 rate_limit without executing the request.
	FaultRateLimit = "429"
	// FaultTimeout sleeps Delay, then answers 500 without executing, so a
	// client with a shorter timeout sees a timeout.
	FaultTimeout = "timeout"
	// FaultSlow sleeps Delay, then handles the request normally.
	FaultSlow = "slow"
	// FaultLost executes the request (storing its result for idempotent
	// replay), then sleeps Delay and answers 500: the response is lost in
	// transit, which is the case idempotency keys exist for.
	FaultLost = "lost"
	// FaultStoredServerError answers 500 api_error without executing and, as
	// Stripe does for a request that failed after it began executing, stores
	// that 500 under the request's Idempotency-Key: every retry with the same
	// key replays the 500 until the key expires (24 hours).
	FaultStoredServerError = "500-stored"
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
	case OpCreate, OpConfirm, OpUpdate, OpCapture, OpCancel, OpRefund, OpRetrieve, OpAny:
	default:
		return fmt.Errorf("stripesim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultRateLimit, FaultTimeout, FaultSlow, FaultLost, FaultStoredServerError:
	default:
		return fmt.Errorf("stripesim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("stripesim: negative fault delay")
	}
	return nil
}

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or as integer
// nanoseconds, Go's default encoding of time.Duration.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var p plain
	var d time.Duration
	if err := simkit.UnmarshalWithDelay("stripesim", b, &p, &d, false); err != nil {
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

// sleep waits d unless the request or the simulator ends first; it reports
// whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}
