package api

import (
	"errors"
	"net/http"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
)

// AuthTwilioSignature marks routes that verify the X-Twilio-Signature header.
const AuthTwilioSignature = "twilio-signature"

// maxTwilioForm bounds Twilio's form posts; real ones are a few hundred bytes.
const maxTwilioForm = 64 << 10

// twilioWebhook handles POST /webhooks/twilio: delivery-status callbacks and inbound messages,
// authenticated by X-Twilio-Signature (HMAC-SHA1 of the URL Twilio called plus the sorted form).
// Status callbacks are recorded in the audit trail by message SID and status.
func (s *server) twilioWebhook(w http.ResponseWriter, r *http.Request) {
	a := s.newAudit(r, "webhook:twilio", "webhook.twilio")
	a.rec.Vendor = "twilio"
	status, outcome := s.doTwilioWebhook(w, r, a)
	a.finishOutcome(status, outcome)
}

func (s *server) doTwilioWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) (int, string) {
	if s.d.TwilioAuthToken == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "twilio webhooks are not configured"})
		return http.StatusServiceUnavailable, audit.OutcomeError
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTwilioForm)
	if err := r.ParseForm(); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the body is too large"})
			return http.StatusRequestEntityTooLarge, audit.OutcomeRejected
		}
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the body is not a form"})
		return http.StatusBadRequest, audit.OutcomeRejected
	}
	if !twilio.ValidateSignature(s.d.TwilioAuthToken, s.calledURL(r), r.PostForm, r.Header.Get(twilio.SignatureHeader)) {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemBadSignature,
			Detail: "the X-Twilio-Signature header is missing or invalid"})
		return http.StatusBadRequest, audit.OutcomeRejected
	}
	a.rec.Exchange = r.PostForm.Get("MessageSid")
	if st := r.PostForm.Get("MessageStatus"); st != "" {
		a.rec.Action = "webhook.twilio.status"
		a.rec.Code = st
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, audit.OutcomeOK
	}
	// An inbound message no process is waiting for: acknowledge with empty TwiML so Twilio
	// sends no reply and does not retry.
	a.rec.Action = "webhook.twilio.inbound"
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"))
	return http.StatusOK, audit.OutcomeIgnored
}

// calledURL is the URL Twilio signed: the configured public base URL plus the request URI, or the
// request's own scheme and host when the engine is reached directly.
func (s *server) calledURL(r *http.Request) string {
	if s.d.PublicURL != "" {
		return s.d.PublicURL + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}
