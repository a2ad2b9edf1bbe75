package ehrsim

import (
	"context"
	"fmt"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Fault operations: which requests a Fault affects.
const (
	OpToken  = "token"  // POST /auth/token
	OpRead   = "read"   // GET /fhir/{type}/{id} and its _history versions
	OpSearch = "search" // GET /fhir/{type}?...
	OpCreate = "create" // POST /fhir/{type}
	OpUpdate = "update" // PUT /fhir/{type}/{id}
	OpAny    = "*"      // every token and FHIR request (simkit.AnyOp)
)

// Fault kinds: what happens to an affected request. FHIR requests are
// affected only once authenticated and authorized, so a fault never hides
// an authentication bug.
const (
	// FaultServerError answers 500 (OperationOutcome "exception", or OAuth
	// "server_error" on the token endpoint) without executing.
	FaultServerError = "500"
	// FaultRateLimit answers 429 with Retry-After: 1 ("throttled").
	FaultRateLimit = "429"
	// FaultConflict answers an update with 412 "conflict" even when its
	// If-Match is current, so clients exercise re-read and merge. It
	// affects only updates.
	FaultConflict = "412"
	// FaultUnauthorized answers 401 as if the token had been revoked
	// (invalid_client on the token endpoint).
	FaultUnauthorized = "401"
	// FaultSlow sleeps Delay, then handles the request normally.
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
	case OpToken, OpRead, OpSearch, OpCreate, OpUpdate, OpAny:
	default:
		return fmt.Errorf("ehrsim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultRateLimit, FaultUnauthorized, FaultSlow:
	case FaultConflict:
		if f.Op != OpUpdate && f.Op != OpAny {
			return fmt.Errorf("ehrsim: fault kind 412 applies to op update only")
		}
	default:
		return fmt.Errorf("ehrsim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("ehrsim: negative fault delay")
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
	if err := simkit.UnmarshalWithDelay("ehrsim", b, &p, &d, false); err != nil {
		return err
	}
	*f = Fault(p)
	f.Delay = d
	return nil
}

// InjectFault adds a fault; faults are matched in the order they were
// added. A fault that fails Validate never matches a request.
func (s *Sim) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

// Faults returns the faults still active, with their remaining counts.
func (s *Sim) Faults() []Fault { return s.faults.List() }

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return s.faults.Take(func(f Fault) bool {
		// A wildcard 412 waits for an update instead of failing reads.
		return simkit.MatchOp(f.Op, op) && f.Validate() == nil &&
			(f.Kind != FaultConflict || op == OpUpdate)
	})
}

// faultCount points at f's remaining uses, which the injector counts down.
func faultCount(f *Fault) *int { return &f.Count }

// sleep waits d unless the request or the simulator ends first; it
// reports whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}
