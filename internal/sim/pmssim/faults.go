package pmssim

import (
	"fmt"
	"time"

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
type Fault struct {
	Op    string        `json:"op"`
	Kind  string        `json:"kind"`
	Count int           `json:"count"`
	Delay time.Duration `json:"delay"`
}

// Validate reports whether the fault is well formed.
func (f Fault) Validate() error {
	switch f.Op {
	case OpList, OpGet, OpUpdate, OpCreate, OpWebhook, OpAny:
	default:
		return fmt.Errorf("pmssim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultUnavailable, FaultRateLimit, FaultSlow:
		if f.Op == OpWebhook {
			return fmt.Errorf("pmssim: webhook faults are %q or %q", FaultDrop, FaultDuplicate)
		}
	case FaultStale:
		if f.Op != OpUpdate {
			return fmt.Errorf("pmssim: fault %q applies to op %q only", FaultStale, OpUpdate)
		}
	case FaultDrop, FaultDuplicate:
		if f.Op != OpWebhook {
			return fmt.Errorf("pmssim: fault %q applies to op %q only", f.Kind, OpWebhook)
		}
	default:
		return fmt.Errorf("pmssim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("pmssim: negative fault delay")
	}
	return nil
}

// MarshalJSON writes Delay as a duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return simkit.MarshalWithDelay(plain(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string or nanoseconds; unknown
// fields are an error.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var p plain
	var d time.Duration
	if err := simkit.UnmarshalWithDelay("pmssim", b, &p, &d, true); err != nil {
		return err
	}
	*f = Fault(p)
	f.Delay = d
	return nil
}

// InjectFault adds a fault.
func (s *Sim) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

// Faults returns the active faults.
func (s *Sim) Faults() []Fault { return s.faults.List() }

// takeFault consumes one use of the first fault for op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	f, ok := s.faults.Take(func(f Fault) bool {
		// Webhook faults are taken only by webhooks, never by a "*" API fault.
		if op == OpWebhook {
			return f.Op == OpWebhook && f.Validate() == nil
		}
		return simkit.MatchOp(f.Op, op) && f.Op != OpWebhook && f.Validate() == nil
	})
	if ok {
		s.mu.Lock()
		s.counts.FaultsTriggered++
		s.mu.Unlock()
	}
	return f, ok
}

func faultCount(f *Fault) *int { return &f.Count }

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
