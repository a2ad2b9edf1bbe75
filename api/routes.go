package api

import "net/http"

// Auth kinds a route can require.
const (
	// AuthNone marks public routes (health, metrics, the OpenAPI document).
	AuthNone = "none"
	// AuthBearer requires Authorization: Bearer with the route's Scope.
	AuthBearer = "bearer"
	// AuthStripeSignature marks routes that verify the Stripe-Signature header instead.
	AuthStripeSignature = "stripe-signature"
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

// routeEntry binds a Route to its handler.
type routeEntry struct {
	Route
	handler http.HandlerFunc
}

// table is the single list of routes: New registers it and Routes exposes it, so the served
// routes and the documented ones cannot drift apart unnoticed.
func (s *server) table() []routeEntry {
	const (
		read  = "payments.read"
		write = "payments.write"
	)
	return []routeEntry{
		{Route{http.MethodGet, "/healthz", AuthNone, ""}, s.healthz},
		{Route{http.MethodGet, "/readyz", AuthNone, ""}, s.readyz},
		{Route{http.MethodGet, "/metrics", AuthNone, ""}, s.metrics},
		{Route{http.MethodGet, "/openapi.json", AuthNone, ""}, s.openapi},

		{Route{http.MethodPost, "/v1/payments", AuthBearer, write}, s.startPayment},
		{Route{http.MethodGet, "/v1/payments/{id}", AuthBearer, read}, s.getPayment},
		{Route{http.MethodPost, "/v1/payments/{id}/capture", AuthBearer, write}, s.capturePayment},
		{Route{http.MethodPost, "/v1/payments/{id}/cancel", AuthBearer, write}, s.cancelPayment},
		{Route{http.MethodPost, "/v1/payments/{id}/refund", AuthBearer, write}, s.refundPayment},

		{Route{http.MethodPost, "/v1/checkins", AuthBearer, "checkins.write"}, s.startCheckIn},
		{Route{http.MethodGet, "/v1/checkins/{id}", AuthBearer, "checkins.read"}, s.getCheckIn},
		{Route{http.MethodPost, "/v1/checkins/{id}/self-pay", AuthBearer, "checkins.write"}, s.selfPayCheckIn},
		{Route{http.MethodPost, "/v1/checkins/{id}/override", AuthBearer, "checkins.write"}, s.overrideCheckIn},

		{Route{http.MethodPost, "/v1/lab-orders", AuthBearer, "lab-orders.write"}, s.startLabOrder},
		{Route{http.MethodGet, "/v1/lab-orders/{id}", AuthBearer, "lab-orders.read"}, s.getLabOrder},
		{Route{http.MethodPost, "/v1/lab-orders/{id}/acknowledge", AuthBearer, "lab-orders.write"}, s.acknowledgeLabOrder},

		{Route{http.MethodPost, "/v1/notifications", AuthBearer, "notifications.write"}, s.startNotification},
		{Route{http.MethodGet, "/v1/notifications/{id}", AuthBearer, "notifications.read"}, s.getNotification},
		{Route{http.MethodGet, "/v1/patients/{id}/notification-preferences", AuthBearer, "patients.read"}, s.getNotificationPreferences},
		{Route{http.MethodPut, "/v1/patients/{id}/notification-preferences", AuthBearer, "patients.write"}, s.putNotificationPreferences},

		{Route{http.MethodPost, "/v1/admin/hl7-batches", AuthBearer, "admin"}, s.postHL7Batch},
		{Route{http.MethodGet, "/v1/admin/messages", AuthBearer, "admin"}, s.listMessages},
		{Route{http.MethodPost, "/v1/admin/messages/{id}/reprocess", AuthBearer, "admin"}, s.reprocessMessage},

		{Route{http.MethodPost, "/webhooks/stripe", AuthStripeSignature, ""}, s.stripeWebhook},
		{Route{http.MethodPost, "/webhooks/twilio", AuthTwilioSignature, ""}, s.twilioWebhook},

		{Route{http.MethodGet, "/codec/encode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodPost, "/codec/encode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodOptions, "/codec/encode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodGet, "/codec/decode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodPost, "/codec/decode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodOptions, "/codec/decode", AuthCodec, codecScope}, s.codec},
		// The Web UI of `run` appends /encode and /decode to a codec endpoint that carries
		// the per-run secret (Deps.CodecAuthorize checks it).
		{Route{http.MethodGet, "/codec/{secret}/encode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodPost, "/codec/{secret}/encode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodOptions, "/codec/{secret}/encode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodGet, "/codec/{secret}/decode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodPost, "/codec/{secret}/decode", AuthCodec, codecScope}, s.codec},
		{Route{http.MethodOptions, "/codec/{secret}/decode", AuthCodec, codecScope}, s.codec},
	}
}

// codecScope is the bearer scope the codec routes require by default.
const codecScope = "codec"

// guard applies the route's authentication before its handler.
func (s *server) guard(rt Route, h http.HandlerFunc) http.Handler {
	switch rt.Auth {
	case AuthBearer:
		return s.requireScope(rt.Scope, h)
	case AuthCodec:
		return s.codecAuth(h)
	default:
		return h
	}
}
