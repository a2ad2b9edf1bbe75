// Package twiliosim is a stateful, in-memory simulator of the part of
// Twilio's Programmable Messaging REST API the engine uses: sending SMS,
// fetching a message, signed delivery-status callbacks and inbound SMS
// webhooks.
//
// The engine's client (clients/twilio, built on twilio-go) talks to it by
// setting its base URL:
//
//	srv, _ := twiliosim.Start(twiliosim.Options{InboundURL: engineURL + "/webhooks/twilio"})
//	c, _ := twilio.New(twilio.Config{BaseURL: srv.URL, AccountSID: srv.Sim.AccountSID(),
//		AuthToken: srv.Sim.AuthToken(), From: "+15005550006",
//		StatusCallback: engineURL + "/webhooks/twilio"})
//
// # Endpoints
//
//	POST /2010-04-01/Accounts/{AccountSid}/Messages.json         To, From, Body, StatusCallback
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages.json         To, From, PageSize (newest first)
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json
//
// Requests authenticate with HTTP basic auth (AccountSid:AuthToken; else
// 401, error 20003) and answer Twilio's JSON: the Message resource (sid
// "SM" + 32 hex digits, status "queued" on create) or an error body
// {"code","message","more_info","status"}. Validation follows Twilio: To
// required (21604) and E.164 (21211), From required (21603), Body
// required (21602) and at most 1600 characters (21617).
//
// # Magic numbers
//
// The 'To' number chooses the outcome:
//
//	+15005550001   400, 21211 invalid 'To'
//	+15005550002   400, 21612 cannot route
//	+15005550003   400, 21408 region not enabled
//	+15005550004   400, 21610 unsubscribed
//	+15005550005   400, 21614 not a mobile number
//	+15005550009   queued, then failed (error 30008)
//	+15005550010   queued, sent, then undelivered (error 30003)
//	any other      queued, sent, then delivered
//
// # Webhooks
//
// After each status change (Options.StatusDelay apart) the simulator posts
// Twilio's status callback (MessageSid, SmsSid, AccountSid, From, To,
// MessageStatus, SmsStatus, ApiVersion and ErrorCode when set; never the
// body) to the message's StatusCallback, retrying non-2xx answers with
// backoff. Reply posts an inbound message (MessageSid, SmsSid,
// SmsMessageSid, AccountSid, From, To, Body, NumMedia, NumSegments,
// SmsStatus, ApiVersion) to the inbound URL once. Every webhook carries
// X-Twilio-Signature from twilio.Sign over the URL posted to and the form,
// and I-Twilio-Idempotency-Token, constant across retries of one event.
// A message's callbacks arrive in order; callbacks of different messages
// interleave.
//
// # Control API
//
// Tests call InjectFault, ClearFaults, Faults, Stats, Messages, Message,
// Reply and SetInboundURL directly. Other processes use JSON over the
// simulator's own listener, without Twilio authentication:
// POST/GET/DELETE /_sim/faults ({"op":"send"|"fetch"|"*",
// "kind":"500"|"429"|"slow","count":n,"delay":"2s"}), GET /_sim/stats,
// GET /_sim/messages[?to=&direction=], POST /_sim/reply
// {"from","to","body"} (201 {"sid"}; 409 without an inbound URL; 502 when
// the receiver refused) and PUT /_sim/inbound {"url"}.
//
// Nothing is persisted: a restart forgets every message.
package twiliosim
