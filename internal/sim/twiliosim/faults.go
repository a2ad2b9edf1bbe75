package twiliosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Fault kinds: what happens to an affected request.
const (
	// FaultServerError answers 500 (error 20500) without executing the request.
	FaultServerError = "500"
	// FaultRateLimit answers 429 (error 20429) without executing the request.
	FaultRateLimit = "429"
	// FaultSlow sleeps Delay, then handles the request normally; a Delay
	// beyond the client's timeout looks like a timeout to the client.
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
	case OpSend, OpFetch, OpAny:
	default:
		return fmt.Errorf("twiliosim: unknown fault op %q", f.Op)
	}
	switch f.Kind {
	case FaultServerError, FaultRateLimit, FaultSlow:
	default:
		return fmt.Errorf("twiliosim: unknown fault kind %q", f.Kind)
	}
	if f.Delay < 0 {
		return fmt.Errorf("twiliosim: negative fault delay")
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
// nanoseconds, Go's default encoding of time.Duration; unknown fields are
// an error.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var raw struct {
		plain
		Delay json.RawMessage `json:"delay"`
	}
	// Strict decoding: a misspelt field in a control request should fail
	// loudly rather than inject a fault nobody asked for.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
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
			return fmt.Errorf("twiliosim: fault delay: %w", err)
		}
		f.Delay = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(raw.Delay, &ns); err != nil {
		return fmt.Errorf("twiliosim: fault delay must be a duration string or nanoseconds")
	}
	f.Delay = time.Duration(ns)
	return nil
}

// InjectFault adds a fault; faults are matched in the order they were added.
// A fault that fails Validate never matches a request.
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

// countFault records that a fault affected a request.
func (s *Sim) countFault() {
	s.mu.Lock()
	s.counts.FaultsTriggered++
	s.mu.Unlock()
}
