// Package api is the engine's thin HTTP API: it authenticates callers, validates their input and
// turns each request into one Temporal call (start, query, update or signal). Process state lives
// in workflows, never here.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/careflow/engine/internal/audit"
)

// Deps are the API's collaborators, injected so tests can use fakes and the binary real ones.
type Deps struct {
	// Temporal is the client every process call goes through (required).
	Temporal client.Client
	// Namespace is the Temporal namespace, used in Web UI links.
	Namespace string
	// UIURL is the Temporal Web UI base for temporal.uiUrl links; empty leaves the links out.
	UIURL string
	// Tokens are the bearer tokens from ParseTokens; nil accepts no token at all.
	Tokens *Tokens
	// Records receives audit records and resolves Stripe identifiers; nil disables both.
	Records audit.Store
	// Logger receives request logs; nil discards them.
	Logger *slog.Logger
	// Metrics is served at GET /metrics; nil answers 404.
	Metrics http.Handler
	// Middleware wraps the router (e.g. request metrics); it sees r.Pattern after the router ran.
	Middleware func(http.Handler) http.Handler
	// Codec serves /codec/encode and /codec/decode, including CORS preflight; nil answers 404.
	Codec http.Handler
	// CodecAuthorize decides codec access; nil requires a bearer token with scope "codec".
	CodecAuthorize func(*http.Request) bool
	// StripeWebhookSecret verifies Stripe-Signature; empty refuses every Stripe webhook.
	StripeWebhookSecret string
	// PaymentDefaults bound the durations of new payments.
	PaymentDefaults PaymentDefaults
	// TwilioAuthToken verifies X-Twilio-Signature; empty refuses every Twilio webhook.
	TwilioAuthToken string
	// PublicURL is the engine's externally visible base URL, which Twilio signs; empty uses
	// the request's own URL.
	PublicURL string
	// LabDefaults configure new lab orders.
	LabDefaults LabDefaults
	// Prescriptions configure new prescriptions and the pharmacy webhook.
	Prescriptions PrescriptionDeps
	// Claims configure new claims and the clearinghouse webhook.
	Claims ClaimDefaults
	// Appointments configure the appointment sync's webhooks and conflict listing.
	Appointments AppointmentDefaults
	// CheckInDefaults configure new check-ins.
	CheckInDefaults CheckInDefaults
	// HL7Inbound configures sender trust and metrics for inbound HL7 (MLLPInboundHandler and
	// POST /v1/admin/hl7-batches).
	HL7Inbound HL7InboundOptions
	// Deferred runs audit writes that need not hold an answer back (an accepted HL7 message's
	// kept copy); nil writes them before answering. Its owner waits for it before closing Records.
	Deferred *Deferred
	// Ready is an extra readiness check (e.g. a store ping) run after Temporal's health check.
	Ready func(ctx context.Context) error
}

// CheckInDefaults are the engine's configured check-in settings: windows bound what a request
// may ask for; the provider identifies the clinic in eligibility inquiries.
type CheckInDefaults struct {
	PayerWindow      time.Duration
	AttentionTimeout time.Duration
	// WindowBefore and WindowAfter are the check-in window around an appointment's start;
	// requests cannot widen it (the override can).
	WindowBefore time.Duration
	WindowAfter  time.Duration
	ProviderNPI  string
	ProviderName string
}

// PaymentDefaults are the engine's configured payment durations. A start request may ask for
// shorter ones, never longer: the authorization TTL must stay within Stripe's hold period.
type PaymentDefaults struct {
	AuthorizationTTL time.Duration
	RefundWindow     time.Duration
}

// Timeouts for Temporal calls made while a client waits. Updates run Stripe calls, so they get
// the longest budget; a query right after a start may find no worker yet and must not hold the
// 201 back for long.
const (
	queryTimeout      = 10 * time.Second
	startQueryTimeout = 3 * time.Second
	updateTimeout     = 60 * time.Second
	signalTimeout     = 10 * time.Second
	readyTimeout      = 3 * time.Second
	auditTimeout      = 5 * time.Second
	// maxBody caps every request body the API reads.
	maxBody = 1 << 20
)

// server holds the dependencies shared by all handlers.
type server struct {
	d   Deps
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the API's handler: routes from Routes, with request IDs, logging, panic recovery
// and problem+json answers for unknown routes and wrong methods.
func New(d Deps) http.Handler {
	if d.Temporal == nil {
		panic("api: Deps.Temporal is required")
	}
	s := &server{d: d, log: d.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, rt := range s.table() {
		s.mux.Handle(rt.Method+" "+rt.Path, s.guard(rt.Route, rt.handler))
	}
	var h http.Handler = http.HandlerFunc(s.dispatch)
	if d.Middleware != nil {
		h = d.Middleware(h)
	}
	return s.outer(h)
}

// dispatch serves matched routes through the mux and answers everything else with a problem,
// keeping the mux's own status (404 or 405) and Allow header.
func (s *server) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		// Recorded here too because Middleware may copy the request before the mux sets it.
		infoFrom(r.Context()).pattern = pattern
		// The mux sets r.Pattern on this same request, so outer middleware can label by route.
		s.mux.ServeHTTP(w, r)
		return
	}
	cw := &discardWriter{header: http.Header{}}
	s.mux.ServeHTTP(cw, r)
	if allow := cw.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	if cw.status == http.StatusMethodNotAllowed {
		s.problem(w, r, Problem{Status: http.StatusMethodNotAllowed, Detail: "method not allowed for this resource"})
		return
	}
	s.problem(w, r, Problem{Status: http.StatusNotFound, Detail: "no such resource"})
}

// discardWriter records the mux's fallback status and headers and drops its plain-text body.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
