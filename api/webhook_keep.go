package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
)

// webhookActionPrefix marks the audit actions of vendor callbacks; their records keep the
// delivery (encrypted) so an operator can re-drive it.
const webhookActionPrefix = "webhook."

// maxKeptWebhook bounds what one kept delivery may hold; every webhook route refuses larger
// bodies itself, so nothing a route accepts is left unkept.
const maxKeptWebhook = 8 << 20

// keptHeaders are the request headers a webhook route reads besides its signature; they are
// kept with the body so a re-drive reaches the same branch. Signatures and credentials never are.
var keptHeaders = []string{"Content-Type", ClearinghousePayloadTypeHeader}

// keptWebhook is the payload of a webhook's audit record: what arrived, minus its signature.
type keptWebhook struct {
	// Version tells a kept delivery from a bare body kept before deliveries were (always 1).
	Version int `json:"careflowKeptWebhook"`
	// URI is the path and query the vendor called (Twilio signs them).
	URI     string            `json:"uri"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body"`
}

// teeBody records what a handler reads of the request body, up to maxKeptWebhook.
type teeBody struct {
	io.ReadCloser
	buf      bytes.Buffer
	eof, cut bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if t.buf.Len()+n > maxKeptWebhook {
		t.cut = true
	} else {
		t.buf.Write(p[:n])
	}
	if errors.Is(err, io.EOF) {
		t.eof = true
	}
	return n, err
}

// keepWebhook wraps the body of a webhook route so the delivery can be kept once the handler
// answered; it returns nil for other routes.
func keepWebhook(rt Route, r *http.Request) *teeBody {
	if !strings.HasPrefix(rt.Action, webhookActionPrefix) || r.Body == nil {
		return nil
	}
	t := &teeBody{ReadCloser: r.Body}
	r.Body = t
	return t
}

// kept puts the delivery into the record when it is worth keeping: the whole body was read and
// the caller proved to be the vendor. Unsigned or wrongly signed bodies are not kept, since
// anyone could fill the audit trail with them; nor are deliveries refused before they were read
// (no secret configured, too large).
func (t *teeBody) kept(r *http.Request, a *auditEntry) {
	if t == nil || !t.eof || t.cut {
		return
	}
	if infoFrom(r.Context()).problem == ProblemBadSignature {
		return
	}
	k := keptWebhook{Version: 1, URI: r.URL.RequestURI(), Body: t.buf.Bytes()}
	for _, h := range keptHeaders {
		if v := r.Header.Get(h); v != "" {
			if k.Headers == nil {
				k.Headers = map[string]string{}
			}
			k.Headers[h] = v
		}
	}
	b, err := json.Marshal(k)
	if err != nil {
		return
	}
	a.rec.Payload = b
}

// webhookActions lists every audit action a webhook route records, for the message listing.
func (s *server) webhookActions() []string {
	out := []string{"webhook.twilio.status", "webhook.twilio.inbound", ActionTwilioOptOut, ActionTwilioOptIn}
	for _, e := range s.table() {
		if strings.HasPrefix(e.Action, webhookActionPrefix) {
			out = append(out, e.Action)
		}
	}
	return out
}

// webhookRouteFor finds the route a kept delivery came in on, by its path.
func (s *server) webhookRouteFor(uri string) (routeEntry, bool) {
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return routeEntry{}, false
	}
	for _, e := range s.table() {
		if e.Method == http.MethodPost && e.Path == u.Path && strings.HasPrefix(e.Action, webhookActionPrefix) {
			return e, true
		}
	}
	return routeEntry{}, false
}

// reprocessOf links a re-driven delivery to its original record; guard reads it.
type reprocessOf struct {
	id      int64
	records []int64
}

type reprocessOfKey struct{}

