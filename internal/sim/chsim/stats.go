package chsim

import "maps"

// Stats counts what the simulator did.
type Stats struct {
	// Inquiries counts 270s accepted for processing; a repeated PayloadID
	// is a replay, not an inquiry.
	Inquiries int `json:"inquiries"`
	// InquiriesByMember counts Inquiries per subscriber member id (NM109).
	InquiriesByMember map[string]int `json:"inquiriesByMember"`
	// Replays counts answers served for a PayloadID seen before.
	Replays int `json:"replays"`
	// Rejected counts 270s answered with a 999 rejection.
	Rejected int `json:"rejected"`
	// AuthFailures counts requests with missing or wrong WS-Security
	// credentials.
	AuthFailures int `json:"authFailures"`
	// EnvelopeErrors counts SOAP faults and CORE envelope errors other
	// than authentication failures.
	EnvelopeErrors int `json:"envelopeErrors"`
	// Batches counts batch submissions accepted (replays excluded).
	Batches int `json:"batches"`
	// Retrievals counts results files handed out by batch retrieval.
	Retrievals int `json:"retrievals"`
	// Pushes counts results files the engine's webhook accepted.
	Pushes int `json:"pushes"`
	// FaultsTriggered counts requests an injected fault affected.
	FaultsTriggered int `json:"faultsTriggered"`
}

// Stats returns a snapshot of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.InquiriesByMember = maps.Clone(s.stats.InquiriesByMember)
	return st
}

// count applies f to the counters under the lock.
func (s *Sim) count(f func(st *Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}
