package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/careflow/engine/internal/audit"
)

// Twilio's standard opt-out and opt-in keywords. A message that is exactly one of them (case
// and surrounding punctuation ignored) changes the sender's opt-out state: Twilio stops
// delivering to a number that sent STOP, and the engine must stop trying as well.
var (
	optOutKeywords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
	optInKeywords  = []string{"START", "UNSTOP", "YES"}
)

// Audit actions of inbound keyword messages (the record's code is the HTTP status).
const (
	ActionTwilioOptOut = "webhook.twilio.opt-out"
	ActionTwilioOptIn  = "webhook.twilio.opt-in"
)

// smsKeyword reports whether body is an opt-out or an opt-in keyword.
func smsKeyword(body string) (optOut, optIn bool) {
	k := strings.ToUpper(strings.Trim(strings.TrimSpace(body), " .!?\"'"))
	for _, w := range optOutKeywords {
		if k == w {
			return true, false
		}
	}
	for _, w := range optInKeywords {
		if k == w {
			return false, true
		}
	}
	return false, false
}

// routeInbound handles an inbound SMS: opt-out and opt-in keywords change the sender's opt-out
// state; anything else may be a reply to a page. A keyword is never taken as a page reply.
func (s *server) routeInbound(r *http.Request, a *auditEntry, from, body string) (string, error) {
	out, in := smsKeyword(body)
	if !out && !in {
		return s.routePageReply(r, a, from, body)
	}
	store := s.preferenceStore()
	if store == nil || from == "" {
		return audit.OutcomeIgnored, nil
	}
	a.rec.Action = ActionTwilioOptIn
	if out {
		a.rec.Action = ActionTwilioOptOut
	}
	ctx, cancel := context.WithTimeout(r.Context(), auditTimeout)
	defer cancel()
	// A failure answers 503 so Twilio retries: a lost STOP would let texts go on.
	if err := store.SetOptOut(ctx, audit.ChannelSMS, from, out); err != nil {
		return "", err
	}
	return audit.OutcomeOK, nil
}
