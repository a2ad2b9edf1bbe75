package x12

import (
	"strings"
	"time"
)

// Loop depth inside one hierarchical level.
const (
	sub2000 = iota // the HL's own segments (TRN, AAA of 2000A)
	sub2100        // from NM1: name, REF, DMG, DTP, AAA
	sub2110        // from EB: benefit details, MSG, AAA
	sub2120        // between LS and LE: benefit related entity
)

// Parse271 parses a 271 eligibility response interchange. It checks the
// envelope (control numbers, counts), the HL hierarchy and every value it
// maps, and ignores segments it does not map (PER, N3, N4, PRV, HSD, III...).
// An interchange must hold exactly one 271 with at most one subscriber and one
// dependent loop, which is what real-time (CAQH CORE) exchanges carry.
// Malformed input yields a *ParseError.
func Parse271(data []byte) (*EligibilityResponse, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	ic, err := readInterchange(d, segs, "271")
	if err != nil {
		return nil, err
	}
	if len(ic.sets) != 1 {
		s := &ic.sets[1].segs[0]
		return nil, segErr(s, 0, "more than one transaction set is not supported")
	}
	p := parser271{resp: &EligibilityResponse{Envelope: ic.env}, cur: -1}
	set := ic.sets[0].segs
	body := set[1 : len(set)-1]
	if len(body) == 0 || body[0].ID != "BHT" {
		return nil, segErr(&set[0], 0, "BHT must follow ST")
	}
	// Sizing Benefits up front avoids regrowing a slice of large structs,
	// the parser's biggest allocation.
	nEB := 0
	for i := range body {
		if body[i].ID == "EB" {
			nEB++
		}
	}
	if nEB > 0 {
		p.resp.Benefits = make([]Benefit, 0, nEB)
	}
	for i := 1; i < len(body); i++ {
		if err := p.segment(&body[i]); err != nil {
			return nil, err
		}
	}
	p.finish()
	return p.resp, nil
}

// parser271 is the loop state while walking a 271.
type parser271 struct {
	resp  *EligibilityResponse
	h     hierarchy
	level string // HL03 of the current level, "" before the first HL
	sub   int    // depth inside the level (sub2000...)
	cur   int    // index of the current benefit in resp.Benefits, -1 if none
	seen  [4]bool
	// planRef is REF03 of REF*18, the plan name when no EB05 gives one.
	planRef string
	// names records which 2100 loops already had their NM1, so a repeated
	// NM1 (not allowed) cannot overwrite the first.
	names [4]bool
}

// levelIndex maps a level code to 0..3 for the seen and names arrays.
func levelIndex(level string) int {
	return int(level[1] - '0')
}

// segment applies one segment between BHT and SE.
func (p *parser271) segment(s *Segment) error {
	if s.ID == "HL" {
		return p.enterLevel(s)
	}
	if p.level == "" {
		return segErr(s, 0, "segment before the first HL")
	}
	switch s.ID {
	case "TRN":
		return p.trn(s)
	case "NM1":
		return p.nm1(s)
	case "REF":
		p.ref(s)
	case "DMG":
		return p.dmg(s)
	case "INS":
		if p.level == levelDependent && p.sub == sub2100 && p.resp.Dependent != nil {
			p.resp.Dependent.Relationship = s.Element(2)
		}
	case "DTP":
		return p.dtp(s)
	case "AAA":
		return p.aaa(s)
	case "EB":
		return p.eb(s)
	case "MSG":
		if p.sub == sub2110 && p.cur >= 0 {
			b := &p.resp.Benefits[p.cur]
			b.Messages = append(b.Messages, s.Element(1))
		}
	case "LS":
		if p.sub != sub2110 {
			return segErr(s, 0, "LS outside a benefit loop")
		}
		p.sub = sub2120
	case "LE":
		if p.sub != sub2120 {
			return segErr(s, 0, "LE without LS")
		}
		p.sub = sub2110
	}
	return nil
}

// enterLevel starts a new 2000 loop.
func (p *parser271) enterLevel(s *Segment) error {
	if p.sub == sub2120 {
		return segErr(s, 0, "HL inside an open LS/LE loop")
	}
	level, err := p.h.enter(s)
	if err != nil {
		return err
	}
	i := levelIndex(level)
	if p.seen[i] {
		return segErr(s, 3, "repeated hierarchical level is not supported")
	}
	p.seen[i] = true
	p.level, p.sub, p.cur = level, sub2000, -1
	if level == levelDependent {
		p.resp.Dependent = &Dependent{}
	}
	return nil
}

// loop names the loop the parser is in, e.g. "2100C".
func (p *parser271) loop() string {
	prefix := [...]string{"2000", "2100", "2110", "2120"}[p.sub]
	return prefix + loopSuffix(p.level)
}

func (p *parser271) trn(s *Segment) error {
	if p.level != levelSubscriber && p.level != levelDependent {
		return nil
	}
	if s.Element(2) == "" {
		return segErr(s, 2, "trace number is missing")
	}
	switch s.Element(1) {
	case "2":
		// The 270's trace echoed back; the first one wins when both the
		// subscriber and dependent loops carry it.
		if p.resp.TraceNumber == "" {
			p.resp.TraceNumber, p.resp.TraceOriginator = s.Element(2), s.Element(3)
		}
	case "1":
		if p.resp.PayerTraceNumber == "" {
			p.resp.PayerTraceNumber = s.Element(2)
		}
	default:
		return segErr(s, 1, "unknown trace type code")
	}
	return nil
}

