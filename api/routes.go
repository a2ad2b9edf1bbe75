package api

// Adding a process's routes
//
// Every route is one row of a routeEntry list: method, path, auth, scope, the audited action
// and a handler of the one handler shape. A process keeps its list in api/<process>.go
// (paymentRoutes in payments.go is the model) and adds one line to table below.
//
//   - Describe the process once: a process[State] value (paymentProcess) says how an {id}
//     becomes a workflow ID, how the State is queried and which view renders it.
//   - Start, POST /v1/<resource>: a handler (startPayment is the model) that calls
//     s.decodeValid(w, r, &in), applies the configured defaults and calls
//     startWorkflow(s, w, r, a, p, id, in, initial): 201 with Location, 200 with the existing
//     process for a repeated business key. A start of another kind (check-in's
//     Update-with-Start) is written by hand and sets a.rec.Process itself.
//   - Get, GET /v1/<resource>/{id}: getHandler(s, p), nothing else to write.
//   - Update, POST /v1/<resource>/{id}/<action>: updateHandler(s, p, UpdateName, check),
//     where check validates the decoded update's shape (nil when the workflow's validator
//     is enough). Every update takes an Idempotency-Key header, used as the update ID. When
//     the body is not the update itself (a claim correction's body is the claim), use
//     updateFromBody(s, p, UpdateName, build), build turning the body into the update.
//   - Webhook, POST /webhooks/<vendor>: a handler that verifies the vendor's signature
//     itself (its own Auth constant), names the vendor with a.webhook("<vendor>"), fills
//     a.rec.Exchange and a.rec.Process, and sets a.rec.Outcome when the status alone does
//     not say what happened (a delivery acknowledged but ignored).
//   - Add each route to openapi.json; TestOpenAPIDescribesEveryRoute fails otherwise.
//
// The guard authenticates, then opens the route's audit entry (when Action is set), runs the
// handler and appends the entry with the status the handler wrote. Handlers only fill in what
// they learn: a.rec.Process once the workflow ID is known, a.rec.Exchange for an update or a
// vendor's event ID, a.rec.Action when one request stands for a different action.

import (
	"net/http"
	"slices"
	"strconv"
)

// Auth kinds a route can require.
const (
	// AuthNone marks public routes (health, metrics, the OpenAPI document).
	AuthNone = "none"
	// AuthBearer requires Authorization: Bearer with the route's Scope.
	AuthBearer = "bearer"
	// AuthStripeSignature marks routes that verify the Stripe-Signature header instead.
	AuthStripeSignature = "stripe-signature"
	// AuthTwilioSignature marks routes that verify the X-Twilio-Signature header.
	AuthTwilioSignature = "twilio-signature"
	// AuthCodec marks codec routes: Deps.CodecAuthorize, or bearer with scope "codec";
	// CORS preflight passes unauthenticated.
	AuthCodec = "codec"
)

// Route is one endpoint the API serves; the OpenAPI document must describe each of them.
type Route struct {
	// Method is the HTTP method.
	Method string
	// Path is the ServeMux path pattern, e.g. /v1/payments/{id}.
	Path string
	// Auth is one of the Auth constants.
	Auth string
	// Scope is the bearer scope required when Auth is AuthBearer or AuthCodec.
	Scope string
	// Action is the audit action the guard records for every authenticated request, e.g.
	// "payments.capture"; empty for routes that are not audited (reads, health) or that
	// append their own records (admin, HL7 batches).
	Action string
}

// Routes returns the route table New registers, in registration order.
func Routes() []Route {
	table := (&server{}).table()
	out := make([]Route, len(table))
	for i, rt := range table {
		out[i] = rt.Route
	}
	return out
}

// handler is the one shape of every route's handler. a is the route's audit entry, opened by
// the guard; handlers of unaudited routes ignore it.
type handler func(w http.ResponseWriter, r *http.Request, a *auditEntry)

// routeEntry binds a Route to its handler.
type routeEntry struct {
	Route
	handler handler
}

// table is the single list of routes: New registers it and Routes exposes it, so the served
// routes and the documented ones cannot drift apart unnoticed. One line per area.
func (s *server) table() []routeEntry {
	return slices.Concat(
		s.systemRoutes(),
		s.paymentRoutes(),
		s.checkInRoutes(),
		s.labOrderRoutes(),
		s.prescriptionRoutes(),
		s.claimRoutes(),
		s.appointmentRoutes(),
		s.notificationRoutes(),
		s.adminRoutes(),
		s.webhookRoutes(),
		s.codecRoutes(),
	)
}

// webhookRoutes are the vendors' callbacks; each verifies its vendor's signature itself.
func (s *server) webhookRoutes() []routeEntry {
	return []routeEntry{
		{Route{http.MethodPost, "/webhooks/stripe", AuthStripeSignature, "", "webhook.stripe"}, s.stripeWebhook},
		{Route{http.MethodPost, "/webhooks/twilio", AuthTwilioSignature, "", "webhook.twilio"}, s.twilioWebhook},
	}
}

// guard applies the route's authentication, then runs the handler inside the route's audit
// entry: opened once the caller is known, appended with the status the handler wrote.
func (s *server) guard(rt Route, h handler) http.Handler {
	audited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := s.newAudit(r, Actor(r.Context()), rt.Action)
		if rt.Action == "" {
			h(w, r, a)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		tee := keepWebhook(rt, r)
		h(sw, r, a)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		tee.kept(r, a)
		link, _ := r.Context().Value(reprocessOfKey{}).(*reprocessOf)
		if link != nil {
			// The re-driven delivery's record names the one it came from.
			a.rec.Actor += ":" + reprocessPeer + strconv.FormatInt(link.id, 10)
		}
		a.finish(sw.status)
		if link != nil && a.appended != 0 {
			link.records = append(link.records, a.appended)
		}
	})
	switch rt.Auth {
	case AuthBearer:
		return s.requireScope(rt.Scope, audited)
	case AuthCodec:
		return s.codecAuth(audited)
	default:
		return audited
	}
}
