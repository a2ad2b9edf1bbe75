package twiliosim

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/sim/simkit"
)

// Reply errors.
var (
	// ErrNoInboundURL means Reply has nowhere to post.
	ErrNoInboundURL = errors.New("twiliosim: no inbound URL configured")
	// ErrClosed means the simulator has been closed.
	ErrClosed = errors.New("twiliosim: simulator closed")
)

// IdempotencyHeader carries a token unique to each webhook event (the same
// across retries of one callback), as Twilio sends it.
const IdempotencyHeader = "I-Twilio-Idempotency-Token"

// progress moves one message through steps, one StatusDelay apart, and
// posts a status callback after each change. Running the whole
// progression in one goroutine keeps a message's callbacks in order.
func (s *Sim) progress(sid string, steps []step) {
	defer s.wg.Done()
	for _, st := range steps {
		if !s.sleep(s.ctx, s.statusDelay) {
			return
		}
		target, form := s.advance(sid, st)
		if target != "" {
			s.deliverCallback(sid, st.status, target, form)
		}
	}
}

// advance applies one status change and returns the callback URL ("" for
// none) and the form Twilio posts for it. Status callbacks carry no Body.
func (s *Sim) advance(sid string, st step) (string, url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[sid]
	now := s.now()
	m.status, m.errorCode, m.updated = st.status, st.code, now
	switch st.status {
	case StatusSent:
		m.sent = now
	case StatusDelivered:
		s.counts.Delivered++
	case StatusFailed:
		s.counts.Failed++
	case StatusUndelivered:
		s.counts.Undelivered++
	}
	form := url.Values{
		"MessageSid":    {m.sid},
		"SmsSid":        {m.sid},
		"AccountSid":    {m.accountSID},
		"From":          {m.from},
		"To":            {m.to},
		"MessageStatus": {st.status},
		"SmsStatus":     {st.status},
		"ApiVersion":    {apiVersion},
	}
	if st.code != 0 {
		form.Set("ErrorCode", strconv.Itoa(st.code))
	}
	return m.statusCallback, form
}

// deliverCallback posts one status callback, retrying failed attempts
// with doubling backoff up to maxAttempts.
func (s *Sim) deliverCallback(sid, status, target string, form url.Values) {
	token := sid + "-" + status
	for attempt := 1; ; attempt++ {
		err := s.post(s.ctx, target, form, token)
		s.mu.Lock()
		switch {
		case err == nil:
			s.counts.CallbacksDelivered++
			m := s.messages[sid]
			m.callbacks = append(m.callbacks, status)
		case s.ctx.Err() != nil:
			// Closing interrupted the attempt; it is not the receiver's failure.
		default:
			s.counts.CallbackAttemptsFailed++
			if attempt >= s.maxAttempts {
				s.counts.CallbacksFailed++
			}
		}
		s.mu.Unlock()
		if err == nil || attempt >= s.maxAttempts {
			return
		}
		if !s.sleep(s.ctx, s.backoff<<(attempt-1)) {
			return
		}
	}
}

// Reply simulates an inbound SMS from the phone number from to the Twilio
// number to: it posts Twilio's inbound-message webhook, signed, to the
// inbound URL once (Twilio does not retry these) and records the message.
// It fails with ErrNoInboundURL, ErrClosed, a network error or an error
// naming the receiver's non-2xx status.
func (s *Sim) Reply(from, to, body string) error {
	_, err := s.reply(from, to, body)
	return err
}

// reply is Reply that also returns the new message's SID.
func (s *Sim) reply(from, to, body string) (string, error) {
	if !twilio.IsE164(from) {
		return "", errors.New("twiliosim: reply 'from' must be an E.164 number")
	}
	if to == "" {
		return "", errors.New("twiliosim: reply 'to' is required")
	}
	now := s.now()
	m := &message{
		sid: newSID("SM"), accountSID: s.accountSID, direction: "inbound",
		from: from, to: to, body: body, status: StatusReceived, created: now, updated: now,
	}
	s.mu.Lock()
	target, closed := s.inboundURL, s.closed
	if target != "" && !closed {
		s.store(m)
	}
	s.mu.Unlock()
	switch {
	case closed:
		return "", ErrClosed
	case target == "":
		return "", ErrNoInboundURL
	}
	form := url.Values{
		"MessageSid":    {m.sid},
		"SmsSid":        {m.sid},
		"SmsMessageSid": {m.sid},
		"AccountSid":    {m.accountSID},
		"From":          {from},
		"To":            {to},
		"Body":          {body},
		"NumMedia":      {"0"},
		"NumSegments":   {strconv.Itoa(segments(body))},
		"SmsStatus":     {StatusReceived},
		"ApiVersion":    {apiVersion},
	}
	err := s.post(s.ctx, target, form, m.sid)
	s.mu.Lock()
	if err == nil {
		s.counts.InboundDelivered++
		m.callbacks = append(m.callbacks, StatusReceived)
	} else {
		s.counts.InboundFailed++
	}
	s.mu.Unlock()
	return m.sid, err
}

// post sends a signed form POST as Twilio's webhooks do; any non-2xx
// answer is an error.
func (s *Sim) post(ctx context.Context, target string, form url.Values, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set(IdempotencyHeader, token)
	// Twilio signs the URL as configured, which is the URL posted to.
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(s.authToken, target, form))
	return simkit.Deliver(s.client, req, "twiliosim: ")
}
