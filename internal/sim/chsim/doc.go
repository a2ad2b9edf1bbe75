// Package chsim is an in-memory clearinghouse simulator speaking CAQH CORE
// Connectivity real-time SOAP 1.2 (CORE rule 2.2.0) with WS-Security
// UsernameToken authentication. It answers X12 270 eligibility inquiries
// with 271s, and takes 837P claims in batch mode answered by 999, 277CA and
// 835 files for retrieval, so the engine's unmodified clearinghouse client can be tested
// against it:
//
//	srv, _ := chsim.Start(chsim.Options{Username: "u", Password: "p"})
//	defer srv.Close()
//	c := clearinghouse.New(clearinghouse.Config{BaseURL: srv.BaseURL(), Username: "u", Password: "p", ...})
//
// # Endpoint
//
// POST /core/realtime takes a COREEnvelopeRealTimeRequest (PayloadType
// X12_270_Request_005010X279A1, ProcessingMode RealTime, CORERuleVersion
// 2.2.0) and answers a COREEnvelopeRealTimeResponse with ErrorCode Success
// and a 271 (X12_271_Response_005010X279A1). Problems are answered as a
// clearinghouse would:
//
//	Content-Type not application/soap+xml    415 SOAP Sender fault
//	not XML / no CORE request in the body    400 SOAP Sender fault
//	not a SOAP 1.2 envelope                  500 SOAP VersionMismatch fault
//	no UsernameToken                         400 Sender fault, subcode wsse:InvalidSecurity
//	PasswordDigest                           400 Sender fault, subcode wsse:UnsupportedSecurityToken
//	wrong username or password               401 CORE ErrorCode UnAuthorized
//	missing or bad CORE field                400 CORE ErrorCode <Field>Required / <Field>Illegal,
//	                                         VersionMismatch for another CORERuleVersion
//	270 with a broken envelope or no NM1*IL  200 Success with a 999 rejection
//	                                         (X12_999_Response_005010X231A1)
//
// CORE error envelopes carry PayloadType CoreEnvelopeError and no payload.
//
// # Scenarios
//
// The subscriber's member id (NM109 of NM1*IL in loop 2100C) picks the
// answer; see the Member constants:
//
//	ACTIVE001    active (EB*1, plan GOLD PPO); copay $25 (EB*B, EB06 27, EB07 25)
//	             for service types 30 and 98; coinsurance 20% (EB*A, EB08 .2);
//	             deductible 1500 (EB*C, EB06 23) with 500 remaining (EB*C, EB06 29)
//	INACTIVE01   inactive (EB*6)
//	NOTFOUND01   AAA*N**75*C in loop 2100C
//	SLOW000001   as ACTIVE001, after Options.SlowDelay (default 25s)
//	ERROR50001   HTTP 500 with a SOAP Receiver fault
//	BADX120001   a 271 cut off in the payer loop (no SE/GE/IEA)
//	FAMILY0001   a family plan: with a dependent loop (2000D) the dependent's
//	             benefits in 2110D, copay $15; without, as ACTIVE001
//	SECOND0001   a secondary plan SILVER SECONDARY, copay $10
//	any other    AAA*N**72*C in loop 2100C
//
// A 271 swaps the 270's ISA and GS sender and receiver, echoes its ISA13,
// GS06 and ST02 control numbers and BHT03 reference, returns each TRN*1
// trace of the subscriber loop as TRN*2, echoes the payer, provider and
// subscriber NM1 segments and uses the delimiters the 270 declared. For a
// 270 with a dependent loop, the 271 answers in 2000D/2100D/2110D: the
// dependent's TRN as TRN*2, its NM1*03, DMG and INS echoed. Inquiries
// returns the 270s received, for tests that check what was sent.
//
// # Idempotency
//
// A request repeating a SenderID + PayloadID gets the first request's
// answer (header X-Sim-Replayed: true) and counts as a replay, not as a
// second inquiry, even while the first is still being answered: answering
// runs detached from the request, so a client that timed out on
// SLOW000001 and retries receives the stored 271 once it is ready. Answers
// that failed (HTTP 500 of ERROR50001, closing) are not stored. Retried
// 270s usually differ in their ISA time stamps, so payloads are not
// compared.
//
// # Batch mode (claims)
//
// The same endpoint takes CORE batch envelopes (ProcessingMode Batch):
//
//	COREEnvelopeBatchSubmission, PayloadType X12_837_Request_005010X222A1
//	    -> COREEnvelopeBatchSubmissionResponse, ErrorCode Success, no payload
//	       (PayloadIllegal when the payload is not an X12 interchange)
//	COREEnvelopeBatchResultsRetrievalRequest, PayloadType
//	    X12_999_RetrievalRequest_005010X231A1, X12_277CA_RetrievalRequest_005010X214
//	    or X12_835_RetrievalRequest_005010X221A1
//	    -> COREEnvelopeBatchResultsRetrievalResponse with the oldest waiting file
//	       of that kind for the CORE SenderID (X12_999_Response_005010X231A1,
//	       X12_277_Response_005010X214, X12_835_Response_005010X221A1), or
//	       Success without a payload when none waits
//
// Both are idempotent per SenderID + PayloadID: a repeated submission is
// not a second batch, a repeated retrieval returns the same file. Faults
// with Op OpBatch affect both. Each submission queues at once a 999 (one
// AK2 per claim's transaction set; AK9 A, P or R), a 277CA for the claims
// the 999 accepted (TRN*2 = CLM01, REF*1K payer claim control number) and
// an 835 paying them in one advice (TRN*1 CHSIM-EFT-<n>, CLP07 the same
// payer claim control number). The patient control number (CLM01) picks
// each claim's fate on its first submission; see the Claim constants:
//
//	REJ999-...    999 IK5 R with IK3 CLM / IK4; nothing else
//	REJ277-...    277CA STC A7:21:IL and A7:562:85 (rejected); no 835
//	DENY-...      835 CLP02 4, paid 0, lines CAS CO 50 with LQ HE N115
//	PART-...      835 lines CAS CO 45 (20%) and PR 2 (10%), paid 70%
//	REVERSE-...   paid in full; a second 835 reverses it (CLP02 22,
//	              negative) and pays it as PART- under a new CLP07
//	PLB-...       paid in full; the advice carries PLB L6 interest -2.50
//	NOREMIT-...   999 and 277CA accept; no 835 ever
//	BAD835-...    an 835 cut off after its CLP (malformed)
//	any other     paid in full (CLP02 1, CLP04 = CLP03)
//
// A later submission of the same patient control number (a corrected claim,
// frequency 1 or 7) is paid in full; a void (frequency 8) gets a 999 and
// an accepting 277CA and no 835. Submissions returns the accepted batches
// and Pending the files waiting for a sender. With SetPush the files are
// POSTed instead to the engine's /webhooks/clearinghouse (X12 body,
// X-CORE-Payload-Type, X-Clearinghouse-Signature = hex HMAC-SHA256 of the
// body), in order; a push that fails is queued for retrieval.
//
// # Control API
//
// Tests call InjectFault, ClearFaults, Faults and Stats directly. Other
// processes use JSON over the simulator's listener, without credentials:
// POST/GET/DELETE /_sim/faults, GET /_sim/stats and GET /_sim/scenarios.
// Faults (see Fault) can be limited to one member id.
package chsim
