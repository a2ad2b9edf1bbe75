package hl7

import (
	"strings"
	"time"
)

// ErrorLocation is ERR-2 (ERL): where in the original message an error is.
type ErrorLocation struct {
	// Segment is the segment id, e.g. "PID".
	Segment string
	// Sequence is the segment's occurrence (1 for the first PID).
	Sequence int
	// Field is the field position, e.g. 3 for PID-3.
	Field int
}

// KeyError reports a field that decides where a message goes or whose it is
// (MSH-9, MSH-10, MSH-12, placer/filler numbers, PID-3) missing or ambiguous.
// Such a message is answered Code (AR or AE) with ERR naming Location.
type KeyError struct {
	// Code is the acknowledgment code: AR for the envelope, AE for content.
	Code string
	// ErrCode is the HL7 table 0357 code for ERR-3.
	ErrCode string
	// Location is ERR-2.
	Location ErrorLocation
	// Reason is fixed text for ERR-8 and MSA-3, never message content.
	Reason string
}

// Error returns the reason with its location.
func (e *KeyError) Error() string {
	return "hl7: " + e.Location.Segment + "-" + itoa(e.Location.Field) + ": " + e.Reason
}

// CheckKeys checks, exactly, the fields that decide a message's routing:
// MSH-9 (type and trigger), MSH-10 and MSH-12 for every message, and for an
// ORU^R01 the patient (one PID, PID-3 present and not naming two medical
// record numbers from one assigning authority) and each order group's placer number (ORC-2/OBR-2 present
// and agreeing) and filler number (ORC-3/OBR-3 agreeing when both are sent).
// It returns nil when they are in order; values are never quoted.
func CheckKeys(m *Message) *KeyError {
	h := m.Header()
	ar := func(field int, code, reason string) *KeyError {
		return &KeyError{Code: AckReject, ErrCode: code, Location: ErrorLocation{Segment: "MSH", Sequence: 1, Field: field}, Reason: reason}
	}
	switch {
	case h.MessageType == "" || h.TriggerEvent == "":
		return ar(9, ErrCodeRequiredFieldMissing, "MSH-9 message type and trigger event are required")
	case h.ControlID == "":
		return ar(10, ErrCodeRequiredFieldMissing, "MSH-10 message control id is required")
	case h.Version == "":
		return ar(12, ErrCodeRequiredFieldMissing, "MSH-12 version id is required")
	case !strings.HasPrefix(h.Version, "2."):
		return ar(12, ErrCodeUnsupportedVersion, "MSH-12 is not an HL7 version 2 release")
	}
	if h.MessageType != "ORU" || h.TriggerEvent != "R01" {
		return nil
	}
	d := &m.Delims
	ae := func(seg string, seq, field int, code, reason string) *KeyError {
		return &KeyError{Code: AckError, ErrCode: code, Location: ErrorLocation{Segment: seg, Sequence: seq, Field: field}, Reason: reason}
	}
	pids := m.SegmentsNamed("PID")
	switch {
	case len(pids) == 0:
		return ae("PID", 1, 3, ErrCodeRequiredFieldMissing, "PID-3 patient identifier is required")
	case len(pids) > 1:
		return ae("PID", 2, 0, ErrCodeSegmentSequence, "more than one patient in one result message")
	}
	// Medical record numbers from different authorities are normal; two from one authority
	// make the patient ambiguous.
	mrns, ids := map[string]string{}, 0
	for _, r := range splitReps(pids[0].Field(3), d) {
		c := d.cx(r)
		if c.ID == "" {
			continue
		}
		ids++
		if c.TypeCode == "MR" {
			if prev, ok := mrns[c.AssigningAuthority]; ok && prev != c.ID {
				return ae("PID", 1, 3, ErrCodeDuplicateKey, "PID-3 names two medical record numbers from one authority")
			}
			mrns[c.AssigningAuthority] = c.ID
		}
	}
	if ids == 0 {
		return ae("PID", 1, 3, ErrCodeRequiredFieldMissing, "PID-3 patient identifier is required")
	}
	var orc *Segment
	orcSeq, obrSeq := 0, 0
	for i := range m.Segments {
		s := &m.Segments[i]
		switch s.Name {
		case "ORC":
			orc = s
			orcSeq++
		case "OBR":
			obrSeq++
			obrPlacer, obrFiller := d.comp(s.Field(2), 1), d.comp(s.Field(3), 1)
			orcPlacer, orcFiller := "", ""
			if orc != nil {
				orcPlacer, orcFiller = d.comp(orc.Field(2), 1), d.comp(orc.Field(3), 1)
			}
			switch {
			case obrPlacer == "" && orcPlacer == "":
				return ae("OBR", obrSeq, 2, ErrCodeRequiredFieldMissing, "OBR-2/ORC-2 placer order number is required")
			case obrPlacer != "" && orcPlacer != "" && obrPlacer != orcPlacer:
				return ae("ORC", orcSeq, 2, ErrCodeDuplicateKey, "ORC-2 and OBR-2 name different placer order numbers")
			case obrFiller != "" && orcFiller != "" && obrFiller != orcFiller:
				return ae("ORC", orcSeq, 3, ErrCodeDuplicateKey, "ORC-3 and OBR-3 name different filler order numbers")
			}
			orc = nil
		}
	}
	return nil
}

// BuildACKAt is BuildACK with ERR-2 set to loc, so the sender learns which
// segment and field made the message fail.
func BuildACKAt(orig *Message, code, errCode, text string, now time.Time, controlID string, loc ErrorLocation) (*Message, error) {
	m, err := BuildACK(orig, code, errCode, text, now, controlID)
	if err != nil || loc.Segment == "" {
		return m, err
	}
	d := &m.Delims
	seq, field := "", ""
	if loc.Sequence > 0 {
		seq = itoa(loc.Sequence)
	}
	if loc.Field > 0 {
		field = itoa(loc.Field)
	}
	erl := d.join(d.Component, d.EscapeText(loc.Segment), seq, field)
	for i := range m.Segments {
		s := &m.Segments[i]
		if s.Name != "ERR" {
			continue
		}
		for len(s.Fields) < 2 {
			s.Fields = append(s.Fields, "")
		}
		s.Fields = append([]string(nil), s.Fields...)
		s.Fields[1] = erl
	}
	return m, nil
}
