package twiliosim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiVersion is the only REST API version simulated.
const apiVersion = "2010-04-01"

// dateLayout is Twilio's RFC 2822 date format in API resources.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// apiError is Twilio's error body: {"code","message","more_info","status"}.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// newAPIError builds an error answer with Twilio's documentation link.
func newAPIError(status, code int, msg string) *apiError {
	return &apiError{Code: code, Message: msg, Status: status,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code)}
}

func errAuthenticate() *apiError {
	return newAPIError(http.StatusUnauthorized, 20003, "Authenticate")
}

func errNotFound() *apiError {
	return newAPIError(http.StatusNotFound, 20404, "The requested resource was not found")
}

func errTooManyRequests() *apiError {
	return newAPIError(http.StatusTooManyRequests, 20429, "Too Many Requests")
}

func errInternal() *apiError {
	return newAPIError(http.StatusInternalServerError, 20500, "Internal Server Error")
}

// errParam is a 400 validation error. Like Twilio, the text may quote the
// number; clients must not pass it on.
func errParam(code int, format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, code, fmt.Sprintf(format, args...))
}

// writeAPIError writes e as Twilio does, with a basic-auth challenge on 401.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
	}
	b, _ := json.Marshal(e)
	writeJSON(w, e.Status, b)
}

// writeJSON writes a JSON body with its status.
func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// newSID returns a Twilio-style SID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	b := make([]byte, 16)
	// crypto/rand.Read never fails on supported platforms.
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// messageJSON is a Message resource as Twilio renders it.
type messageJSON struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                string            `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// render returns m's JSON resource; the caller holds Sim.mu.
func (m *message) render() []byte {
	uri := "/" + apiVersion + "/Accounts/" + m.accountSID + "/Messages/" + m.sid
	v := messageJSON{
		AccountSID: m.accountSID, APIVersion: apiVersion, Body: m.body,
		DateCreated: m.created.Format(dateLayout), DateUpdated: m.updated.Format(dateLayout),
		Direction: m.direction, From: m.from, NumMedia: "0",
		NumSegments: strconv.Itoa(segments(m.body)), PriceUnit: "USD",
		SID: m.sid, Status: m.status, To: m.to, URI: uri + ".json",
		SubresourceURIs: map[string]string{"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"},
	}
	if !m.sent.IsZero() {
		v.DateSent = ptr(m.sent.Format(dateLayout))
	}
	if m.errorCode != 0 {
		v.ErrorCode = ptr(m.errorCode)
		v.ErrorMessage = ptr(deliveryErrorText[m.errorCode])
	}
	b, _ := json.Marshal(v)
	return b
}

func ptr[T any](v T) *T { return &v }

// segments counts SMS segments: 160 GSM-7 characters for one, 153 per
// part when concatenated; 70 and 67 for UCS-2. GSM-7 is approximated by
// printable ASCII plus CR and LF.
func segments(body string) int {
	n, gsm := 0, true
	for _, r := range body {
		n++
		if (r < ' ' || r > '~') && r != '\n' && r != '\r' {
			gsm = false
		}
	}
	single, part := 160, 153
	if !gsm {
		single, part = 70, 67
	}
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}
