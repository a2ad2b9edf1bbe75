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
type Fault = simkit.Fault[faultSpec]

// faultSpec is Fault's type argument: the EHR's operations and kinds.
type faultSpec struct{}

// FaultSpec returns the EHR's fault rules.
func (faultSpec) FaultSpec() *simkit.FaultSpec { return &ehrFaults }

// ehrFaults are the operations and kinds a Fault may name.
var ehrFaults = simkit.FaultSpec{
	Sim:   "ehrsim",
	Ops:   []string{OpToken, OpRead, OpSearch, OpCreate, OpUpdate, OpAny},
	Kinds: []string{FaultServerError, FaultRateLimit, FaultUnauthorized, FaultSlow, FaultConflict},
	Rule: func(op, kind string) error {
		if kind == FaultConflict && op != OpUpdate && op != OpAny {
			return fmt.Errorf("ehrsim: fault kind 412 applies to op update only")
		}
		return nil
	},
}

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	return simkit.TakeFault(s.faultList, func(f Fault) bool {
		// A wildcard 412 waits for an update instead of failing reads.
		return f.Affects(op) && (f.Kind != FaultConflict || op == OpUpdate)
	})
}

// sleep waits d unless the request or the simulator ends first; it
// reports whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	return simkit.Sleep(ctx, s.ctx, d)
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]
