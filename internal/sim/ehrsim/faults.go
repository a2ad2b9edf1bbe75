package ehrsim

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Fault operations: which requests a Fault affects.
const (
	OpToken  = "token"  // POST /auth/token
	OpRead   = "read"   // GET /fhir/{type}/{id} and its _history versions
	OpSearch = "search" // GET /fhir/{type}?...
	OpCreate = "create" // POST /fhir/{type}
	OpUpdate = "update" // PUT /fhir/{type}/{id}
	OpAny    = "*"      // every token and FHIR request
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
	return json.Marshal(struct {
		plain
		Delay string `json:"delay"`
	}{plain(f), f.Delay.String()})
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or as integer
// nanoseconds, Go's default encoding of time.Duration.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var raw struct {
		plain
		Delay json.RawMessage `json:"delay"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = Fault(raw.plain)
	f.Delay = 0
	if len(raw.Delay) == 0 || string(raw.Delay) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw.Delay, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("ehrsim: fault delay: %w", err)
		}
		f.Delay = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(raw.Delay, &ns); err != nil {
		return fmt.Errorf("ehrsim: fault delay must be a duration string or nanoseconds")
	}
	f.Delay = time.Duration(ns)
	return nil
}

// InjectFault adds a fault; faults are matched in the order they were
// added. A fault that fails Validate never matches a request.
func (s *Sim) InjectFault(f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	ff := f
	s.faults = append(s.faults, &ff)
}

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// Faults returns the faults still active, with their remaining counts.
func (s *Sim) Faults() []Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, *f)
	}
	return out
}

// takeFault consumes one use of the first fault matching op.
func (s *Sim) takeFault(op string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if (f.Op != op && f.Op != OpAny) || f.Validate() != nil {
			continue
		}
		// A wildcard 412 waits for an update instead of failing reads.
		if f.Kind == FaultConflict && op != OpUpdate {
			continue
		}
		taken := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return taken, true
	}
	return Fault{}, false
}

// sleep waits d unless the request or the simulator ends first; it
// reports whether the full delay elapsed.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.ctx.Done():
		return false
	}
}
