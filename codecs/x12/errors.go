package x12

import (
	"strconv"
	"strings"
)

// ParseError reports malformed X12 input. Its message names where the problem
// is and what kind it is, never the offending value, because element values
// are PHI.
type ParseError struct {
	// Segment is the 1-based position of the segment in the interchange
	// (the ISA is segment 1); 0 when the problem is not tied to one segment.
	Segment int
	// SegmentID is the segment's tag ("NM1"), empty when the tag itself is
	// malformed (a malformed tag may be a fragment of data).
	SegmentID string
	// Element is the 1-based element number, 0 for the whole segment.
	Element int
	// Reason is a fixed description of the problem.
	Reason string
}

// Error formats the error as "x12: segment 7 (NM1) element 9: reason".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("x12: ")
	if e.Segment > 0 {
		b.WriteString("segment ")
		b.WriteString(strconv.Itoa(e.Segment))
		if e.SegmentID != "" {
			b.WriteString(" (")
			b.WriteString(e.SegmentID)
			b.WriteString(")")
		}
		if e.Element > 0 {
			b.WriteString(" element ")
			b.WriteString(strconv.Itoa(e.Element))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// segErr builds a ParseError for a segment, or for one of its elements when
// element > 0.
func segErr(s *Segment, element int, reason string) *ParseError {
	return &ParseError{Segment: s.Index, SegmentID: safeID(s.ID), Element: element, Reason: reason}
}

// safeID returns id when it is a standard X12 segment tag and "" otherwise:
// in a garbled document a "tag" may be a fragment of a name ("DOE"), which
// must not reach an error message.
func safeID(id string) string {
	if knownSegments[id] {
		return id
	}
	return ""
}

// knownSegments are the tags of the envelopes and of the 270/271, 276/277,
// 835, 837 and 999 transaction sets.
var knownSegments = func() map[string]bool {
	m := map[string]bool{}
	for _, id := range []string{
		"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1", "BHT", "HL", "TRN", "NM1", "N3", "N4", "PER", "PRV",
		"REF", "DMG", "INS", "HI", "DTP", "MPI", "EQ", "III", "AMT", "EB", "HSD", "MSG", "LS", "LE", "AAA",
		"AK1", "AK2", "IK3", "IK4", "IK5", "AK9", "CTX", "STC", "QTY", "CLM", "SBR", "PAT", "SV1", "SV2",
		"LX", "CLP", "CAS", "SVC", "BPR", "PLB", "LQ", "NTE", "CRC", "CL1", "PWK", "CN1", "K3", "HCP",
		"OI", "MOA", "MIA", "TS3", "TS2", "RDM", "PS1", "SV5", "CR1", "CR2", "CR3", "LIN", "CTP", "MEA",
		"FRM", "SVD", "DN1", "DN2", "TOO", "SV3",
	} {
		m[id] = true
	}
	return m
}()

// FieldError is one problem with one request field.
type FieldError struct {
	// Field is the Go path of the field, e.g. "Subscriber.MemberID".
	Field string
	// Reason says what is wrong without repeating the value.
	Reason string
}

// ValidationError lists every problem found in a request before anything was
// built. Its message names the fields, never their values.
type ValidationError struct {
	// Fields holds the problems in a fixed order (envelope, payer, provider,
	// subscriber, dependent, inquiry).
	Fields []FieldError
}

// Error joins the field problems into one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("x12: invalid request: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(" ")
		b.WriteString(f.Reason)
	}
	return b.String()
}

// Has reports whether field is among the problems; tests and callers use it
// to map problems onto their own inputs.
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
