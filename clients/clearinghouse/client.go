package clearinghouse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// defaultTimeout bounds one exchange when Config.HTTPClient is nil. CORE
// asks responders to answer real-time requests within 20 seconds; the
// margin covers transport.
const defaultTimeout = 30 * time.Second

// maxResponseBytes bounds a response body; a 271 for one subscriber is a
// few kilobytes, so anything near this is not an answer to our request.
const maxResponseBytes = 8 << 20

// payloadTypeRE matches CORE payload type names (X12_270_Request_005010X279A1).
var payloadTypeRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,100}$`)

// Config configures a Client.
type Config struct {
	// BaseURL is the CORE real-time endpoint the envelope is POSTed to
	// (CLEARINGHOUSE_BASE_URL, or a simulator's URL + "/core/realtime").
	BaseURL string
	// Username and Password go into the WS-Security UsernameToken.
	Username, Password string
	// SenderID and ReceiverID identify the trading partners in the envelope.
	SenderID, ReceiverID string
	// HTTPClient sends requests; nil uses a client with a 30s timeout.
	HTTPClient *http.Client
	// Now stamps TimeStamp; nil means time.Now.
	Now func() time.Time
}

// RealTimeRequest is one X12 transaction to send.
type RealTimeRequest struct {
	// PayloadType names the X12 transaction, e.g. PayloadType270.
	PayloadType string
	// PayloadID is the caller's deterministic idempotency key (see
	// ValidatePayloadID and DerivePayloadID); a retry must reuse it.
	PayloadID string
	// Payload is the X12 interchange.
	Payload []byte
}

// RealTimeResponse is the responder's envelope of a successful exchange.
type RealTimeResponse struct {
	PayloadType, PayloadID, ProcessingMode string
	SenderID, ReceiverID                   string
	// ErrorCode is "Success" (or empty, from lax responders).
	ErrorCode, ErrorMessage string
	// Payload is the X12 answer (a 271, or a 999 when the 270 was rejected).
	Payload []byte
	// TimeStamp is the responder's time, zero when it was unreadable.
	TimeStamp time.Time
}

// Client sends CORE real-time envelopes; it is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	now  func() time.Time
}

// New returns a Client for cfg; it makes no network calls. Configuration
// errors surface as CodeInvalidRequest errors from RealTime.
func New(cfg Config) *Client {
	c := &Client{cfg: cfg, http: cfg.HTTPClient, now: cfg.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: defaultTimeout}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// RealTime sends req and returns the responder's answer. Every error is a
// *Error; see the package documentation for which ones are retryable.
func (c *Client) RealTime(ctx context.Context, req RealTimeRequest) (*RealTimeResponse, error) {
	if err := c.validate(req); err != nil {
		return nil, err
	}
	return c.exchange(ctx, req, envelopeFields{}, ContentType, true)
}

// exchange sends one CORE envelope (f's element and mode; real-time when
// empty) with req's fields and reads the answer; payloadRequired makes a
// successful answer without a payload malformed.
func (c *Client) exchange(ctx context.Context, req RealTimeRequest, f envelopeFields, contentType string,
	payloadRequired bool) (*RealTimeResponse, error) {
	f.username, f.password = c.cfg.Username, c.cfg.Password
	f.payloadType, f.payloadID = req.PayloadType, req.PayloadID
	f.timeStamp = c.now().UTC().Format(time.RFC3339)
	f.sender, f.receiver = c.cfg.SenderID, c.cfg.ReceiverID
	f.payload = req.Payload
	body := buildEnvelope(f)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL, bytes.NewReader(body))
	if err != nil {
		return nil, invalid("BaseURL is not a valid URL")
	}
	hreq.Header.Set("Content-Type", contentType)
	hreq.Header.Set("Accept", "application/soap+xml")
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		// A body cut off mid-way is a transport failure, not a bad answer.
		e := transportError(ctx, err)
		e.HTTPStatus = resp.StatusCode
		return nil, e
	}
	if len(raw) > maxResponseBytes {
		return nil, &Error{Code: CodeMalformedResponse, HTTPStatus: resp.StatusCode,
			detail: "response body exceeds the size limit"}
	}
	return interpret(req, resp.StatusCode, resp.Header, raw, payloadRequired)
}

// validate checks the configuration and request before anything is sent.
func (c *Client) validate(req RealTimeRequest) *Error {
	if err := c.validateConfig(req); err != nil {
		return err
	}
	if len(req.Payload) == 0 {
		return invalid("Payload is empty")
	}
	return nil
}

// validateConfig checks the configuration and the request's envelope
// fields; a payload, when present, must be XML-safe.
func (c *Client) validateConfig(req RealTimeRequest) *Error {
	u, err := url.Parse(c.cfg.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return invalid("BaseURL must be an absolute http(s) URL")
	case c.cfg.Username == "" || c.cfg.Password == "":
		return invalid("Username and Password are required")
	case c.cfg.SenderID == "" || c.cfg.ReceiverID == "":
		return invalid("SenderID and ReceiverID are required")
	case !payloadTypeRE.MatchString(req.PayloadType):
		return invalid("PayloadType must be a CORE payload type name")
	case !xmlSafe(req.Payload):
		return invalid("Payload has bytes XML cannot carry (invalid UTF-8 or control characters)")
	}
	if err := ValidatePayloadID(req.PayloadID); err != nil {
		return invalid(err.Error())
	}
	return nil
}

// interpret classifies an HTTP answer and, on success, returns its envelope.
func interpret(req RealTimeRequest, status int, h http.Header, raw []byte, payloadRequired bool) (*RealTimeResponse, error) {
	env, perr := parseEnvelope(raw)
	switch {
	case perr != nil:
		if status >= 200 && status < 300 {
			return nil, &Error{Code: CodeMalformedResponse, HTTPStatus: status,
				detail: "response is not a SOAP envelope with a CORE response", err: perr}
		}
		return nil, statusError(status, h)
	case env.Body.Fault != nil:
		return nil, faultError(env.Body.Fault, status, h)
	}
	r := env.Body.Response
	code := strings.TrimSpace(r.ErrorCode)
	if code != "" && !strings.EqualFold(code, CodeSuccess) {
		return nil, codeError(code, status, r.ErrorMessage, h)
	}
	if status < 200 || status > 299 {
		// A "Success" envelope under an error status is contradictory;
		// the status is what the transport vouches for.
		return nil, statusError(status, h)
	}
	if id := strings.TrimSpace(r.PayloadID); id != "" && id != req.PayloadID {
		return nil, &Error{Code: CodePayloadIDMismatch, HTTPStatus: status,
			detail: "response PayloadID differs from the request's"}
	}
	payload := strings.TrimSpace(r.Payload)
	if payload == "" && payloadRequired {
		return nil, &Error{Code: CodeMalformedResponse, HTTPStatus: status,
			detail: "successful response without a payload"}
	}
	return &RealTimeResponse{
		PayloadType:    strings.TrimSpace(r.PayloadType),
		PayloadID:      strings.TrimSpace(r.PayloadID),
		ProcessingMode: strings.TrimSpace(r.ProcessingMode),
		SenderID:       strings.TrimSpace(r.SenderID),
		ReceiverID:     strings.TrimSpace(r.ReceiverID),
		ErrorCode:      code,
		ErrorMessage:   strings.TrimSpace(r.ErrorMessage),
		Payload:        []byte(payload),
		TimeStamp:      parseTimeStamp(r.TimeStamp),
	}, nil
}

// faultError classifies a SOAP fault by its most specific known code.
func faultError(f *faultXML, status int, h http.Header) *Error {
	code, top := f.code(), f.topCode()
	if _, known := classifyCode(code); !known {
		// An unknown subcode says nothing; Sender/Receiver still does.
		if _, topKnown := classifyCode(top); topKnown {
			e := codeError(top, status, f.reason(), h)
			e.Code = safeCode(code)
			return e
		}
	}
	return codeError(code, status, f.reason(), h)
}

// transportError classifies a failure to get a complete HTTP answer.
func transportError(ctx context.Context, err error) *Error {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		// Nothing was wrong with the request; a later attempt may run.
		return &Error{Code: CodeCanceled, Retryable: true, detail: "request canceled", err: err}
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return &Error{Code: CodeTimeout, Retryable: true, detail: "no answer before the deadline", err: err}
	}
	// url.Error text names only the method, the endpoint and the network
	// failure, none of which carries request content.
	return &Error{Code: CodeTransport, Retryable: true, detail: err.Error(), err: err}
}

// invalid builds a permanent error for a request that was never sent.
func invalid(detail string) *Error {
	return &Error{Code: CodeInvalidRequest, detail: detail}
}
