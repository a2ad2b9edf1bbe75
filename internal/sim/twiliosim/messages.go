package twiliosim

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/careflow/engine/clients/twilio"
)

// Magic "To" numbers choose an outcome, as in Twilio's test credentials.
// The first five are refused synchronously with HTTP 400; the last two are
// accepted ("queued") and fail later, reported by status callback.
const (
	NumberInvalid          = "+15005550001" // 400, error 21211 invalid 'To'
	NumberCannotRoute      = "+15005550002" // 400, error 21612 cannot route
	NumberRegionNotEnabled = "+15005550003" // 400, error 21408 region not enabled
	NumberUnsubscribed     = "+15005550004" // 400, error 21610 unsubscribed (STOP)
	NumberNotMobile        = "+15005550005" // 400, error 21614 not a mobile number
	NumberFailed           = "+15005550009" // queued, then "failed" with 30008
	NumberUndelivered      = "+15005550010" // queued, "sent", then "undelivered" with 30003
)

// Message statuses the simulator uses.
const (
	StatusQueued      = "queued"
	StatusSent        = "sent"
	StatusDelivered   = "delivered"
	StatusFailed      = "failed"
	StatusUndelivered = "undelivered"
	StatusReceived    = "received"
)

// Delivery error codes reported on failed and undelivered messages.
const (
	ErrorUnreachable  = 30003 // unreachable destination handset
	ErrorUnknownError = 30008 // unknown error
)

// deliveryErrorText is Twilio's error_message for delivery error codes.
var deliveryErrorText = map[int]string{
	ErrorUnreachable:  "Unreachable destination handset",
	ErrorUnknownError: "Unknown error",
}

// rejection is a synchronous refusal chosen by a magic number.
type rejection struct {
	code   int
	format string // one %s: the 'To' number, quoted as Twilio does
}

var rejections = map[string]rejection{
	NumberInvalid:          {twilio.CodeInvalidTo, "The 'To' number %s is not a valid phone number."},
	NumberCannotRoute:      {twilio.CodeCannotRoute, "The 'To' phone number: %s, is not currently reachable via SMS."},
	NumberRegionNotEnabled: {twilio.CodeRegionNotEnabled, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: %s."},
	NumberUnsubscribed:     {twilio.CodeUnsubscribed, "Attempt to send to unsubscribed recipient %s"},
	NumberNotMobile:        {twilio.CodeNotMobile, "'To' number %s is not a valid mobile number"},
}

// step is one status change after "queued".
type step struct {
	status string
	code   int
}

// outcomes maps magic numbers to their status progression; every other
// number is sent and then delivered.
var outcomes = map[string][]step{
	NumberFailed:      {{StatusFailed, ErrorUnknownError}},
	NumberUndelivered: {{StatusSent, 0}, {StatusUndelivered, ErrorUnreachable}},
}

var normalOutcome = []step{{StatusSent, 0}, {StatusDelivered, 0}}

// message is one stored message, outbound or inbound.
type message struct {
	sid, accountSID  string
	direction        string // "outbound-api" or "inbound"
	from, to, body   string
	status           string
	errorCode        int
	statusCallback   string
	created, updated time.Time
	sent             time.Time
	// callbacks lists the statuses whose callback a receiver accepted.
	callbacks []string
}

// Fault operations: which simulated API calls a Fault affects.
const (
	OpSend  = "send"  // POST .../Messages.json
	OpFetch = "fetch" // GET .../Messages/{sid}.json
	OpAny   = "*"     // every API call (simkit.AnyOp)
)

// opFunc executes one operation on an authenticated request and returns
// the status and body to answer, or an API error.
type opFunc func(r *http.Request, form url.Values) (int, []byte, *apiError)

// maxBodyBytes bounds request bodies; a 1600-character message fits easily.
const maxBodyBytes = 64 << 10

// api wraps an operation with Twilio's request pipeline: authentication,
// the account in the path, form decoding and injected faults.
func (s *Sim) api(op string, fn opFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Twilio-Request-Id", newSID("RQ"))
		if aerr := s.authenticate(r); aerr != nil {
			writeAPIError(w, aerr)
			return
		}
		if r.PathValue("account") != s.accountSID {
			writeAPIError(w, errNotFound())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := r.ParseForm(); err != nil {
			writeAPIError(w, errParam(20001, "Unable to parse request body"))
			return
		}
		lost := false
		if f, ok := s.takeFault(op); ok {
			s.countFault()
			switch f.Kind {
			case FaultLostAnswer:
				lost = true
			case FaultServerError:
				writeAPIError(w, errInternal())
				return
			case FaultRateLimit:
				writeAPIError(w, errTooManyRequests())
				return
			case FaultSlow:
				if !s.sleep(r.Context(), f.Delay) {
					writeAPIError(w, errInternal())
					return
				}
			}
		}
		status, body, aerr := fn(r, r.PostForm)
		if lost {
			writeAPIError(w, errInternal())
			return
		}
		if aerr != nil {
			writeAPIError(w, aerr)
			return
		}
		writeJSON(w, status, body)
	})
}

