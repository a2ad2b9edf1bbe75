package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/workflows/laborders"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// maxTwilioForm bounds Twilio's form posts; real ones are a few hundred bytes.
const maxTwilioForm = 64 << 10

// twilioWebhook handles POST /webhooks/twilio: delivery-status callbacks and inbound messages,
// authenticated by X-Twilio-Signature (HMAC-SHA1 of the URL Twilio called plus the sorted form).
// Every delivery is recorded in the audit trail by message SID.
func (s *server) twilioWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	a.webhook("twilio")
	if s.d.TwilioAuthToken == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "twilio webhooks are not configured"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTwilioForm)
	if err := r.ParseForm(); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the body is too large"})
			return
		}
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Detail: "the body is not a form"})
		return
	}
	if !twilio.ValidateSignature(s.d.TwilioAuthToken, s.calledURL(r), r.PostForm, r.Header.Get(twilio.SignatureHeader)) {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemBadSignature,
			Detail: "the X-Twilio-Signature header is missing or invalid"})
		return
	}
	sid := r.PostForm.Get("MessageSid")
	a.rec.Exchange = sid
	if st := r.PostForm.Get("MessageStatus"); st != "" {
		a.rec.Action = "webhook.twilio.status"
		// Twilio retries callbacks it saw fail: one effect per message and status, recorded as
		// seen only once it was delivered, so a failed delivery is taken again on the retry.
		if s.seenTwilio(r.Context(), sid+"/"+st) {
			w.WriteHeader(http.StatusNoContent)
			a.rec.Outcome = audit.OutcomeIgnored
			return
		}
		if err := s.routeStatus(r, a, sid, st); err != nil {
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the status could not be delivered; retry later"})
			return
		}
		s.markTwilio(r.Context(), sid+"/"+st, "status")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	a.rec.Action = "webhook.twilio.inbound"
	outcome := audit.OutcomeIgnored
	// A reply Twilio delivers twice (a retried webhook) signals the lab order once.
	if !s.seenTwilio(r.Context(), sid+"/inbound") {
		var err error
		outcome, err = s.routeInbound(r, a, r.PostForm.Get("From"), r.PostForm.Get("Body"))
		if err != nil {
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the reply could not be delivered; retry later"})
			return
		}
		// Marked only after the signal was accepted, so a failed delivery is retried by Twilio.
		s.markTwilio(r.Context(), sid+"/inbound", firstNonEmptyStr(a.rec.Process, "none"))
	}
	// Empty TwiML: Twilio sends no reply text back.
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"))
	a.rec.Outcome = outcome
}

// seenTwilio reports whether the webhook keyed by key was handled before. Without a record
// store, or without a MessageSid, nothing is deduplicated.
func (s *server) seenTwilio(ctx context.Context, key string) bool {
	if s.d.Records == nil || strings.HasPrefix(key, "/") {
		return false
	}
	_, err := s.d.Records.LookupCrosswalk(ctx, crosswalk.TwilioWebhook, key)
	return err == nil
}

// markTwilio records a handled webhook; a failed write only costs deduplication of a retry.
func (s *server) markTwilio(ctx context.Context, key, value string) {
	if s.d.Records == nil || strings.HasPrefix(key, "/") {
		return
	}
	if err := s.d.Records.PutCrosswalk(ctx, crosswalk.TwilioWebhook, key, value); err != nil {
		s.log.Warn("twilio webhook dedup record failed", "request_id", infoFrom(ctx).id, "error", err)
	}
}

func firstNonEmptyStr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// pageCodePattern finds the six-digit reply code in an SMS body ("123456", "ack 123456").
var pageCodePattern = regexp.MustCompile(`\b[0-9]{6}\b`)

// routePageReply signals the lab order whose page carried the code the sender replied with.
// Replies that match no page are acknowledged and ignored.
func (s *server) routePageReply(r *http.Request, a *auditEntry, from, body string) (string, error) {
	code := pageCodePattern.FindString(body)
	if code == "" || s.d.Records == nil {
		return audit.OutcomeIgnored, nil
	}
	wid, err := s.d.Records.LookupCrosswalk(r.Context(), crosswalk.SMSPageCode, crosswalk.PageCodeKey(from, code))
	if errors.Is(err, audit.ErrNotFound) {
		return audit.OutcomeIgnored, nil
	}
	if err != nil {
		return "", err
	}
	a.rec.Process = wid
	ctx, cancel := context.WithTimeout(r.Context(), signalTimeout)
	defer cancel()
	err = s.d.Temporal.SignalWorkflow(ctx, wid, "", laborders.PageReplySignalName, laborders.PageReply{From: from, Code: code})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return audit.OutcomeIgnored, nil
	}
	if err != nil {
		return "", err
	}
	return audit.OutcomeOK, nil
}

// routePageStatus tells the lab order a page was not delivered (undelivered, failed), so its
// escalation pages the next contact at once. The page's callback URL names the order
// (twilio.CallbackRefParam), so a status that beats the Page activity's SID record is not lost;
// pages sent without it are routed by the SID's crosswalk entry. Other statuses and messages
// that are not pages are only recorded. A failed signal answers 503 so Twilio retries.
func (s *server) routePageStatus(r *http.Request, a *auditEntry, sid, status string) error {
	if (status != "undelivered" && status != "failed") || sid == "" {
		return nil
	}
	return s.signalSender(r, a, laborders.WorkflowID(""), crosswalk.SMSPageSID, sid, laborders.PageStatusSignalName,
		laborders.PageStatus{SID: sid, Status: status})
}

// signalSender signals the workflow that sent message sid with arg: the workflow the status
// callback URL names (twilio.CallbackRefParam, set at sending and covered by the Twilio
// signature checked before) when its ID starts with prefix, otherwise the one the crosswalk
// maps the SID to (kind). A SID the crosswalk does not know, or a workflow already finished,
// is only recorded.
func (s *server) signalSender(r *http.Request, a *auditEntry, prefix, kind, sid, signal string, arg any) error {
	if wid := r.URL.Query().Get(twilio.CallbackRefParam); strings.HasPrefix(wid, prefix) {
		return s.signalProcess(r, a, wid, signal, arg)
	}
	if s.d.Records == nil {
		return nil
	}
	wid, err := s.d.Records.LookupCrosswalk(r.Context(), kind, sid)
	if errors.Is(err, audit.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.signalProcess(r, a, wid, signal, arg)
}

// signalProcess signals workflow wid with arg; a workflow already finished is only recorded.
func (s *server) signalProcess(r *http.Request, a *auditEntry, wid, signal string, arg any) error {
	a.rec.Process = wid
	ctx, cancel := context.WithTimeout(r.Context(), signalTimeout)
	defer cancel()
	err := s.d.Temporal.SignalWorkflow(ctx, wid, "", signal, arg)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
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
