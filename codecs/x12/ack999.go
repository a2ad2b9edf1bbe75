package x12

import "strconv"

// Version999 is the implementation guide of the 999 acknowledgment.
const Version999 = "005010X231A1"

// AckCode is a coded error in a 999 with its standard text.
type AckCode struct {
	Code    string
	Meaning string
}

// ElementError is one IK4 segment: an error in one element of a segment.
// IK404 (a copy of the bad data) is deliberately not kept: it may be PHI.
type ElementError struct {
	// Position, Component and Repetition are IK401's parts (1-based; 0 when
	// absent).
	Position, Component, Repetition int
	// Reference is IK402, the data element reference number.
	Reference string
	// Code and Meaning are IK403, e.g. "7" Invalid Code Value.
	Code, Meaning string
}

// SegmentError is one IK3 segment with its IK4 element errors.
type SegmentError struct {
	// SegmentID is IK301, the tag of the segment in error.
	SegmentID string
	// Position is IK302, the segment's position in the transaction set
	// (ST is 1).
	Position int
	// Loop is IK303, the loop id ("2100C"), when sent.
	Loop string
	// Code and Meaning are IK304, e.g. "8" Segment Has Data Element Errors.
	Code, Meaning string
	// ElementErrors are the IK4 segments that followed.
	ElementErrors []ElementError
}

// SetResponse is one AK2..IK5 loop: the verdict on one transaction set.
type SetResponse struct {
	// SetID, ControlNumber and Version are AK201-AK203 (e.g. "270",
	// "0001", "005010X279A1").
	SetID, ControlNumber, Version string
	// Status is IK501: A accepted, E accepted with errors noted, R rejected,
	// M, W or X rejected for security reasons.
	Status string
	// Accepted is true for status A or E.
	Accepted bool
	// Errors are IK502-IK506.
	Errors []AckCode
	// SegmentErrors are the IK3 segment errors.
	SegmentErrors []SegmentError
}

// Acknowledgment is the content of a 999 implementation acknowledgment.
type Acknowledgment struct {
	// Envelope is the 999's own interchange and group framing.
	Envelope Envelope
	// FunctionalID, GroupControlNumber and Version are AK101-AK103: the
	// acknowledged group (e.g. "HS", its GS06, "005010X279A1").
	FunctionalID       string
	GroupControlNumber int64
	Version            string
	// Status is AK901: A accepted, E accepted with errors, P partially
	// accepted, R rejected (M, W, X: rejected for security reasons).
	Status string
	// Accepted is true when the whole group was accepted (status A or E).
	Accepted bool
	// IncludedSets, ReceivedSets and AcceptedSets are AK902-AK904.
	IncludedSets, ReceivedSets, AcceptedSets int
	// Errors are AK905-AK909, the functional group errors.
	Errors []AckCode
	// SetResponses are the AK2 loops, one per acknowledged transaction set (a
	// sender may omit them for accepted sets).
	SetResponses []SetResponse
}

// Parse999 parses a 999 acknowledgment interchange: its envelope, the AK1
// group header, each AK2/IK3/IK4/IK5 set response and the AK9 group
// verdict. Malformed input yields a *ParseError.
func Parse999(data []byte) (*Acknowledgment, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	ic, err := readInterchange(d, segs, "999")
	if err != nil {
		return nil, err
	}
	if len(ic.sets) != 1 {
		return nil, segErr(&ic.sets[1].segs[0], 0, "more than one transaction set is not supported")
	}
	set := ic.sets[0].segs
	ack := &Acknowledgment{Envelope: ic.env}
	body := set[1 : len(set)-1]
	if len(body) < 2 || body[0].ID != "AK1" {
		return nil, segErr(&set[0], 0, "AK1 must follow ST")
	}
	if err := ack.ak1(&body[0]); err != nil {
		return nil, err
	}
	if last := &body[len(body)-1]; last.ID != "AK9" {
		return nil, segErr(last, 0, "AK9 must precede SE")
	}
	var open *SetResponse // the AK2 loop awaiting its IK5
	for i := 1; i < len(body); i++ {
		s := &body[i]
		var err error
		switch s.ID {
		case "AK2":
			if open != nil {
				return nil, segErr(s, 0, "AK2 before the previous set's IK5")
			}
			ack.SetResponses = append(ack.SetResponses, SetResponse{SetID: s.Element(1), ControlNumber: s.Element(2), Version: s.Element(3)})
			open = &ack.SetResponses[len(ack.SetResponses)-1]
			if open.SetID == "" || open.ControlNumber == "" {
				return nil, segErr(s, 1, "transaction set identifier or control number is missing")
			}
		case "IK3":
			if open == nil {
				return nil, segErr(s, 0, "IK3 outside an AK2 loop")
			}
			err = open.ik3(s)
		case "IK4":
			if open == nil || len(open.SegmentErrors) == 0 {
				return nil, segErr(s, 0, "IK4 without IK3")
			}
			err = open.ik4(s)
		case "IK5":
			if open == nil {
				return nil, segErr(s, 0, "IK5 without AK2")
			}
			err = open.ik5(s)
			open = nil
		case "AK9":
			if open != nil {
				return nil, segErr(s, 0, "AK9 before the last set's IK5")
			}
			if i != len(body)-1 {
				return nil, segErr(s, 0, "AK9 must be the last segment before SE")
			}
			err = ack.ak9(s)
		case "CTX":
			// Context of an error (business unit or segment position); it
			// may copy data values, so it is not kept.
		default:
			return nil, segErr(s, 0, "unexpected segment in a 999")
		}
		if err != nil {
			return nil, err
		}
	}
	return ack, nil
}