// authenticate checks HTTP basic auth against the account's credentials.
func (s *Sim) authenticate(r *http.Request) *apiError {
	user, pass, ok := r.BasicAuth()
	if ok && subtle.ConstantTimeCompare([]byte(user), []byte(s.accountSID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.authToken)) == 1 {
		return nil
	}
	s.mu.Lock()
	s.counts.AuthFailures++
	s.mu.Unlock()
	return errAuthenticate()
}

// createMessage validates a send as Twilio does, stores the message as
// "queued" and starts its status progression.
func (s *Sim) createMessage(_ *http.Request, form url.Values) (int, []byte, *apiError) {
	to, from, body := form.Get("To"), form.Get("From"), form.Get("Body")
	callback := form.Get("StatusCallback")
	if aerr := validateSend(to, from, body, callback); aerr != nil {
		s.mu.Lock()
		s.counts.Rejected++
		s.mu.Unlock()
		return 0, nil, aerr
	}
	now := s.now()
	m := &message{
		sid: newSID("SM"), accountSID: s.accountSID, direction: "outbound-api",
		from: from, to: to, body: body, status: StatusQueued, statusCallback: callback,
		created: now, updated: now,
	}
	steps, ok := outcomes[to]
	if !ok {
		steps = normalOutcome
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(m)
	s.counts.Sent++
	s.counts.SentByTo[to]++
	// After Close nothing progresses; the message stays "queued".
	if !s.closed {
		s.wg.Add(1)
		go s.progress(m.sid, steps)
	}
	return http.StatusCreated, m.render(), nil
}

// validateSend applies Twilio's checks in Twilio's order.
func validateSend(to, from, body, callback string) *apiError {
	switch {
	case to == "":
		return errParam(21604, "A 'To' phone number is required.")
	case from == "":
		return errParam(21603, "A 'From' phone number is required.")
	case body == "":
		return errParam(twilio.CodeBodyRequired, "Message body is required.")
	case utf8.RuneCountInString(body) > twilio.MaxBodyChars:
		return errParam(twilio.CodeBodyTooLong, "The concatenated message body exceeds the 1600 character limit.")
	case !twilio.IsE164(to):
		return errParam(twilio.CodeInvalidTo, "The 'To' number %s is not a valid phone number.", to)
	}
	if rej, ok := rejections[to]; ok {
		return errParam(rej.code, rej.format, to)
	}
	if callback != "" {
		if u, err := url.Parse(callback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errParam(21609, "The StatusCallback URL %s is not a valid URL.", callback)
		}
	}
	return nil
}

// fetchMessage answers GET .../Messages/{sid}.json.
func (s *Sim) fetchMessage(r *http.Request, _ url.Values) (int, []byte, *apiError) {
	sid, ok := strings.CutSuffix(r.PathValue("sid"), ".json")
	if !ok {
		return 0, nil, errNotFound()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[sid]
	if !ok {
		return 0, nil, errNotFound()
	}
	return http.StatusOK, m.render(), nil
}

// store adds m; the caller holds mu.
func (s *Sim) store(m *message) {
	s.messages[m.sid] = m
	s.order = append(s.order, m.sid)
}