// reprocessWebhook re-drives a kept delivery through its route's handler, exactly as the
// vendor's retry would arrive: the engine signs it again with the route's own secret, which it
// may since the delivery was verified when it first came in (unverified ones are never kept).
func (s *server) reprocessWebhook(w http.ResponseWriter, r *http.Request, orig audit.Record, payload []byte) {
	var k keptWebhook
	if err := json.Unmarshal(payload, &k); err != nil || k.Version != 1 {
		s.problem(w, r, Problem{Status: http.StatusConflict, Detail: "this record keeps a body without its delivery " +
			"(kept before deliveries were), so it cannot be re-driven; the body is in the audit trail"})
		return
	}
	e, ok := s.webhookRouteFor(k.URI)
	if !ok {
		s.problem(w, r, Problem{Status: http.StatusConflict, Detail: "no webhook route serves this delivery's path any more"})
		return
	}
	ctx := r.Context()
	link := &reprocessOf{id: orig.ID}
	// Its own request info (same request ID), so the re-drive's problem stays its own.
	rctx := context.WithValue(ctx, ctxKey{}, &reqInfo{id: infoFrom(ctx).id, pattern: e.Path})
	req, err := http.NewRequestWithContext(context.WithValue(rctx, reprocessOfKey{}, link), http.MethodPost, k.URI, bytes.NewReader(k.Body))
	if err != nil {
		s.problem(w, r, Problem{Status: http.StatusConflict, Detail: "the kept delivery's path is not a request path"})
		return
	}
	req.Host, req.RemoteAddr = r.Host, "reprocess"
	for h, v := range k.Headers {
		req.Header.Set(h, v)
	}
	if err := s.signForReprocess(e.Route, req, k.Body); err != nil {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: err.Error()})
		return
	}
	start := time.Now()
	rw := &answerWriter{discardWriter: discardWriter{header: http.Header{}}}
	s.guard(e.Route, e.handler).ServeHTTP(rw, req)
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	res := ReprocessResult{Original: orig.ID, Status: rw.status, Acks: []string{}, Records: append([]int64{}, link.records...)}
	rec := audit.Record{Actor: Actor(ctx), Action: "admin.reprocess", Vendor: orig.Vendor, Exchange: strconv.FormatInt(orig.ID, 10),
		Process: orig.Process, Code: strconv.Itoa(rw.status), Outcome: outcomeFor(rw.status), Latency: time.Since(start)}
	if rw.status >= 400 {
		var p Problem
		if json.Unmarshal(rw.body.Bytes(), &p) == nil {
			res.Reason = p.Detail
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if got, err := s.d.Records.Append(actx, rec); err == nil {
		res.Audit = got.ID
	} else {
		s.log.Error("audit append failed", "action", rec.Action, "error", err.Error())
	}
	writeJSON(w, http.StatusOK, res)
}

// signForReprocess signs req the way the route's vendor does, with the engine's secret for it.
func (s *server) signForReprocess(rt Route, req *http.Request, body []byte) error {
	missing := errors.New("the webhook secret for " + rt.Path + " is not configured; nothing was re-driven")
	now := time.Now()
	switch {
	case rt.Auth == AuthStripeSignature:
		if s.d.StripeWebhookSecret == "" {
			return missing
		}
		req.Header.Set("Stripe-Signature", stripeSignature(s.d.StripeWebhookSecret, now, body))
	case rt.Auth == AuthTwilioSignature:
		if s.d.TwilioAuthToken == "" {
			return missing
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return errors.New("the kept Twilio delivery is not a form")
		}
		req.Header.Set(twilio.SignatureHeader, twilio.Sign(s.d.TwilioAuthToken, s.calledURL(req), form))
	case rt.Auth == AuthPharmacySignature:
		if s.d.Prescriptions.WebhookSecret == "" {
			return missing
		}
		pharmacy.SignRequest(req, []byte(s.d.Prescriptions.WebhookSecret), body, now)
	case rt.Auth == AuthClearinghouseSignature:
		if s.d.Claims.WebhookSecret == "" {
			return missing
		}
		req.Header.Set(ClearinghouseSignatureHeader, SignClearinghouseBody(s.d.Claims.WebhookSecret, body))
	case rt.Path == "/webhooks/pms":
		if s.d.Appointments.PMSWebhookSecret == "" {
			return missing
		}
		req.Header.Set(pms.SignatureHeader, pms.Sign([]byte(s.d.Appointments.PMSWebhookSecret), body))
	case rt.Path == "/webhooks/fhir":
		if s.d.Appointments.FHIRWebhookSecret == "" {
			return missing
		}
		req.Header.Set(FHIRSignatureHeader, SignFHIRNotification([]byte(s.d.Appointments.FHIRWebhookSecret), body))
	default:
		return errors.New("the engine cannot sign deliveries for " + rt.Path)
	}
	return nil
}

// stripeSignature is Stripe's documented scheme: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">.
func stripeSignature(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// answerWriter takes a re-driven delivery's answer: the status and a problem's detail matter,
// the vendor it was meant for is not there.
type answerWriter struct {
	discardWriter
	body bytes.Buffer
}

func (w *answerWriter) Write(b []byte) (int, error) {
	if w.body.Len() < 64<<10 {
		w.body.Write(b)
	}
	return w.discardWriter.Write(b)
}
