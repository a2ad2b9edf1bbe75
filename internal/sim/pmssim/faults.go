package pmssim

import (
	"fmt"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Operations a fault can target.
const (
	OpList    = "list"
	OpGet     = "get"
	OpUpdate  = "update"
	OpCreate  = "create"
	OpWebhook = "webhook"
	OpAny     = simkit.AnyOp
)

// Fault kinds.
const (
	// FaultServerError answers 500 without executing the request.
	FaultServerError = "500"
	// FaultUnavailable answers 503 without executing the request.
	FaultUnavailable = "503"
	// FaultRateLimit answers 429 without executing the request.
	FaultRateLimit = "429"
	// FaultSlow sleeps Delay, then handles the request; beyond the
	// client's timeout it is a timeout.
	FaultSlow = "slow"
	// FaultStale answers an update 412 as if someone had just written.
	FaultStale = "412"
	// FaultDrop loses a webhook (the change is stored, never announced).
	FaultDrop = "drop"
	// FaultDuplicate delivers a webhook twice.
	FaultDuplicate = "duplicate"
)

// Fault makes the simulator misbehave for the next Count matching
// requests (or webhooks); Count <= 0 means until ClearFaults.
type Fault = simkit.Fault[faultSpec]

// faultSpec is Fault's type argument: the PMS API calls, its webhooks and
// what can go wrong with them.
type faultSpec struct{}

// FaultSpec returns the simulator's fault rules.
func (faultSpec) FaultSpec() *simkit.FaultSpec { return &pmsFaults }

// pmsFaults are the operations and kinds a Fault may name.
var pmsFaults = simkit.FaultSpec{
	Sim:   "pmssim",
	Ops:   []string{OpList, OpGet, OpUpdate, OpCreate, OpWebhook, OpAny},
	Kinds: []string{FaultServerError, FaultUnavailable, FaultRateLimit, FaultSlow, FaultStale, FaultDrop, FaultDuplicate},
	Rule: func(op, kind string) error {
		switch kind {
		case FaultStale:
			if op != OpUpdate {
				return fmt.Errorf("pmssim: fault %q applies to op %q only", FaultStale, OpUpdate)
			}
		case FaultDrop, FaultDuplicate:
			if op != OpWebhook {
				return fmt.Errorf("pmssim: fault %q applies to op %q only", kind, OpWebhook)
			}
		default:
			if op == OpWebhook {
				return fmt.Errorf("pmssim: webhook faults are %q or %q", FaultDrop, FaultDuplicate)
			}
		}
		return nil
	},
	Strict: true,
}

// faultList is the injector Sim embeds; the alias keeps the field unexported.
type faultList = simkit.Injector[Fault]

// takeFault consumes one use of the first fault for op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	f, ok := simkit.TakeFault(s.faultList, func(f Fault) bool {
		// Webhook faults are taken only by webhooks, never by a "*" API fault.
		if op == OpWebhook {
			return f.Op == OpWebhook
		}
		return f.Affects(op) && f.Op != OpWebhook
	})
	if ok {
		s.mu.Lock()
		s.counts.FaultsTriggered++
		s.mu.Unlock()
	}
	return f, ok
}

// Stats counts what the simulator did.
type Stats struct {
	Reads                 int `json:"reads"`
	Lists                 int `json:"lists"`
	Updates               int `json:"updates"`
	Creates               int `json:"creates"`
	Edits                 int `json:"edits"`
	Conflicts             int `json:"conflicts"`
	Rejected              int `json:"rejected"`
	WebhooksDelivered     int `json:"webhooksDelivered"`
	WebhookAttemptsFailed int `json:"webhookAttemptsFailed"`
	WebhooksFailed        int `json:"webhooksFailed"`
	WebhooksDropped       int `json:"webhooksDropped"`
	FaultsTriggered       int `json:"faultsTriggered"`
}

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}
