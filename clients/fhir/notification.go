package fhir

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// NotificationSignatureHeader carries the hex HMAC-SHA256 of a subscription notification's
// body (Medplum's rest-hook signature header).
const NotificationSignatureHeader = "X-Signature"

// SignNotification returns the lower-case hex HMAC-SHA256 of body under secret.
func SignNotification(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
