package chsim

import (
	"context"
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

// chFaults are the operations and kinds a Fault may name.
var chFaults = simkit.FaultSpec{
	Sim:    "chsim",
	Ops:    []string{OpRealTime, OpBatch, OpAny},
	Kinds:  []string{FaultServerError, FaultUnavailable, FaultRateLimit, FaultTimeout, FaultSlow, FaultLost, FaultCOREError},
	Strict: true,
}

// Validate reports whether the fault names a known operation and kind.
func (f Fault) Validate() error { return chFaults.Validate(f.Op, f.Kind, f.Delay) }

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
	return simkit.UnmarshalWithDelay(chFaults.Sim, b, (*plain)(f), &f.Delay, chFaults.Strict)
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]

// takeFault consumes one use of the first fault matching op and member.
func (s *Sim) takeFault(op, member string) (Fault, bool) {
	return simkit.TakeFault(s.faultList, func(f Fault) bool {
		return simkit.MatchOp(f.Op, op) && (f.MemberID == "" || strings.EqualFold(f.MemberID, member))
	})
}

// sleep waits d unless the request or the simulator ends first; it reports
// whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}
