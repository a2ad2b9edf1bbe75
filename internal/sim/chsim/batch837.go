package chsim

import (
	"bytes"
	"strconv"
	"strings"
)

// submittedClaim is what the simulator needs from one 837P transaction set
// to acknowledge and adjudicate it.
type submittedClaim struct {
	setControl  string // ST02
	clmPosition int    // position of CLM in the set (ST is 1), for IK3
	pcn         string // CLM01
	charge      int64  // CLM02 in cents
	place       string // CLM05-1
	frequency   string // CLM05-3
	payerName   string
	payerID     string
	billingName string
	billingNPI  string
	// subscriber is NM1*IL; patient is NM1*QC when the patient is a dependent.
	subscriber, patient segment
	lines               []submittedLine
}

// submittedLine is one SV1 with its service date and line control number.
type submittedLine struct {
	procedure string // SV101 as sent, component separators included
	charge    int64
	units     string
	date      string // DTP*472 D8 (or the start of RD8)
	control   string // REF*6R
}

// submission is a parsed 837P interchange.
type submission struct {
	d          delims
	isa, gs    segment
	bht03      string
	submitter  segment // NM1*41
	claims     []submittedClaim
	setsBroken []string // ST02 of sets whose trailer does not match
}

// read837 reads an 837P interchange leniently: enough to route every claim
// to its scenario. It returns nil when there is no usable ISA/GS.
func read837(p []byte) *submission {
	p = bytes.TrimLeft(p, " \t\r\n")
	q := &inquiry{}
	if q.readISA(p) != nil {
		return nil
	}
	sub := &submission{d: q.d, isa: q.isa}
	var cur *submittedClaim
	var line *submittedLine
	pos := 0
	for _, s := range splitSegments(string(p), q.d) {
		pos++
		switch s.el(0) {
		case "GS":
			sub.gs = s
		case "ST":
			pos = 1
			sub.claims = append(sub.claims, submittedClaim{setControl: s.el(2)})
			cur, line = &sub.claims[len(sub.claims)-1], nil
		case "SE":
			if cur != nil && (s.el(2) != cur.setControl || s.el(1) != strconv.Itoa(pos)) {
				sub.setsBroken = append(sub.setsBroken, cur.setControl)
			}
			cur, line = nil, nil
		case "BHT":
			sub.bht03 = s.el(3)
		}
		if cur == nil {
			continue
		}
		switch s.el(0) {
		case "NM1":
			switch s.el(1) {
			case "41":
				sub.submitter = s
			case "85":
				cur.billingName, cur.billingNPI = s.el(3), s.el(9)
			case "IL":
				cur.subscriber = s
			case "QC":
				cur.patient = s
			case "PR":
				cur.payerName, cur.payerID = s.el(3), s.el(9)
			}
		case "CLM":
			cur.clmPosition = pos
			cur.pcn = s.el(1)
			cur.charge = cents(s.el(2))
			parts := strings.Split(s.el(5), string(sub.d.comp))
			cur.place = parts[0]
			if len(parts) > 2 {
				cur.frequency = parts[2]
			}
		case "SV1":
			cur.lines = append(cur.lines, submittedLine{procedure: s.el(1), charge: cents(s.el(2)), units: s.el(4)})
			line = &cur.lines[len(cur.lines)-1]
		case "DTP":
			if line != nil && s.el(1) == "472" {
				line.date, _, _ = strings.Cut(s.el(3), "-")
			}
		case "REF":
			if line != nil && s.el(1) == "6R" {
				line.control = s.el(2)
			}
		}
	}
	if sub.gs == nil {
		return nil
	}
	return sub
}

// cents reads an X12 decimal amount; unreadable amounts count as zero.
func cents(s string) int64 {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac = (frac + "00")[:2]
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if neg {
		v = -v
	}
	return v
}

// money formats cents as an X12 decimal with no trailing zeros.
func money(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	s := strconv.FormatInt(c/100, 10)
	if r := c % 100; r != 0 {
		f := strconv.FormatInt(r+100, 10)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}
