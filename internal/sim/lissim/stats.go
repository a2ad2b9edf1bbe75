package lissim

import "maps"

// Stats counts what the simulator received and sent.
type Stats struct {
	// OrdersReceived counts ORM^O01 messages with a usable order, resends included.
	OrdersReceived int `json:"ordersReceived"`
	// OrdersByScenario counts those messages by scenario name.
	OrdersByScenario map[string]int `json:"ordersByScenario"`
	// OrdersAccepted counts distinct orders accepted (AA) and so due results.
	OrdersAccepted int `json:"ordersAccepted"`
	// DuplicateOrders counts ORMs for an already accepted order: ACKed AA
	// again, no second set of results.
	DuplicateOrders int `json:"duplicateOrders"`
	// InvalidMessages counts inbound messages that were not a usable ORM^O01.
	InvalidMessages int `json:"invalidMessages"`
	// AcksSent counts ACKs sent by MSA-1 code.
	AcksSent map[string]int `json:"acksSent"`
	// AcksWithheld counts ORMs answered with no ACK at all.
	AcksWithheld int `json:"acksWithheld"`
	// ConnectionsDropped counts connections closed instead of an ACK.
	ConnectionsDropped int `json:"connectionsDropped"`
	// FaultsTriggered counts ORMs an injected fault affected.
	FaultsTriggered int `json:"faultsTriggered"`
	// ResultsSent counts ORU^R01 messages the engine ACKed with any code
	// (a duplicate send counts twice).
	ResultsSent int `json:"resultsSent"`
	// ResultAttempts counts ORU send attempts, resends included.
	ResultAttempts int `json:"resultAttempts"`
	// Resends counts ORU attempts after the first for the same message.
	Resends int `json:"resends"`
	// ResultsAbandoned counts ORUs given up after Options.MaxAttempts.
	ResultsAbandoned int `json:"resultsAbandoned"`
	// EngineAcks counts the engine's ACKs to ORUs by MSA-1 code.
	EngineAcks map[string]int `json:"engineAcks"`
	// BadEngineAcks counts engine answers that were not an ACK of the ORU
	// sent (unparsable, or MSA-2 naming another message); they are resent.
	BadEngineAcks int `json:"badEngineAcks"`
	// RawSent counts messages sent with SendRaw.
	RawSent int `json:"rawSent"`
}

func newStats() Stats {
	return Stats{OrdersByScenario: map[string]int{}, AcksSent: map[string]int{}, EngineAcks: map[string]int{}}
}

// Stats returns a snapshot of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.counts
	st.OrdersByScenario = maps.Clone(s.counts.OrdersByScenario)
	st.AcksSent = maps.Clone(s.counts.AcksSent)
	st.EngineAcks = maps.Clone(s.counts.EngineAcks)
	return st
}

// count applies f to the counters under the lock.
func (s *Sim) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.counts)
}
