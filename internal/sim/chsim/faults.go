package chsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Fault operations: which simulated calls a Fault affects.
const (
	OpRealTime = "realtime" // POST /core/realtime
	OpAny      = "*"        // every CORE call
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
	case OpRealTime, OpAny:
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
	return json.Marshal(struct {
		plain
		Delay string `json:"delay"`
	}{plain(f), f.Delay.String()})
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or as integer
// nanoseconds, Go's default encoding of time.Duration, and rejects unknown
// fields.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var raw struct {
		plain
		Delay json.RawMessage `json:"delay"`
	}
	// Unknown fields are rejected: a misspelt "memberId" would otherwise
	// turn a targeted fault into one hitting every request.
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
			return fmt.Errorf("chsim: fault delay: %w", err)
		}
		f.Delay = d
		return nil
	}
	var ns int64
	if err := json.Unmarshal(raw.Delay, &ns); err != nil {
		return fmt.Errorf("chsim: fault delay must be a duration string or nanoseconds")
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

// takeFault consumes one use of the first fault matching op and member.
func (s *Sim) takeFault(op, member string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if (f.Op != op && f.Op != OpAny) || f.Validate() != nil {
			continue
		}
		if f.MemberID != "" && !strings.EqualFold(f.MemberID, member) {
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

// sleep waits d unless the request or the simulator ends first; it reports
// whether the full delay elapsed.
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
