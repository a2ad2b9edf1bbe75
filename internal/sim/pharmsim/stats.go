package pharmsim

import (
	"maps"
	"time"
)

// Stats counts what the simulator did; exactly-once assertions read
// Received (distinct MessageIDs processed per message type).
type Stats struct {
	// Posts counts every POST to the network endpoint.
	Posts int `json:"posts"`
	// Received counts distinct messages processed, per message type.
	Received map[string]int `json:"received"`
	// Duplicates counts posts of an already processed MessageID, per type.
	Duplicates map[string]int `json:"duplicates"`
	// Answered counts answers written after processing, per answer type.
	Answered map[string]int `json:"answered"`
	// Invalid counts posts that were not a valid SCRIPT message.
	Invalid int `json:"invalid"`
	// ServerErrors counts 5xx answers (scenario or fault).
	ServerErrors int `json:"serverErrors"`
	// FaultsTriggered counts posts an injected fault affected.
	FaultsTriggered int `json:"faultsTriggered"`
	// WebhooksDelivered counts pharmacy-initiated messages a receiver
	// accepted (2xx), per message type.
	WebhooksDelivered map[string]int `json:"webhooksDelivered"`
	// WebhookAttemptsFailed counts delivery attempts answered non-2xx or lost.
	WebhookAttemptsFailed int `json:"webhookAttemptsFailed"`
	// WebhooksFailed counts messages given up (or with no webhook URL).
	WebhooksFailed int `json:"webhooksFailed"`
}

// newStats returns zero counters with their maps allocated.
func newStats() Stats {
	return Stats{Received: map[string]int{}, Duplicates: map[string]int{}, Answered: map[string]int{}, WebhooksDelivered: map[string]int{}}
}

// Stats returns a snapshot of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.counts
	st.Received = maps.Clone(s.counts.Received)
	st.Duplicates = maps.Clone(s.counts.Duplicates)
	st.Answered = maps.Clone(s.counts.Answered)
	st.WebhooksDelivered = maps.Clone(s.counts.WebhooksDelivered)
	return st
}

// MessageView is a copy of a processed message's metadata for test
// assertions; it holds no patient data.
type MessageView struct {
	MessageID             string    `json:"messageId"`
	Type                  string    `json:"type"`
	PrescriberOrderNumber string    `json:"prescriberOrderNumber,omitempty"`
	Pharmacy              string    `json:"pharmacy"`
	Scenario              string    `json:"scenario"`
	AnswerType            string    `json:"answerType"`
	AnswerCode            string    `json:"answerCode"`
	Posts                 int       `json:"posts"`
	Received              time.Time `json:"received"`
	// FollowUps lists the pharmacy-initiated message types sent after it.
	FollowUps []string `json:"followUps,omitempty"`
}

// Messages returns the processed messages in the order they were processed.
func (s *Sim) Messages() []MessageView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MessageView, 0, len(s.order))
	for _, id := range s.order {
		r := s.records[id]
		v := r.view
		v.Posts = s.attempts[id]
		v.FollowUps = append([]string(nil), r.view.FollowUps...)
		out = append(out, v)
	}
	return out
}
