// Package pharmacy is the engine's client of the e-prescribing network: it
// POSTs NCPDP SCRIPT 2017071 messages (codecs/ncpdp) as application/xml to
// PHARMACY_BASE_URL, optionally over mutual TLS, and returns the network's
// synchronous answer matched by RelatesToMessageID.
//
// # Idempotency
//
// The network deduplicates by Header.MessageID: a message resent with the
// same MessageID is processed once and gets the first answer again. A
// caller that retries (a Temporal activity retry after a timeout, a worker
// restarted between NewRx and Status) must therefore resend the SAME
// message with the SAME MessageID; MessageID derives one deterministically
// from a workflow ID and a step name. This client never retries by itself:
// retries come from Temporal.
//
// # Errors
//
// Send classifies every failure as one of these plain Go error types, so
// the activity layer can map them to Temporal without string matching:
//
//   - *TransientError: the network could not be reached, timed out, or
//     answered 429 or 5xx. Resend the same message.
//   - *RejectedError: the network answered an NCPDP Error body (600, 601,
//     602, 900 ...). Permanent; it carries Code and DescriptionCode.
//   - *PermanentError: the message could not be encoded, the network
//     answered another 4xx, or its answer was malformed, of an unexpected
//     type, or related to another message. Permanent.
//
// IsPermanent tells them apart. No Error() string holds element content
// (PHI): only codes, HTTP statuses and fixed reasons.
//
// # Webhooks
//
// Pharmacy-initiated messages (RxChangeRequest, RxRenewalRequest, RxFill,
// CancelRxResponse) arrive at /webhooks/pharmacy, signed with the shared
// secret PHARMACY_WEBHOOK_SECRET:
//
//	X-Pharmacy-Timestamp: <Unix seconds when the request was signed>
//	X-Pharmacy-Signature: <lower-case hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// The timestamp is inside the MAC so it cannot be refreshed on a replayed
// body. VerifyWebhook compares in constant time and rejects a timestamp
// more than WebhookTolerance (5 minutes) away from now, in either
// direction. ParseWebhook verifies, decodes and checks the message type in
// one call; SignRequest is the sender's side (the simulator uses it).
package pharmacy
