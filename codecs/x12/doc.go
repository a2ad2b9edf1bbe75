// Package x12 builds and parses the ASC X12 5010 transactions the check-in
// process exchanges with a clearinghouse: the 270 eligibility inquiry and the
// 271 response (implementation guide 005010X279A1), and the 999
// implementation acknowledgment (005010X231A1); and for claims the 837P
// professional claim (005010X222A1, built with validation and read back),
// the 277CA claim acknowledgment (005010X214) and the 835 remittance advice
// (005010X221A1, money in exact cents, balancing rules enforced).
//
// The package is plain Go with no Temporal imports so it can be fuzzed and
// benchmarked on its own. Parsing reads the delimiters the sender declared in
// its ISA segment, so any delimiter choice, repetition separators and line
// breaks after segment terminators are accepted.
//
// X12 payloads carry PHI (names, member ids, birth dates). No error produced by
// this package contains an element value: a *ParseError names the segment
// position, segment ID and element number, and a *ValidationError names the
// request field, never what it held.
package x12
