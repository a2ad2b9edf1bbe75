// Package ncpdp encodes and decodes NCPDP SCRIPT 2017071 messages, the XML
// the e-prescribing process exchanges with the pharmacy network: the Message
// root with its version attributes, the Header, and the bodies NewRx, Status,
// Verify, Error, CancelRx, CancelRxResponse, RxChangeRequest,
// RxChangeResponse, RxRenewalRequest, RxRenewalResponse and RxFill.
//
// The structs follow the standard's public descriptions; the members-only
// schemas were not used. Decoding is strict on the elements the engine
// relies on (required elements, lengths, codes) and tolerant of optional
// elements it does not model, which encoding/xml skips. Only UTF-8 input is
// accepted.
//
// The package is plain Go with no Temporal imports so it can be fuzzed and
// benchmarked alone. Messages carry PHI: no error from this package contains
// an element value, only element paths and fixed reasons.
package ncpdp
