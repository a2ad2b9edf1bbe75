package chsim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// IK502 syntax error codes the simulator reports in a 999 rejection.
const (
	ik5NotSupported    = "1" // transaction set not supported
	ik5TrailerMissing  = "2" // transaction set trailer missing
	ik5ControlMismatch = "3" // control numbers in header and trailer differ
	ik5CountMismatch   = "4" // number of included segments does not match
	ik5SegmentErrors   = "5" // one or more segments in error
)

// delims are an interchange's separators, as declared in its ISA.
type delims struct {
	elem, comp, rep, seg byte
}

// segment is one X12 segment split into elements; el(0) is the segment ID.
type segment []string

// el returns element i, or "" when the segment is shorter.
func (s segment) el(i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// inquiry is what the simulator needs from a 270: enough to route it to a
// scenario and to answer with a 271 that echoes it.
type inquiry struct {
	d   delims
	isa segment // ISA00..ISA16, with ISA00 = "ISA"
	gs  segment
	st  segment
	bht segment
	// payer, provider and subscriber are the NM1 segments of loops 2100A,
	// 2100B and 2100C, echoed into the 271.
	payer, provider, subscriber segment
	dmg                         segment
	traces                      []segment // TRN segments of the subscriber loop (2000C)
	depTraces                   []segment // TRN segments of the dependent loop (2000D)
	memberID                    string    // NM109 of NM1*IL
	// dependent, depDMG and depINS are loop 2100D's NM1*03, DMG and INS when the patient
	// is a dependent (HL03 23).
	dependent, depDMG, depINS segment
	// raw is the 270 payload as received.
	raw []byte
}

// x12Error is a 270 the simulator cannot answer with a 271; it becomes a
// 999 rejection (or, without a usable ISA, a 999 with placeholder ids).
type x12Error struct {
	ik5 string // IK502 code
	msg string // simulator-written reason, never payload text
}

func (e *x12Error) Error() string { return "chsim: 270 rejected: " + e.msg }

// read270 reads a 270 interchange with a single transaction set. It checks
// the envelope (ISA/GS/ST/SE/GE/IEA control numbers and the SE segment
// count) the way a clearinghouse's front end would, and tolerates any
// delimiters declared in the ISA and line breaks between segments. On error
// the returned inquiry holds whatever envelope was read, for the 999.
func read270(p []byte) (*inquiry, *x12Error) {
	q := &inquiry{raw: append([]byte(nil), p...)}
	p = bytes.TrimLeft(p, " \t\r\n")
	if err := q.readISA(p); err != nil {
		return q, err
	}
	segs := splitSegments(string(p), q.d)
	stAt, seAt := -1, -1
	var ge, iea segment
	for i, s := range segs {
		switch s.el(0) {
		case "GS":
			q.gs = s
		case "ST":
			if stAt >= 0 {
				return q, &x12Error{ik5SegmentErrors, "more than one transaction set"}
			}
			stAt, q.st = i, s
		case "SE":
			seAt = i
		case "GE":
			ge = s
		case "IEA":
			iea = s
		}
	}
	switch {
	case q.gs == nil || q.st == nil:
		return q, &x12Error{ik5SegmentErrors, "GS or ST segment missing"}
	case q.st.el(1) != "270":
		return q, &x12Error{ik5NotSupported, "transaction set is not a 270"}
	case seAt < stAt || ge == nil || iea == nil:
		return q, &x12Error{ik5TrailerMissing, "SE, GE or IEA trailer missing"}
	case segs[seAt].el(2) != q.st.el(2) || ge.el(2) != q.gs.el(6) ||
		strings.TrimSpace(iea.el(2)) != strings.TrimSpace(q.isa.el(13)):
		return q, &x12Error{ik5ControlMismatch, "control numbers in header and trailer differ"}
	}
	if n, err := strconv.Atoi(segs[seAt].el(1)); err != nil || n != seAt-stAt+1 {
		return q, &x12Error{ik5CountMismatch, fmt.Sprintf("SE01 does not match the %d segments", seAt-stAt+1)}
	}
	q.readBody(segs[stAt+1 : seAt])
	if q.subscriber == nil {
		return q, &x12Error{ik5SegmentErrors, "subscriber NM1*IL missing"}
	}
	return q, nil
}

// readISA finds the delimiters from the ISA: the element separator follows
// "ISA", the component separator is ISA16 and the segment terminator the
// character after it. Counting separators instead of fixed offsets also
// accepts ISAs whose fields were not padded.
func (q *inquiry) readISA(p []byte) *x12Error {
	if len(p) < 4 || string(p[:3]) != "ISA" {
		return &x12Error{ik5SegmentErrors, "interchange does not start with ISA"}
	}
	d := delims{elem: p[3]}
	seen, i := 0, 3
	for ; i < len(p) && seen < 16; i++ {
		if p[i] == d.elem {
			seen++
		}
	}
	if seen < 16 || i+1 >= len(p) {
		return &x12Error{ik5SegmentErrors, "ISA segment is incomplete"}
	}
	d.comp, d.seg = p[i], p[i+1]
	q.isa = strings.Split(string(p[:i+1]), string(d.elem))
	if rep := q.isa.el(11); q.isa.el(12) >= "00501" && len(rep) == 1 {
		d.rep = rep[0]
	}
	if d.elem == d.comp || d.elem == d.seg || d.comp == d.seg || isAlnum(d.elem) || isAlnum(d.seg) {
		return &x12Error{ik5SegmentErrors, "ISA declares unusable delimiters"}
	}
	q.d = d
	return nil
}

// readBody picks the loops' segments out of ST..SE (exclusive).
func (q *inquiry) readBody(body []segment) {
	inSubscriber, inDependent := false, false
	for _, s := range body {
		switch s.el(0) {
		case "BHT":
			q.bht = s
		case "HL":
			// HL03 22 opens the subscriber loop; 23 opens the dependent loop.
			inSubscriber, inDependent = s.el(3) == "22", s.el(3) == "23"
		case "INS":
			if inDependent {
				q.depINS = s
			}
		case "NM1":
			switch s.el(1) {
			case "PR":
				q.payer = s
			case "1P", "FA", "80", "2B", "36", "GP", "P5":
				q.provider = s
			case "IL":
				q.subscriber = s
				q.memberID = strings.TrimSpace(s.el(9))
			case "03":
				if inDependent {
					q.dependent = s
				}
			}
		case "TRN":
			if inSubscriber {
				q.traces = append(q.traces, s)
			}
			if inDependent {
				q.depTraces = append(q.depTraces, s)
			}
		case "DMG":
			if inSubscriber {
				q.dmg = s
			}
			if inDependent {
				q.depDMG = s
			}
		}
	}
}

// splitSegments splits an interchange into segments, dropping the line
// breaks some senders put after each terminator.
func splitSegments(p string, d delims) []segment {
	var out []segment
	for raw := range strings.SplitSeq(p, string(d.seg)) {
		raw = strings.Trim(raw, " \t\r\n")
		if raw == "" {
			continue
		}
		out = append(out, strings.Split(raw, string(d.elem)))
	}
	return out
}

// isAlnum reports whether b is an ASCII letter or digit, which X12 data
// uses and so cannot be a delimiter.
func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
