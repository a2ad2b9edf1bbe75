package pmssim

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/simkit"
)

// deliverLoop posts queued webhooks one at a time, so they arrive in change order.
func (s *Sim) deliverLoop() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		var ev pms.WebhookEvent
		have := len(s.queue) > 0
		if have {
			ev = s.queue[0]
			s.queue = s.queue[1:]
		}
		target := s.webhookURL
		s.mu.Unlock()
		if !have {
			select {
			case <-s.ctx.Done():
				return
			case <-s.wake:
				continue
			}
		}
		if target == "" {
			continue
		}
		times := 1
		if f, ok := s.takeFault(OpWebhook); ok {
			switch f.Kind {
			case FaultDrop:
				s.mu.Lock()
				s.counts.WebhooksDropped++
				s.mu.Unlock()
				continue
			case FaultDuplicate:
				times = 2
			}
		}
		for range times {
			s.deliver(target, ev)
		}
		if s.ctx.Err() != nil {
			return
		}
	}
}

// deliver posts one event with retries.
func (s *Sim) deliver(target string, ev pms.WebhookEvent) {
	body, err := json.Marshal(ev)
	if err != nil {
		return
	}
	for attempt := 1; ; attempt++ {
		err := s.post(target, body)
		s.mu.Lock()
		switch {
		case err == nil:
			s.counts.WebhooksDelivered++
			if len(s.sent) < maxHistory {
				s.sent = append(s.sent, ev)
			}
		case s.ctx.Err() != nil:
		default:
			s.counts.WebhookAttemptsFailed++
			if attempt >= maxAttempts {
				s.counts.WebhooksFailed++
			}
		}
		s.mu.Unlock()
		if err == nil || attempt >= maxAttempts || !simkit.Sleep(s.ctx, s.ctx, retryBackoff<<(attempt-1)) {
			return
		}
	}
}

// post sends one signed webhook; non-2xx is an error.
func (s *Sim) post(target string, body []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(pms.SignatureHeader, pms.Sign(s.secret, body))
	return simkit.Deliver(s.client, req, "pmssim: ")
}
