package pharmsim

import (
	"bytes"
	"net/http"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/simkit"
)

// schedule starts delivering follow-ups; the caller holds mu.
func (s *Sim) schedule(follow []followUp) {
	if s.closed {
		return
	}
	for _, fu := range follow {
		s.wg.Add(1)
		go s.deliver(fu.msg)
	}
}

// deliver posts one pharmacy-initiated message after EventDelay, retrying
// non-2xx answers with doubling backoff up to maxAttempts.
func (s *Sim) deliver(m *ncpdp.Message) {
	defer s.wg.Done()
	if !s.pause(s.eventDelay) {
		return
	}
	typ := string(m.Type())
	body, err := ncpdp.Encode(m)
	if err != nil {
		s.failWebhook()
		return
	}
	backoff := s.backoff
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		s.mu.Lock()
		target := s.webhookURL
		s.mu.Unlock()
		if target == "" {
			s.failWebhook()
			return
		}
		if s.post(target, body) {
			s.mu.Lock()
			s.counts.WebhooksDelivered[typ]++
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		s.counts.WebhookAttemptsFailed++
		s.mu.Unlock()
		if attempt == s.maxAttempts || !s.pause(backoff) {
			break
		}
		backoff *= 2
	}
	s.failWebhook()
}

// post sends one signed delivery attempt and reports a 2xx answer.
func (s *Sim) post(target string, body []byte) bool {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", pharmacy.ContentType)
	// Signed per attempt: a retry gets a fresh timestamp, the same body.
	pharmacy.SignRequest(req, s.secret, body, s.now())
	return simkit.Deliver(s.client, req, "") == nil
}

// failWebhook counts a message given up.
func (s *Sim) failWebhook() {
	s.mu.Lock()
	s.counts.WebhooksFailed++
	s.mu.Unlock()
}
