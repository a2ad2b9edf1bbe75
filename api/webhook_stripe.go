package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/stripe/stripe-go/v85/webhook"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/payments"
)

// Crosswalk kinds under which the Stripe activities record their objects' identifiers.
const (
	CrosswalkStripePaymentIntent = crosswalk.StripePaymentIntent
	CrosswalkStripeCharge        = crosswalk.StripeCharge
)

// stripeWebhook handles POST /webhooks/stripe. It verifies the signature, reduces the event to a
// payments.StripeEventSignal and signals the payment's workflow. It answers 2xx only once
// Temporal accepted the signal (or the event concerns no payment of ours), so Stripe retries
// every delivery the engine could not durably record. Deduplication is the workflow's job.
func (s *server) stripeWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	a.webhook("stripe")
	if s.d.StripeWebhookSecret == "" {
		// Without a secret any body would "verify"; refuse rather than trust unsigned input.
		s.log.Error("stripe webhook received but no webhook secret is configured", "request_id", infoFrom(r.Context()).id)
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "stripe webhooks are not configured"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the body exceeds 1 MiB"})
			return
		}
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the body could not be read"})
		return
	}
	// The default tolerance (300 s) rejects replays of old deliveries; API version mismatches are
	// tolerated because only a few stable fields are read below.
	ev, err := webhook.ConstructEventWithOptions(body, r.Header.Get("Stripe-Signature"), s.d.StripeWebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemBadSignature,
			Detail: "the Stripe-Signature header is missing, invalid or too old"})
		return
	}
	a.rec.Exchange = ev.ID
	if !handledStripeEvents[string(ev.Type)] || ev.Data == nil {
		writeJSON(w, http.StatusOK, webhookAck{Status: "ignored"})
		a.rec.Outcome = audit.OutcomeIgnored
		return
	}
	var obj stripeObject
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the event's object is not understood"})
		return
	}
	sig := mapStripeEvent(ev.ID, string(ev.Type), ev.Created, obj)
	pid, err := s.findPayment(r.Context(), obj, sig)
	if errors.Is(err, audit.ErrNotFound) {
		writeJSON(w, http.StatusOK, webhookAck{Status: "ignored"})
		a.rec.Outcome = audit.OutcomeIgnored
		return
	}
	if err != nil {
		s.log.Warn("stripe webhook: crosswalk lookup failed", "request_id", infoFrom(r.Context()).id, "error", err.Error())
		w.Header().Set("Retry-After", "5")
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the event could not be routed; retry later"})
		return
	}
	wid := payments.WorkflowID(pid)
	a.rec.Process = wid
	ctx, cancel := context.WithTimeout(r.Context(), signalTimeout)
	defer cancel()
	err = s.d.Temporal.SignalWorkflow(ctx, wid, "", payments.StripeEventSignalName, sig)
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		// The payment is gone (or never existed here): acknowledge so Stripe stops retrying.
		writeJSON(w, http.StatusOK, webhookAck{Status: "ignored"})
		a.rec.Outcome = audit.OutcomeIgnored
		return
	case err != nil:
		s.log.Warn("stripe webhook: signal failed", "request_id", infoFrom(r.Context()).id, "error", logText(err))
		w.Header().Set("Retry-After", "5")
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the event could not be recorded; retry later"})
		return
	}
	writeJSON(w, http.StatusOK, webhookAck{Status: "accepted"})
	return
}

// webhookAck is the body of a 200 webhook answer.
type webhookAck struct {
	Status string `json:"status"`
}

// handledStripeEvents are the event types the payment workflow acts on; others are acknowledged
// and dropped.
var handledStripeEvents = map[string]bool{
	payments.EventPaymentIntentSucceeded: true,
	payments.EventPaymentIntentFailed:    true,
	payments.EventChargeRefunded:         true,
	payments.EventDisputeCreated:         true,
}