func (p *parser271) nm1(s *Segment) error {
	if p.sub >= sub2110 {
		// NM1 in 2120 names a benefit-related entity (PCP, other payer);
		// it is not mapped.
		return nil
	}
	p.sub = sub2100
	i := levelIndex(p.level)
	if p.names[i] {
		return segErr(s, 0, "repeated NM1 in one name loop")
	}
	p.names[i] = true
	r := p.resp
	switch p.level {
	case levelSource:
		r.PayerName, r.PayerID = s.Element(3), s.Element(9)
	case levelReceiver:
		if s.Element(2) == "1" {
			r.Provider.LastName, r.Provider.FirstName = s.Element(3), s.Element(4)
		} else {
			r.Provider.OrganizationName = s.Element(3)
		}
		if s.Element(8) == "XX" {
			r.Provider.NPI = s.Element(9)
		}
	case levelSubscriber:
		r.Subscriber.LastName, r.Subscriber.FirstName = s.Element(3), s.Element(4)
		r.Subscriber.MemberID = s.Element(9)
	case levelDependent:
		r.Dependent.LastName, r.Dependent.FirstName = s.Element(3), s.Element(4)
	}
	return nil
}

func (p *parser271) ref(s *Segment) {
	if p.sub != sub2100 || p.level != levelSubscriber && p.level != levelDependent {
		return
	}
	switch s.Element(1) {
	case "6P", "1L":
		if p.resp.Subscriber.GroupNumber == "" {
			p.resp.Subscriber.GroupNumber = s.Element(2)
		}
	case "18":
		if p.resp.PlanNumber == "" {
			p.resp.PlanNumber, p.planRef = s.Element(2), s.Element(3)
		}
	}
}

func (p *parser271) dmg(s *Segment) error {
	if p.sub != sub2100 || p.level != levelSubscriber && p.level != levelDependent {
		return nil
	}
	var dob time.Time
	if v := s.Element(2); v != "" {
		if s.Element(1) != "D8" {
			return segErr(s, 1, "date format qualifier is not D8")
		}
		t, ok := parseD8(v)
		if !ok {
			return segErr(s, 2, "invalid birth date")
		}
		dob = t
	}
	gender := s.Element(3)
	if p.level == levelDependent {
		p.resp.Dependent.BirthDate, p.resp.Dependent.Gender = dob, gender
	} else {
		p.resp.Subscriber.BirthDate, p.resp.Subscriber.Gender = dob, gender
	}
	return nil
}

func (p *parser271) dtp(s *Segment) error {
	if p.level != levelSubscriber && p.level != levelDependent || p.sub == sub2000 || p.sub == sub2120 {
		return nil
	}
	dr, err := parseDTP(s)
	if err != nil {
		return err
	}
	if p.sub == sub2110 && p.cur >= 0 {
		b := &p.resp.Benefits[p.cur]
		b.Dates = append(b.Dates, dr)
	} else {
		p.resp.Dates = append(p.resp.Dates, dr)
	}
	return nil
}

func (p *parser271) aaa(s *Segment) error {
	var valid bool
	switch s.Element(1) {
	case "Y":
		valid = true
	case "N":
	default:
		return segErr(s, 1, "valid request indicator is not Y or N")
	}
	code := s.Element(3)
	if code == "" {
		return segErr(s, 3, "reject reason code is missing")
	}
	p.resp.Rejections = append(p.resp.Rejections, Rejection{
		Loop:     p.loop(),
		Valid:    valid,
		Code:     code,
		Meaning:  RejectReason(code),
		FollowUp: s.Element(4),
	})
	return nil
}

func (p *parser271) eb(s *Segment) error {
	if p.level != levelSubscriber && p.level != levelDependent {
		return segErr(s, 0, "EB outside a subscriber or dependent loop")
	}
	if p.sub == sub2120 {
		return segErr(s, 0, "EB inside an open LS/LE loop")
	}
	if s.Element(1) == "" {
		return segErr(s, 1, "eligibility or benefit code is missing")
	}
	p.sub = sub2110
	b := Benefit{
		Loop:                  p.loop(),
		Code:                  s.Element(1),
		CoverageLevel:         s.Element(2),
		ServiceTypes:          s.Repetitions(3),
		InsuranceType:         s.Element(4),
		PlanDescription:       s.Element(5),
		TimePeriod:            s.Element(6),
		QuantityQualifier:     s.Element(9),
		AuthorizationRequired: s.Element(11),
	}
	if v := s.Element(7); v != "" {
		m, ok := parseMoney(v)
		if !ok {
			return segErr(s, 7, "invalid monetary amount")
		}
		b.Amount = &m
	}
	if v := s.Element(8); v != "" {
		f, ok := parseDecimal(v)
		if !ok || f < 0 {
			return segErr(s, 8, "invalid percentage")
		}
		b.Percent = &f
	}
	if v := s.Element(10); v != "" {
		f, ok := parseDecimal(v)
		if !ok {
			return segErr(s, 10, "invalid quantity")
		}
		b.Quantity = &f
	}
	switch s.Element(12) {
	case "Y":
		b.InNetwork = ptr(true)
	case "N":
		b.InNetwork = ptr(false)
	}
	p.resp.Benefits = append(p.resp.Benefits, b)
	p.cur = len(p.resp.Benefits) - 1
	return nil
}

// finish derives the summary fields from the collected loops.
func (p *parser271) finish() {
	r := p.resp
	var active, inactive bool
	for i := range r.Benefits {
		b := &r.Benefits[i]
		switch b.Code {
		case "1", "2", "3", "4", "5":
			active = true
			if r.PlanName == "" {
				r.PlanName = strings.TrimSpace(b.PlanDescription)
			}
		case "6", "7", "8":
			inactive = true
		}
	}
	switch {
	case active:
		r.Active = ptr(true)
	case inactive:
		r.Active = ptr(false)
	}
	if r.PlanName == "" {
		r.PlanName = p.planRef
	}
}

func ptr[T any](v T) *T { return &v }
