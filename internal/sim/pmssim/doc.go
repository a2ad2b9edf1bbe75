// Package pmssim is a stateful, in-memory simulator of the
// practice-management system (PMS) appointment API that clients/pms calls.
//
//	srv, _ := pmssim.Start(pmssim.Options{Secret: secret, WebhookURL: engineURL + "/webhooks/pms"})
//	c, _ := pms.New(srv.URL, &http.Client{Timeout: 5 * time.Second})
//
// # Endpoints
//
//	GET  /appointments?updatedSince=&cursor=&limit=   changes feed, ordered by (updatedAt, appointmentId)
//	GET  /appointments/{id}                           ETag: <version>
//	PUT  /appointments/{id}     If-Match: <version>   428 without it, 412 {"error","currentVersion"} when stale
//	POST /appointments                                201, version 1
//
// Every change bumps version, stamps updatedAt (strictly increasing across
// the simulator, so the feed order is total) and keeps the writer's
// updatedBy ("api" when the writer sets none). Bad JSON, unknown fields
// and invalid appointments get 400 and change nothing.
//
// # Webhooks
//
// Every change is posted, in change order, to the webhook URL as a
// pms.WebhookEvent signed with X-PMS-Signature (hex HMAC-SHA256 of the
// body under Secret). EventID is "evt_<id>_v<version>", the same across
// retries; a non-2xx answer is retried up to 3 attempts.
//
// # Seed data
//
// Unless Options.Empty, the simulator starts with lived-in appointments:
// appt-1001 confirmed, appt-1002 cancelled (with a note), appt-1003 moved
// twice (version 3), appt-1004 with a front-desk note, appt-1005 checked
// in today, appt-1006 completed yesterday.
//
// # Controls (loopback only; no real PMS has them)
//
//	POST   /_sim/faults                  {"op":"list|get|update|create|webhook|*","kind":"500|503|429|slow|412|drop|duplicate","count":n,"delay":"2s"}
//	GET    /_sim/faults, DELETE /_sim/faults, GET /_sim/stats
//	GET    /_sim/appointments            every appointment
//	GET    /_sim/appointments/{id}/history  every version of one
//	POST   /_sim/appointments/{id}/edit  an Edit "as a human would": bumps version, fires the webhook
//	PUT    /_sim/webhook                 {"url": "..."} ("" stops webhooks)
package pmssim
