// Package twilio sends SMS through Twilio's Programmable Messaging REST API
// and verifies the X-Twilio-Signature on Twilio's webhooks.
//
// Requests are built by the official SDK (github.com/twilio/twilio-go); this
// package only points them at Config.BaseURL (the real API or the simulator
// in internal/sim/twiliosim), carries the caller's context and classifies
// failures into *Error. It never retries: the caller (a Temporal activity)
// owns the retry policy, and Error.Retryable says whether one may help.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// DefaultBaseURL is Twilio's REST API, used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.twilio.com"

// MaxBodyChars is the longest body Twilio accepts (characters, not bytes).
const MaxBodyChars = 1600

// defaultTimeout bounds one API call when Config.HTTPClient is nil.
const defaultTimeout = 10 * time.Second

// e164 is "+", a non-zero country-code digit and at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// alphanumeric matches what the SDK accepts as basic-auth credentials.
var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root ("https://api.twilio.com" or a simulator's
	// URL, optionally with a path prefix); "" means DefaultBaseURL.
	BaseURL string
	// AccountSID and AuthToken authenticate requests (HTTP basic auth).
	AccountSID string
	AuthToken  string
	// From is the sending number (E.164) or alphanumeric sender ID.
	From string
	// StatusCallback is the URL Twilio posts delivery-status updates to;
	// "" asks for none.
	StatusCallback string
	// HTTPClient sends requests; nil uses a client with a 10s timeout
	// that does not follow redirects.
	HTTPClient *http.Client
}

// Message is what Twilio reports about one message; it holds no body text.
type Message struct {
	SID       string
	Status    string
	To        string
	ErrorCode int
}

// Client sends SMS through one Twilio account; it is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// New checks cfg and returns a Client; it makes no network calls.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, errors.New("twilio: BaseURL must be an absolute http(s) URL")
	}
	// The SDK rejects other characters only when a request is made; saying
	// so at start-up is kinder to whoever set the environment variables.
	if !alphanumeric.MatchString(cfg.AccountSID) || !alphanumeric.MatchString(cfg.AuthToken) {
		return nil, errors.New("twilio: AccountSID and AuthToken must be non-empty and alphanumeric")
	}
	if cfg.From == "" {
		return nil, errors.New("twilio: From is required")
	}
	if cfg.StatusCallback != "" {
		if u, err := url.Parse(cfg.StatusCallback); err != nil || !u.IsAbs() {
			return nil, errors.New("twilio: StatusCallback must be an absolute URL")
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{
			Timeout: defaultTimeout,
			// Twilio answers API calls directly; a redirect is an error
			// to report, not a place to resend credentials to.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Client{cfg: cfg, base: base, http: hc}, nil
}

// IsE164 reports whether s is a phone number in E.164 form ("+15551234567").
func IsE164(s string) bool { return e164.MatchString(s) }

// SendSMS asks Twilio to send body to the E.164 number to. A nil error
// means Twilio accepted the message (usually status "queued"); delivery is
// reported later to Config.StatusCallback. Failures are *Error.
func (c *Client) SendSMS(ctx context.Context, to, body string) (*Message, error) {
	return c.send(ctx, to, body, c.cfg.StatusCallback)
}

// CallbackRefParam is the query parameter SendSMSTracked adds to the status callback URL.
const CallbackRefParam = "ref"

// SendSMSTracked is SendSMS with ref, the sender's own correlation key, added to the
// message's status callback URL as CallbackRefParam. Twilio signs the URL with its query, so
// a verified callback carries the key it was sent with and can be routed before the sender
// has recorded the message SID. Without Config.StatusCallback it is SendSMS.
func (c *Client) SendSMSTracked(ctx context.Context, to, body, ref string) (*Message, error) {
	cb := c.cfg.StatusCallback
	if cb != "" && ref != "" {
		u, err := url.Parse(cb)
		if err != nil {
			return nil, errors.New("twilio: StatusCallback must be an absolute URL")
		}
		q := u.Query()
		q.Set(CallbackRefParam, ref)
		u.RawQuery = q.Encode()
		cb = u.String()
	}
	return c.send(ctx, to, body, cb)
}

func (c *Client) send(ctx context.Context, to, body, callback string) (*Message, error) {
	if !IsE164(to) {
		return nil, &Error{Code: CodeInvalidTo}
	}
	if body == "" {
		return nil, &Error{Code: CodeBodyRequired}
	}
	if utf8.RuneCountInString(body) > MaxBodyChars {
		return nil, &Error{Code: CodeBodyTooLong}
	}
	params := (&twapi.CreateMessageParams{}).
		SetPathAccountSid(c.cfg.AccountSID).
		SetTo(to).
		SetFrom(c.cfg.From).
		SetBody(body)
	if callback != "" {
		params.SetStatusCallback(callback)
	}
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	api, ex := c.api(ctx)
	m, err := api.CreateMessage(params)
	if err != nil {
		return nil, classify(err, ex)
	}
	return toMessage(m), nil
}

// GetMessage fetches the current state of a message by its SID ("SM...").
func (c *Client) GetMessage(ctx context.Context, sid string) (*Message, error) {
	// The SID becomes a path segment, so only Twilio's alphabet may pass.
	if !alphanumeric.MatchString(sid) {
		return nil, &Error{Code: CodeNotFound, HTTPStatus: http.StatusNotFound}
	}
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	api, ex := c.api(ctx)
	m, err := api.FetchMessage(sid, (&twapi.FetchMessageParams{}).SetPathAccountSid(c.cfg.AccountSID))
	if err != nil {
		return nil, classify(err, ex)
	}
	return toMessage(m), nil
}

// callContext applies the HTTP client's Timeout to the whole call. The
// per-call client below runs without one: http.Client would put its
// deadline on the request context, which callTransport replaces.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.http.Timeout > 0 {
		return context.WithTimeout(ctx, c.http.Timeout)
	}
	return context.WithCancel(ctx)
}

// toMessage copies the fields callers need out of the SDK's model.
func toMessage(m *twapi.ApiV2010Message) *Message {
	out := &Message{}
	if m.Sid != nil {
		out.SID = *m.Sid
	}
	if m.Status != nil {
		out.Status = *m.Status
	}
	if m.To != nil {
		out.To = *m.To
	}
	if m.ErrorCode != nil {
		out.ErrorCode = *m.ErrorCode
	}
	return out
}

// api builds the SDK's service for one call. The SDK sends every request
// with context.Background, so the caller's ctx reaches the wire only
// through an HTTP client made for this call; the SDK objects are plain
// structs, so building them per call costs little.
func (c *Client) api(ctx context.Context) (*twapi.ApiService, *exchange) {
	ex := &exchange{}
	hc := *c.http
	hc.Timeout = 0 // already on ctx, see callContext
	hc.Transport = &callTransport{ctx: ctx, next: c.http.Transport, ex: ex}
	sdk := &twclient.Client{
		Credentials: twclient.NewCredentials(c.cfg.AccountSID, c.cfg.AuthToken),
		HTTPClient:  &hc,
	}
	sdk.SetAccountSid(c.cfg.AccountSID)
	// A RequestHandler built by hand, not NewRequestHandler, so that the
	// TWILIO_EDGE / TWILIO_REGION variables cannot rewrite the host.
	rh := &twclient.RequestHandler{Client: &rebasedClient{Client: sdk, base: c.base}}
	return twapi.NewApiService(rh), ex
}

// String describes the client without its credentials.
func (c *Client) String() string {
	return fmt.Sprintf("twilio.Client{base: %s, account: %s}", c.base.Redacted(), c.cfg.AccountSID)
}