func (a *Acknowledgment) ak1(s *Segment) error {
	a.FunctionalID, a.Version = s.Element(1), s.Element(3)
	if a.FunctionalID == "" {
		return segErr(s, 1, "functional identifier code is missing")
	}
	n, ok := parseControl(s.Element(2))
	if !ok {
		return segErr(s, 2, "group control number is not 1 to 9 digits")
	}
	a.GroupControlNumber = n
	return nil
}

func (a *Acknowledgment) ak9(s *Segment) error {
	a.Status = s.Element(1)
	if !knownAckStatus(a.Status, true) {
		return segErr(s, 1, "unknown functional group acknowledge code")
	}
	a.Accepted = a.Status == "A" || a.Status == "E"
	counts := [3]*int{&a.IncludedSets, &a.ReceivedSets, &a.AcceptedSets}
	for i, c := range counts {
		n, err := strconv.Atoi(s.Element(i + 2))
		if err != nil || n < 0 {
			return segErr(s, i+2, "transaction set count is not a number")
		}
		*c = n
	}
	a.Errors = ackCodes(s, 5, 9, groupErrors)
	return nil
}

func (r *SetResponse) ik3(s *Segment) error {
	pos, err := strconv.Atoi(s.Element(2))
	if err != nil || pos < 1 {
		return segErr(s, 2, "segment position is not a positive number")
	}
	if s.Element(1) == "" {
		return segErr(s, 1, "segment identifier is missing")
	}
	code := s.Element(4)
	if code == "" {
		return segErr(s, 4, "segment syntax error code is missing")
	}
	r.SegmentErrors = append(r.SegmentErrors, SegmentError{
		SegmentID: s.Element(1), Position: pos, Loop: s.Element(3),
		Code: code, Meaning: segmentErrors[code],
	})
	return nil
}

func (r *SetResponse) ik4(s *Segment) error {
	var parts [3]int
	for i := range parts {
		v := s.Component(1, i+1)
		if v == "" {
			if i == 0 {
				return segErr(s, 1, "element position is missing")
			}
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return segErr(s, 1, "element position is not a positive number")
		}
		parts[i] = n
	}
	code := s.Element(3)
	if code == "" {
		return segErr(s, 3, "element syntax error code is missing")
	}
	seg := &r.SegmentErrors[len(r.SegmentErrors)-1]
	seg.ElementErrors = append(seg.ElementErrors, ElementError{
		Position: parts[0], Component: parts[1], Repetition: parts[2],
		Reference: s.Element(2), Code: code, Meaning: elementErrors[code],
	})
	return nil
}

func (r *SetResponse) ik5(s *Segment) error {
	r.Status = s.Element(1)
	if !knownAckStatus(r.Status, false) {
		return segErr(s, 1, "unknown transaction set acknowledgment code")
	}
	r.Accepted = r.Status == "A" || r.Status == "E"
	r.Errors = ackCodes(s, 2, 6, setErrors)
	return nil
}

// knownAckStatus accepts the IK501 codes, plus P (partially accepted) for
// AK901.
func knownAckStatus(code string, group bool) bool {
	switch code {
	case "A", "E", "M", "R", "W", "X":
		return true
	case "P":
		return group
	}
	return false
}

// ackCodes collects the non-empty coded elements from..to of s.
func ackCodes(s *Segment, from, to int, meanings map[string]string) []AckCode {
	var out []AckCode
	for i := from; i <= to; i++ {
		if c := s.Element(i); c != "" {
			out = append(out, AckCode{Code: c, Meaning: meanings[c]})
		}
	}
	return out
}
