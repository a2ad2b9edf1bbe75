package hl7

import (
	"errors"
	"strconv"
	"time"
)

// Acknowledgment codes of MSA-1 (HL7 table 0008): original mode A*, enhanced
// mode (commit) C*.
const (
	AckAccept    = "AA"
	AckError     = "AE"
	AckReject    = "AR"
	CommitAccept = "CA"
	CommitError  = "CE"
	CommitReject = "CR"
)

var ackCodes = map[string]bool{AckAccept: true, AckError: true, AckReject: true, CommitAccept: true, CommitError: true, CommitReject: true}

// HL7 error codes for ERR-3 (HL7 table 0357).
const (
	ErrCodeAccepted              = "0"
	ErrCodeSegmentSequence       = "100"
	ErrCodeRequiredFieldMissing  = "101"
	ErrCodeDataType              = "102"
	ErrCodeTableValueNotFound    = "103"
	ErrCodeUnsupportedMessage    = "200"
	ErrCodeUnsupportedEvent      = "201"
	ErrCodeUnsupportedProcessing = "202"
	ErrCodeUnsupportedVersion    = "203"
	ErrCodeUnknownKey            = "204"
	ErrCodeDuplicateKey          = "205"
	ErrCodeRecordLocked          = "206"
	ErrCodeInternal              = "207"
)

var errCodeText = map[string]string{
	ErrCodeAccepted: "Message accepted", ErrCodeSegmentSequence: "Segment sequence error",
	ErrCodeRequiredFieldMissing: "Required field missing", ErrCodeDataType: "Data type error",
	ErrCodeTableValueNotFound: "Table value not found", ErrCodeUnsupportedMessage: "Unsupported message type",
	ErrCodeUnsupportedEvent: "Unsupported event code", ErrCodeUnsupportedProcessing: "Unsupported processing id",
	ErrCodeUnsupportedVersion: "Unsupported version id", ErrCodeUnknownKey: "Unknown key identifier",
	ErrCodeDuplicateKey: "Duplicate key identifier", ErrCodeRecordLocked: "Application record locked",
	ErrCodeInternal: "Application internal error",
}

// Error severities of ERR-4 (HL7 table 0516).
const (
	SeverityError       = "E"
	SeverityWarning     = "W"
	SeverityInformation = "I"
	SeverityFatal       = "F"
)

// ACK is the typed view of an acknowledgment: MSA and its ERR segments.
type ACK struct {
	// Header is MSH.
	Header Header
	// Code is MSA-1: AA, AE, AR, CA, CE or CR.
	Code string
	// ControlID is MSA-2, the MSH-10 of the message acknowledged.
	ControlID string
	// Text is MSA-3 (kept in v2.5.1 for backward compatibility).
	Text string
	// Errors are the ERR segments.
	Errors []ErrorDetail
}

// ErrorDetail is the typed view of one ERR segment.
type ErrorDetail struct {
	// Code is ERR-3, the HL7 error code (table 0357), or the code of a v2.3
	// style ERR-1 when ERR-3 is empty.
	Code CWE
	// Severity is ERR-4: E, W, I or F.
	Severity string
	// UserMessage is ERR-8, text for a person.
	UserMessage string
	// Location is ERR-2, the segment and field the error is about.
	Location ErrorLocation
}

// Accepted reports whether the code is AA or CA.
func (a ACK) Accepted() bool { return a.Code == AckAccept || a.Code == CommitAccept }

// Rejected reports whether the code is AR or CR: the receiver will not take
// the message however often it is sent.
func (a ACK) Rejected() bool { return a.Code == AckReject || a.Code == CommitReject }

// Reason returns the first non-empty ERR-8, ERR-3 text or MSA-3, for
// reporting why a message was not accepted.
func (a ACK) Reason() string {
	for _, e := range a.Errors {
		if e.UserMessage != "" {
			return e.UserMessage
		}
		if e.Code.Text != "" {
			return e.Code.Text
		}
	}
	return a.Text
}

