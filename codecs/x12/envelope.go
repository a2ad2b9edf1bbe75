package x12

import (
	"strconv"
	"strings"
	"time"
)

// Envelope is the interchange (ISA/IEA) and functional group (GS/GE) framing
// around a transaction set.
type Envelope struct {
	// SenderQualifier and SenderID are ISA05/ISA06 (e.g. "ZZ", the
	// submitter id the clearinghouse assigned).
	SenderQualifier, SenderID string
	// ReceiverQualifier and ReceiverID are ISA07/ISA08.
	ReceiverQualifier, ReceiverID string
	// ApplicationSender and ApplicationReceiver are GS02/GS03; Build270 uses
	// SenderID and ReceiverID when they are empty.
	ApplicationSender, ApplicationReceiver string
	// ControlNumber (1..999999999) becomes ISA13/IEA02, GS06/GE02 and, zero
	// padded to four digits, ST02/SE02. Parsers report ISA13.
	ControlNumber int64
	// Date is the interchange date and time (ISA09/ISA10, GS04/GS05),
	// written in its own location; parsers return it in UTC.
	Date time.Time
	// Usage is ISA15: 'P' production or 'T' test.
	Usage byte
	// AckRequested sets ISA14 to 1 (a TA1 interchange acknowledgment).
	AckRequested bool
	// Delimiters frame the interchange; the zero value means * : ^ ~.
	Delimiters Delimiters
}

// maxControlNumber is the largest value that fits the nine-digit ISA13.
const maxControlNumber = 999999999

// transactionSet is one ST..SE run of segments, both ends included.
type transactionSet struct {
	segs []Segment
}

// interchange is the validated envelope of a parsed document.
type interchange struct {
	env  Envelope
	sets []transactionSet
	// group holds GS01 of the (single) functional group.
	group string
}

// readInterchange checks the envelope structure of a split document: one ISA,
// one or more GS..GE groups of ST..SE sets, one IEA; matching control numbers
// (ISA13=IEA02, GS06=GE02, ST02=SE02) and counts (IEA01, GE01, SE01); every
// ST01 equal to setID.
func readInterchange(d Delimiters, segs []Segment, setID string) (*interchange, error) {
	isa := &segs[0]
	if isa.ID != "ISA" {
		return nil, segErr(isa, 0, "interchange does not start with an ISA segment")
	}
	if isa.Len() != 16 {
		return nil, segErr(isa, 0, "ISA must have 16 elements")
	}
	ic := &interchange{}
	ic.env.Delimiters = d
	ic.env.SenderQualifier = strings.TrimSpace(isa.Element(5))
	ic.env.SenderID = strings.TrimSpace(isa.Element(6))
	ic.env.ReceiverQualifier = strings.TrimSpace(isa.Element(7))
	ic.env.ReceiverID = strings.TrimSpace(isa.Element(8))
	ctl, ok := parseControl(isa.Element(13))
	if !ok {
		return nil, segErr(isa, 13, "interchange control number is not 1 to 9 digits")
	}
	ic.env.ControlNumber = ctl
	if u := isa.Element(15); len(u) == 1 && (u[0] == 'P' || u[0] == 'T') {
		ic.env.Usage = u[0]
	} else {
		return nil, segErr(isa, 15, "usage indicator is not P or T")
	}
	ic.env.AckRequested = isa.Element(14) == "1"
	date, err := time.Parse("060102 1504", isa.Element(9)+" "+isa.Element(10))
	if err != nil {
		return nil, segErr(isa, 9, "invalid interchange date or time")
	}
	ic.env.Date = date

	groups := 0
	var gs *Segment
	var st *Segment
	stAt := 0
	setsInGroup := 0
	for i := 1; i < len(segs); i++ {
		s := &segs[i]
		switch s.ID {
		case "ISA":
			return nil, segErr(s, 0, "more than one interchange is not supported")
		case "GS":
			if gs != nil || st != nil {
				return nil, segErr(s, 0, "GS inside an open functional group")
			}
			if _, ok := parseControl(s.Element(6)); !ok {
				return nil, segErr(s, 6, "group control number is not 1 to 9 digits")
			}
			gs, setsInGroup = s, 0
			groups++
			if groups == 1 {
				ic.group = s.Element(1)
				ic.env.ApplicationSender = s.Element(2)
				ic.env.ApplicationReceiver = s.Element(3)
				// GS04 carries the century, so it is preferred to ISA09.
				if t, err := time.Parse("20060102 1504", s.Element(4)+" "+hhmm(s.Element(5))); err == nil {
					ic.env.Date = t
				}
			}
		case "ST":
			if gs == nil || st != nil {
				return nil, segErr(s, 0, "ST outside a functional group or inside an open transaction set")
			}
			if s.Element(1) != setID {
				return nil, segErr(s, 1, "unexpected transaction set identifier")
			}
			if n := len(s.Element(2)); n < 4 || n > 9 {
				return nil, segErr(s, 2, "transaction set control number is not 4 to 9 characters")
			}
			st, stAt = s, i
		case "SE":
			if st == nil {
				return nil, segErr(s, 0, "SE without ST")
			}
			if n, err := strconv.Atoi(s.Element(1)); err != nil || n != i-stAt+1 {
				return nil, segErr(s, 1, "segment count does not match the transaction set")
			}
			if s.Element(2) != st.Element(2) {
				return nil, segErr(s, 2, "control number does not match ST02")
			}
			ic.sets = append(ic.sets, transactionSet{segs: segs[stAt : i+1]})
			st = nil
			setsInGroup++
		case "GE":
			if gs == nil || st != nil {
				return nil, segErr(s, 0, "GE without GS or inside an open transaction set")
			}
			if n, err := strconv.Atoi(s.Element(1)); err != nil || n != setsInGroup {
				return nil, segErr(s, 1, "transaction set count does not match the group")
			}
			if !sameControl(s.Element(2), gs.Element(6)) {
				return nil, segErr(s, 2, "control number does not match GS06")
			}
			gs = nil
		case "IEA":
			if gs != nil || st != nil {
				return nil, segErr(s, 0, "IEA inside an open functional group")
			}
			if n, err := strconv.Atoi(s.Element(1)); err != nil || n != groups {
				return nil, segErr(s, 1, "functional group count does not match the interchange")
			}
			if !sameControl(s.Element(2), isa.Element(13)) {
				return nil, segErr(s, 2, "control number does not match ISA13")
			}
			if i != len(segs)-1 {
				return nil, &ParseError{Segment: s.Index + 1, SegmentID: safeID(segs[i+1].ID), Reason: "segment after IEA"}
			}
			if len(ic.sets) == 0 {
				return nil, segErr(s, 0, "interchange holds no transaction set")
			}
			return ic, nil
		default:
			if st == nil {
				return nil, segErr(s, 0, "segment outside a transaction set")
			}
		}
	}
	return nil, segErr(&segs[len(segs)-1], 0, "interchange has no IEA trailer")
}

// parseControl parses a 1-9 digit control number.
func parseControl(s string) (int64, bool) {
	if len(s) < 1 || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	return n, true
}

// sameControl compares control numbers by value, since ISA13 is zero padded
// while IEA02, GS06 and GE02 often are not.
func sameControl(a, b string) bool {
	x, ok1 := parseControl(a)
	y, ok2 := parseControl(b)
	return ok1 && ok2 && x == y
}

// hhmm keeps the hours and minutes of a GS05 time, which may also carry
// seconds (HHMMSS or HHMMSSD..).
func hhmm(t string) string {
	if len(t) > 4 {
		return t[:4]
	}
	return t
}
