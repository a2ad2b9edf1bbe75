package twiliosim

import (
	"maps"
	"slices"
	"time"
)

// Stats counts what the simulator did.
type Stats struct {
	// Sent counts messages accepted (answered 201 "queued").
	Sent int `json:"sent"`
	// SentByTo counts accepted messages per 'To' number.
	SentByTo map[string]int `json:"sentByTo"`
	// Rejected counts sends refused with a 400 (validation, magic number).
	Rejected int `json:"rejected"`
	// Delivered, Failed and Undelivered count messages that reached
	// those final statuses.
	Delivered   int `json:"delivered"`
	Failed      int `json:"failed"`
	Undelivered int `json:"undelivered"`
	// CallbacksDelivered counts status callbacks a receiver accepted (2xx).
	CallbacksDelivered int `json:"callbacksDelivered"`
	// CallbackAttemptsFailed counts callback attempts answered non-2xx or
	// lost to a network error (each retry counts).
	CallbackAttemptsFailed int `json:"callbackAttemptsFailed"`
	// CallbacksFailed counts status callbacks given up after the last attempt.
	CallbacksFailed int `json:"callbacksFailed"`
	// InboundDelivered and InboundFailed count Reply webhooks by outcome.
	InboundDelivered int `json:"inboundDelivered"`
	InboundFailed    int `json:"inboundFailed"`
	// AuthFailures counts API calls refused with 401.
	AuthFailures int `json:"authFailures"`
	// FaultsTriggered counts requests an injected fault affected.
	FaultsTriggered int `json:"faultsTriggered"`
}

// newStats returns zero counters with their map allocated.
func newStats() Stats { return Stats{SentByTo: map[string]int{}} }

// Stats returns a snapshot of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.counts
	st.SentByTo = maps.Clone(s.counts.SentByTo)
	return st
}

// MessageView is a read-only copy of a message for test assertions.
type MessageView struct {
	SID            string    `json:"sid"`
	Direction      string    `json:"direction"` // "outbound-api" or "inbound"
	From           string    `json:"from"`
	To             string    `json:"to"`
	Body           string    `json:"body"`
	Status         string    `json:"status"`
	ErrorCode      int       `json:"errorCode"`
	StatusCallback string    `json:"statusCallback"`
	Created        time.Time `json:"created"`
	// Callbacks lists, in order, the statuses whose webhook a receiver
	// accepted ("received" for an inbound message).
	Callbacks []string `json:"callbacks"`
}

// Messages returns every message, outbound and inbound, in creation order.
func (s *Sim) Messages() []MessageView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MessageView, 0, len(s.order))
	for _, sid := range s.order {
		out = append(out, s.messages[sid].view())
	}
	return out
}

// Message returns one message by SID.
func (s *Sim) Message(sid string) (MessageView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[sid]
	if !ok {
		return MessageView{}, false
	}
	return m.view(), true
}

// view copies m; the caller holds Sim.mu.
func (m *message) view() MessageView {
	return MessageView{
		SID: m.sid, Direction: m.direction, From: m.from, To: m.to, Body: m.body,
		Status: m.status, ErrorCode: m.errorCode, StatusCallback: m.statusCallback,
		Created: m.created, Callbacks: slices.Clone(m.callbacks),
	}
}
