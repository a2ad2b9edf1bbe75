package stripesim

import (
	"context"
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
type Fault = simkit.Fault[faultSpec]

// faultSpec is Fault's type argument: the Stripe API calls and what can go wrong with them.
type faultSpec struct{}

// FaultSpec returns the simulator's fault rules.
func (faultSpec) FaultSpec() *simkit.FaultSpec { return &stripeFaults }

// stripeFaults are the operations and kinds a Fault may name.
var stripeFaults = simkit.FaultSpec{
	Sim:   "stripesim",
	Ops:   []string{OpCreate, OpConfirm, OpUpdate, OpCapture, OpCancel, OpRefund, OpRetrieve, OpAny},
	Kinds: []string{FaultServerError, FaultRateLimit, FaultTimeout, FaultSlow, FaultLost, FaultStoredServerError},
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return simkit.TakeFault(s.faultList, func(f Fault) bool { return f.Affects(op) })
}

// sleep waits d unless the request or the simulator ends first; it reports
// whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}
