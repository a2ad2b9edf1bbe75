package chsim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Fault operations: which simulated calls a Fault affects.
const (
	OpRealTime = "realtime" // POST /core/realtime, real-time requests
	OpBatch    = "batch"    // POST /core/realtime, batch submissions and retrievals
	OpAny      = "*"        // every CORE call (simkit.AnyOp)
)

// Fault kinds: what happens to an affected request.
const (
	// FaultServerError answers 500 with a SOAP Receiver fault without
	// processing the request.
	FaultServerError = "500"
	// FaultUnavailable answers 503 with a SOAP Receiver fault and
	// Retry-After: 1, without processing the request.
	FaultUnavailable = "503"
	// FaultRateLimit answers 429 without processing the request.
	FaultRateLimit = "429"
	// FaultTimeout sleeps Delay, then answers 500 without processing, so a
	// client with a shorter timeout sees a timeout.
	FaultTimeout = "timeout"
	// FaultSlow sleeps Delay, then handles the request normally.
	FaultSlow = "slow"
	// FaultLost processes the request (storing its answer for a repeated
	// PayloadID), then sleeps Delay and answers 500: the answer is lost in
	// transit, which is what PayloadID idempotency is for.
	FaultLost = "lost"
	// FaultCOREError answers 200 with a CORE envelope whose ErrorCode is
	// Fault.ErrorCode (default "ReceiverUnavailable"), without processing.
	FaultCOREError = "core-error"
)

// defaultFaultErrorCode is FaultCOREError's ErrorCode when none is given.
const defaultFaultErrorCode = "ReceiverUnavailable"

// Fault makes the simulator misbehave for the next Count requests of
// operation Op (Count <= 0: every matching request until ClearFaults). With
// MemberID set it affects only inquiries for that subscriber.
type Fault struct {
	Op        string        `json:"op"`
	Kind      string        `json:"kind"`
	Count     int           `json:"count"`
	Delay     time.Duration `json:"delay"`
	MemberID  string        `json:"memberId,omitempty"`
	ErrorCode string        `json:"errorCode,omitempty"`
}

// Validate reports whether the fault names a known operation and kind.
func (f Fault) Validate() error {
	switch f.Op {
	case OpRealTime, OpBatch, OpAny:
	default:
		return fmt.Errorf("chsim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultUnavailable, FaultRateLimit, FaultTimeout, FaultSlow, FaultLost, FaultCOREError:
	default:
		return fmt.Errorf("chsim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("chsim: negative fault delay")
	}
	return nil
}

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or as integer
// nanoseconds, Go's default encoding of time.Duration, and rejects unknown
// fields.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var p plain
	var d time.Duration
	if err := simkit.UnmarshalWithDelay("chsim", b, &p, &d, true); err != nil {
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

// takeFault consumes one use of the first fault matching op and member.
func (s *Sim) takeFault(op, member string) (Fault, bool) {
	return s.faults.Take(func(f Fault) bool {
		return simkit.MatchOp(f.Op, op) && f.Validate() == nil &&
			(f.MemberID == "" || strings.EqualFold(f.MemberID, member))
	})
}

// faultCount points at f's remaining uses, which the injector counts down.
func faultCount(f *Fault) *int { return &f.Count }

// sleep waits d unless the request or the simulator ends first; it reports
// whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}
