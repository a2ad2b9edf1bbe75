// Package ehrsim is an in-memory FHIR R4 server that stands in for an EHR
// in `make run` and in tests: SMART Backend Services authentication,
// versioned resources with ETags, conditional create and update, simple
// searches, and injectable faults.
//
//	srv, _ := ehrsim.Start(ehrsim.Options{Clients: map[string]crypto.PublicKey{"careflow": pub}})
//	defer srv.Close()
//	_ = srv.Sim.Seed(ehrsim.DefaultSeed()...)
//	// FHIR_BASE_URL=srv.FHIRBaseURL  FHIR_TOKEN_URL=srv.TokenURL  FHIR_CLIENT_ID=careflow
//
// # Authentication
//
// POST /auth/token takes a form with grant_type=client_credentials,
// client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer,
// client_assertion (a JWT signed RS384 or ES384 with a key registered for
// the client through Options.Clients, Options.ClientJWKS or
// RegisterClient) and scope (required; system/ scopes in SMART v1 syntax,
// system/Patient.read or system/*.write, or v2, system/Appointment.rus).
// The assertion must have iss = sub = client_id, aud = the token URL, an
// exp in the future at most five minutes ahead, and a jti not used before.
// Failures answer 401 invalid_client (a reused jti: invalid_grant); a bad
// form 400 invalid_request, unsupported_grant_type or invalid_scope. The
// answer is {access_token, token_type "bearer", expires_in, scope}.
//
// FHIR requests need "Authorization: Bearer <token>" with an unexpired
// token (401 "security" otherwise, with WWW-Authenticate) whose scopes
// permit the interaction (403 "forbidden"). GET /fhir/metadata and
// /fhir/.well-known/smart-configuration are public.
//
// # FHIR interactions (base URL = server URL + "/fhir")
//
//	GET  /fhir/{type}/{id}                  read; ETag W/"<versionId>", Last-Modified; If-None-Match -> 304
//	GET  /fhir/{type}/{id}/_history/{vid}   vread
//	GET  /fhir/{type}?params                search -> searchset Bundle (entries ordered by id or _sort)
//	POST /fhir/{type}                       create -> 201, new id, version 1, Location;
//	                                        If-None-Exist: identifier=sys|val -> 200 with the match,
//	                                        412 "duplicate" if several match
//	PUT  /fhir/{type}/{id}                  update; If-Match W/"n" must be current, else 412 "conflict";
//	                                        without If-Match unconditional; unknown id creates (201)
//
// Search parameters: _id, identifier (system|value, |value, system|,
// value), status, patient (patient, subject, beneficiary or
// participant.actor pointing at the Patient), subject, beneficiary,
// actor, encounter, based-on, payor, subscriber, _lastUpdated (FHIR
// date search on meta.lastUpdated with the prefixes eq, ne, gt, lt, ge,
// le, sa and eb; the value's precision is its range), _sort
// (_lastUpdated or -_lastUpdated; otherwise entries are ordered by id),
// _count, _include (Type:param or Type:param:TargetType over the reference
// parameters, e.g. Coverage:payor, Coverage:subscriber, Appointment:patient;
// included resources are limited to the parameter's target type and to what
// the token may read, with search mode "include") and the ignored _format
// and _pretty. Repeated
// parameters AND, comma-separated values OR. Any other parameter is
// answered 400 "not-supported" rather than ignored, so a client bug
// cannot silently widen a search.
//
// Bodies are application/fhir+json (415 otherwise). Resources are stored
// as raw JSON maps: elements the simulator does not know, and number
// spellings such as 1.50, survive every round trip. Writes check only the
// required elements and required-binding status codes of Appointment,
// Encounter, Coverage, Observation, DiagnosticReport and MedicationRequest
// (400 "required" or "code-invalid"). Errors are OperationOutcomes whose
// diagnostics name only types, ids, element paths and versions.
//
// # Default seed
//
// DefaultSeed gives obviously fictional data (family name "Testpatient",
// +1555555xxxx phones, example.org identifier systems, appointments from
// 10 minutes after the seed time in 5-minute steps, so that they are inside
// the engine's check-in window), one booked Appointment per clearinghouse
// scenario, selected by Coverage.subscriberId:
//
//	appointment  patient      coverage  member id    scenario
//	appt-1001    pat-1001     cov-1001  ACTIVE001    active with copay
//	appt-1002    pat-1002     cov-1002  INACTIVE01   inactive coverage
//	appt-1003    pat-1003     cov-1003  NOTFOUND01   AAA subscriber not found
//	appt-1004    pat-1004     cov-1004  SLOW000001   payer slower than 20 s
//	appt-1005    pat-1005     cov-1005  ERROR50001   clearinghouse 5xx
//	appt-1006    pat-1006     cov-1006  BADX120001   malformed 271
//	appt-2001    pat-2001     (none)                 no Coverage on file
//	appt-3001    pat-missing  (none)                 Patient does not exist
//
// Every Coverage is status active, self-subscribed, with Coverage.payor
// -> Organization/org-payer-1 (identifier PayerIDSystem|SIMPAYER01) and
// the member id also in Coverage.identifier (MemberIDSystem, type MB).
// Appointments have participants Patient, Practitioner/pract-1 (NPI
// 1112223338) and Location/loc-1; the clinic is Organization/org-clinic-1
// (NPI 1234567893). DefaultCases lists the same table for tests.
//
// LivedInSeed adds the charts real EHRs hold besides the happy path:
//
//	appointment  what is in the chart
//	appt-4001    cancelled, with a cancelationReason
//	appt-4002    booked a month ahead
//	appt-4003    last year's Coverage (ended 2024-12-31, NOTFOUND01) listed before this year's (ACTIVE001)
//	appt-4004    a child on a parent's plan (subscriber pat-4004-parent, FAMILY0001, relationship child)
//	appt-4005    primary (order 1, ACTIVE001) and secondary (order 2, SECOND0001 at org-payer-2) coverage
//	appt-4006    booked, the patient participant's status declined
//
// # Subscription notifications
//
// Subscribe(Subscription{URL, Secret, Shapes}) makes the simulator POST a
// rest-hook notification for every Appointment version stored by a FHIR
// create or update or by Put (not by Seed), in order, signed with
// X-Signature (hex HMAC-SHA256 of the body, as Medplum signs). Shapes are
// used in turn: ShapeResource (Medplum: the body is the Appointment),
// ShapeIDOnly and ShapeFullResource (Subscriptions Backport IG R4 history
// Bundles: a SubscriptionStatus Parameters entry with the subscription,
// topic, events-since-subscription-start and a notification-event with its
// event-number and focus, then the focus entry with or without the
// resource). A failed delivery is tried three times, then dropped, as a
// real server's would be; Notifications lists what was delivered. An
// empty URL ends the subscription (a lost notification, for tests).
//
// # Faults and control API
//
// InjectFault(Fault{Op, Kind, Count, Delay}) makes the next Count requests
// of an operation (token, read, search, create, update or *) answer 500,
// 429 (Retry-After: 1), 401, 412 (updates only, even with a current
// If-Match) or run slow. Tests call InjectFault, ClearFaults, Stats,
// Resource, History, Resources, Seed, Put, RegisterClient and
// RevokeTokens directly. Other processes use JSON on the simulator's own
// listener, without authentication: POST/GET/DELETE /_sim/faults,
// GET /_sim/stats, GET /_sim/resources/{type}[/{id}],
// PUT /_sim/resources/{type}/{id} (Put), POST /_sim/clients
// {"clientId","jwks"} and DELETE /_sim/tokens.
//
// # Simplifications
//
// No delete, history-type, _search by POST, paging (_count truncates and
// total counts every match), chained or modified parameters, or XML.
// Version-specific references and granular v2 scopes are accepted but
// granular scope queries are not enforced. State lives in memory only.
package ehrsim