// ParseACK reads the MSA and ERR segments of m. Any message type with an MSA
// is accepted (ACK, but also ORR^O02 and other application responses). It
// fails with a *ParseError when MSA is missing or MSA-1 is not a table 0008
// code.
func ParseACK(m *Message) (ACK, error) {
	a := ACK{Header: m.Header()}
	d := &m.Delims
	msa := -1
	for i := range m.Segments {
		s := &m.Segments[i]
		switch s.Name {
		case "MSA":
			if msa >= 0 {
				continue
			}
			msa = i
			a.Code, a.ControlID, a.Text = d.comp(s.Field(1), 1), d.comp(s.Field(2), 1), d.comp(s.Field(3), 1)
		case "ERR":
			e := ErrorDetail{
				Code:        d.cwe(nth(s.Field(3), d.Repetition, 1)),
				Severity:    d.comp(s.Field(4), 1),
				UserMessage: d.comp(s.Field(8), 1),
			}
			if erl := nth(s.Field(2), d.Repetition, 1); erl != "" {
				e.Location.Segment = d.comp(erl, 1)
				e.Location.Sequence, _ = strconv.Atoi(d.comp(erl, 2))
				e.Location.Field, _ = strconv.Atoi(d.comp(erl, 3))
			}
			if e.Code.IsZero() {
				// v2.3 ERR-1 is ELD: segment^sequence^field^code, the code a
				// CE whose parts are subcomponents.
				eld := nth(s.Field(1), d.Repetition, 1)
				e.Code = CWE{Code: d.text(eld, 4, 1), Text: d.text(eld, 4, 2), System: d.text(eld, 4, 3)}
			}
			a.Errors = append(a.Errors, e)
		}
	}
	if msa < 0 {
		return a, &ParseError{Reason: "no MSA segment"}
	}
	if !ackCodes[a.Code] {
		return a, &ParseError{Segment: msa + 1, Field: 1, Reason: "MSA-1 is not an HL7 table 0008 code"}
	}
	return a, nil
}

// BuildACK builds the acknowledgment of orig: MSH-3/4 and MSH-5/6 swapped,
// MSH-7 from now, MSH-9 ACK with orig's trigger event, MSH-10 controlID,
// MSH-11 and MSH-12 echoed, MSA-1 code and MSA-2 orig's MSH-10, in orig's
// delimiters. For an error or reject code (AE, AR, CE, CR) an ERR segment
// carries errCode in ERR-3 (table 0357; 207 application internal error when
// empty), severity E and text in ERR-8; text also goes to MSA-3 for older
// receivers. orig may be nil for input so broken that no MSH could be read:
// the ACK then has default delimiters and an empty MSA-2. text is sent to
// the peer: it must not contain PHI.
func BuildACK(orig *Message, code, errCode, text string, now time.Time, controlID string) (*Message, error) {
	if !ackCodes[code] {
		return nil, errors.New("hl7: BuildACK: code is not AA, AE, AR, CA, CE or CR")
	}
	if controlID == "" {
		return nil, errors.New("hl7: BuildACK: control id is required")
	}
	var d Delims
	var msh *Segment
	if orig != nil && len(orig.Segments) > 0 && orig.Segments[0].Name == "MSH" {
		d, msh = orig.Delims, &orig.Segments[0]
	} else {
		msh = &Segment{Name: "MSH"}
	}
	m, err := NewMessage(d)
	if err != nil {
		return nil, err
	}
	dd := &m.Delims
	proc := nth(msh.Field(11), dd.Repetition, 1)
	if proc == "" {
		proc = "P"
	}
	version := nth(msh.Field(12), dd.Repetition, 1)
	if version == "" {
		version = dd.EscapeText(Version)
	}
	trigger := nth(nth(msh.Field(9), dd.Repetition, 1), dd.Component, 2)
	// Fields copied from orig are already in wire form in the same delimiters.
	m.Segments[0].Fields = append(m.Segments[0].Fields,
		msh.Field(5), msh.Field(6), msh.Field(3), msh.Field(4),
		dd.EscapeText(FormatTime(now)), "", joinRaw(dd.Component, "ACK", trigger, "ACK"), dd.EscapeText(controlID), proc, version)
	failed := code != AckAccept && code != CommitAccept
	m.add("MSA", code, nth(msh.Field(10), dd.Repetition, 1), dd.EscapeText(text))
	if failed {
		if errCode == "" {
			errCode = ErrCodeInternal
		}
		system := ""
		if errCodeText[errCode] != "" {
			system = "HL70357"
		}
		m.add("ERR", "", "", dd.encodeCWE(CWE{Code: errCode, Text: errCodeText[errCode], System: system}),
			SeverityError, "", "", "", dd.EscapeText(text))
	}
	return m, nil
}
