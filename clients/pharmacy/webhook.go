package pharmacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/careflow/engine/codecs/ncpdp"
)

// Webhook signature headers (see the package documentation).
const (
	// TimestampHeader holds the Unix time in seconds when the webhook was signed.
	TimestampHeader = "X-Pharmacy-Timestamp"
	// SignatureHeader holds the lower-case hex HMAC-SHA256 of
	// timestamp + "." + body under PHARMACY_WEBHOOK_SECRET.
	SignatureHeader = "X-Pharmacy-Signature"
)

// WebhookTolerance is how far a webhook's timestamp may be from now.
const WebhookTolerance = 5 * time.Minute

// Webhook verification failures; all mean 400 for the sender.
var (
	ErrSignatureMissing  = errors.New("pharmacy: webhook signature or timestamp missing")
	ErrTimestampInvalid  = errors.New("pharmacy: webhook timestamp is not Unix seconds")
	ErrTimestampExpired  = errors.New("pharmacy: webhook timestamp outside the 5 minute tolerance")
	ErrSignatureMismatch = errors.New("pharmacy: webhook signature does not match")
)

// Sign returns the SignatureHeader value for body signed at ts.
func Sign(secret []byte, ts time.Time, body []byte) string {
	return sign(secret, strconv.FormatInt(ts.Unix(), 10), body)
}

// sign computes the MAC over the timestamp text as sent.
func sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SignRequest sets TimestampHeader and SignatureHeader on req for body,
// signed at now.
func SignRequest(req *http.Request, secret []byte, body []byte, now time.Time) {
	req.Header.Set(TimestampHeader, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(SignatureHeader, Sign(secret, now, body))
}

// VerifyWebhook checks the headers of a webhook request against body:
// both present, the timestamp within WebhookTolerance of now, and the
// signature equal (in constant time) to the expected one.
func VerifyWebhook(secret []byte, h http.Header, body []byte, now time.Time) error {
	ts, sig := h.Get(TimestampHeader), h.Get(SignatureHeader)
	if ts == "" || sig == "" {
		return ErrSignatureMissing
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrTimestampInvalid
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return ErrTimestampExpired
	}
	want := sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return ErrSignatureMismatch
	}
	return nil
}

// ErrUnexpectedWebhookType means a verified webhook held a message the
// pharmacy does not initiate (a NewRx, a Status ...).
var ErrUnexpectedWebhookType = errors.New("pharmacy: webhook holds a message type pharmacies do not send")

// WebhookTypes are the message types a pharmacy sends to the webhook.
var WebhookTypes = map[ncpdp.MessageType]bool{
	ncpdp.TypeRxChangeRequest:  true,
	ncpdp.TypeRxRenewalRequest: true,
	ncpdp.TypeRxFill:           true,
	ncpdp.TypeCancelRxResponse: true,
	ncpdp.TypeVerify:           true,
	ncpdp.TypeError:            true,
	ncpdp.TypeStatus:           true,
}

// ParseWebhook verifies a webhook (VerifyWebhook) and decodes its body.
// Errors, all meaning 400 for the sender: the verification errors above,
// an *ncpdp.DecodeError or *ncpdp.ValidationError (the message is returned
// with a ValidationError when it decoded, so the answer can relate to its
// MessageID), or ErrUnexpectedWebhookType. Status, Verify and Error are
// accepted because a network may answer a prescriber's message
// asynchronously too.
func ParseWebhook(secret []byte, h http.Header, body []byte, now time.Time) (*ncpdp.Message, error) {
	if err := VerifyWebhook(secret, h, body, now); err != nil {
		return nil, err
	}
	m, err := ncpdp.Decode(body)
	if err != nil {
		return m, err
	}
	if !WebhookTypes[m.Type()] {
		return m, ErrUnexpectedWebhookType
	}
	return m, nil
}
