// Package pms is the REST client of the practice-management system (PMS)
// that shares appointments with the EHR.
//
// The PMS speaks JSON over HTTP:
//
//	GET  /appointments?updatedSince=<RFC 3339>&limit=<n>&cursor=<c>  one Page of changes
//	GET  /appointments/{id}                                           one Appointment, ETag = version
//	PUT  /appointments/{id}   If-Match: <version>                     412 on a stale version
//	POST /appointments                                                create; 201 with the stored Appointment
//
// Every change bumps Appointment.Version and sets UpdatedAt. The list is
// ordered by (updatedAt, appointmentId) and paged by an opaque keyset
// cursor, so a page boundary never skips an appointment that changes
// between two page reads (it moves to a later page instead);
// updatedSince is inclusive, so callers deduplicate by version.
//
// Echo suppression: the engine sets UpdatedBy to EngineWriter ("careflow")
// on every write it makes; the PMS stores it and returns it, and sets it
// to the human's or its own writer name on every other change. A change
// that comes back with UpdatedBy == EngineWriter and the version the
// engine's write produced is the engine's own write.
//
// Webhooks: the PMS posts a WebhookEvent for every change, signed with
// X-PMS-Signature, the lower-case hex HMAC-SHA256 of the raw body under
// the shared secret PMS_WEBHOOK_SECRET; Sign and Verify compute and check
// it (Verify in constant time).
//
// Errors are classified as plain Go errors (no Temporal imports here):
// ErrConflict (412), ErrNotFound (404), ErrPermanent (other 4xx, invalid
// answers to a write) and ErrTransient (5xx, 429, timeouts, network
// failures); activities map them to Temporal's retry semantics.
package pms
