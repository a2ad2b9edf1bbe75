// Package fhir is a FHIR R4 REST client for the clinic's EHR, authenticated with SMART
// Backend Services (OAuth 2.0 client credentials with a private_key_jwt client assertion).
//
// The package has no Temporal imports: it classifies failures into permanent and retryable
// errors (see Error) and leaves retrying to the caller, except for the two retries that
// belong to the protocol itself: one re-authentication after a 401 and the read-merge-write
// loop of UpdateStatus after a 412. Errors never carry OperationOutcome diagnostics or
// resource content, which may hold PHI.
package fhir
