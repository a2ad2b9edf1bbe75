// Package hl7 parses and builds HL7 version 2 messages (written for v2.5.1).
//
// The generic model keeps every field in its wire (escaped) form, so that
// Parse followed by Encode reproduces each field byte for byte, including
// empty trailing components and escape sequences the package does not
// interpret. Text is unescaped only when read through Get or a typed view and
// escaped only when written through Set or a builder.
//
// Fields are addressed by HL7 paths with 1-based indices: "PID-3[2].1" is
// component 1 of the second repetition of PID-3, "OBX[2]-5" is OBX-5 of the
// second OBX segment. MSH follows the standard's numbering: MSH-1 is the
// field separator itself and MSH-2 the encoding characters.
//
// Typed views cover ORM^O01 (BuildORM, ParseORM), ORU^R01 (BuildORU,
// ParseORU) and ACK (BuildACK, ParseACK). Errors never carry message content
// (it is PHI): a *ParseError names a segment position, a field number and a
// fixed reason.
//
// The HL7 null value "" (two double quotes, "delete this value") is
// returned as those two characters; it is the caller's to interpret. A
// Message may be read from several goroutines; Set and SetRaw need
// exclusive access.
//
// The package has no dependencies beyond the standard library so it can be
// fuzzed and benchmarked alone.
package hl7
