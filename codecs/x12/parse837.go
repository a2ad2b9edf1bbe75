package x12

import (
	"strconv"
	"strings"
)

// Parse837P reads an 837P interchange back into a ClaimBatch: one claim per
// CLM, each with the billing provider, subscriber, patient and payer of the
// loops above it. It reads what Build837P writes and the same loops from
// other submitters (several claims per subscriber, several subscribers per
// billing provider); segments it does not map are skipped. The clearinghouse
// simulator uses it to answer submissions, and tests use it to check that a
// built batch reads back to its normalized input. Malformed input yields a
// *ParseError.
func Parse837P(data []byte) (*ClaimBatch, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	ic, err := readInterchange(d, segs, "837")
	if err != nil {
		return nil, err
	}
	b := &ClaimBatch{Envelope: ic.env}
	for _, set := range ic.sets {
		if err := parse837Set(b, set.segs); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// parser837 is the loop state of one 837 set.
type parser837 struct {
	b          *ClaimBatch
	levels     []string // HL03 by HL01-1
	level      string
	billing    BillingProvider
	subscriber ClaimSubscriber
	patient    *ClaimPatient
	payer      ClaimPayer
	claim      *ProfessionalClaim
	line       *ServiceLine
	// addr is where the next N3/N4 go.
	addr *Address
	// inPayer is true after NM1*PR until the next NM1 or HL.
	inPayer bool
}

func parse837Set(b *ClaimBatch, set []Segment) error {
	body := set[1 : len(set)-1]
	if len(body) == 0 || body[0].ID != "BHT" {
		return segErr(&set[0], 0, "BHT must follow ST")
	}
	if b.BatchID == "" {
		b.BatchID = body[0].Element(3)
	}
	p := parser837{b: b}
	for i := 1; i < len(body); i++ {
		if err := p.segment(&body[i]); err != nil {
			return err
		}
	}
	return nil
}

// levels837 maps the 837 HL03 codes to their parent level.
var levels837 = map[string]string{"20": "", "22": "20", "23": "22"}

func (p *parser837) segment(s *Segment) error {
	switch s.ID {
	case "HL":
		return p.hl(s)
	case "NM1":
		return p.nm1(s)
	case "PER":
		if p.level == "" && s.Element(1) == "IC" {
			p.b.Submitter.ContactName = s.Element(2)
			p.b.Submitter.ContactPhone = s.Element(4)
		}
	case "N3":
		if p.addr != nil {
			p.addr.Line1, p.addr.Line2 = s.Element(1), s.Element(2)
		}
	case "N4":
		if p.addr != nil {
			p.addr.City, p.addr.State, p.addr.PostalCode = s.Element(1), s.Element(2), s.Element(3)
		}
	case "PRV":
		switch {
		case p.level == "20" && s.Element(1) == "BI":
			p.billing.Taxonomy = s.Element(3)
		case p.claim != nil && s.Element(1) == "PE" && p.claim.RenderingProvider != nil:
			p.claim.RenderingProvider.Taxonomy = s.Element(3)
		}
	case "REF":
		switch {
		case p.line != nil:
			if s.Element(1) == "6R" {
				p.line.LineControlNumber = s.Element(2)
			}
		case p.claim != nil:
			if s.Element(1) == "F8" {
				p.claim.PayerClaimControlNumber = s.Element(2)
			}
		case p.level == "20" && s.Element(1) == "EI":
			p.billing.TaxID = s.Element(2)
		}
	case "SBR":
		if p.level != "22" {
			return segErr(s, 0, "SBR outside the subscriber level")
		}
		p.subscriber.PayerResponsibility = s.Element(1)
		p.subscriber.GroupNumber = s.Element(3)
		p.subscriber.FilingIndicator = s.Element(9)
	case "DMG":
		dob, ok := parseD8(s.Element(2))
		if s.Element(1) != "D8" || !ok {
			return segErr(s, 2, "invalid birth date")
		}
		switch {
		case p.level == "22" && p.claim == nil:
			p.subscriber.BirthDate, p.subscriber.Gender = dob, s.Element(3)
		case p.level == "23" && p.claim == nil:
			p.patient.BirthDate, p.patient.Gender = dob, s.Element(3)
		}
	case "PAT":
		if p.level != "23" {
			return segErr(s, 0, "PAT outside the patient level")
		}
		p.patient.Relationship = s.Element(1)
	case "CLM":
		return p.clm(s)
	case "HI":
		if p.claim == nil {
			return segErr(s, 0, "HI outside a claim")
		}
		for i := 1; i <= s.Len(); i++ {
			q, code := s.Component(i, 1), s.Component(i, 2)
			switch q {
			case "ABK", "ABF", "BK", "BF":
				if code == "" {
					return segErr(s, i, "diagnosis code is missing")
				}
				p.claim.Diagnoses = append(p.claim.Diagnoses, code)
			}
		}
	case "LX":
		if p.claim == nil {
			return segErr(s, 0, "service line outside a claim")
		}
		p.claim.Lines = append(p.claim.Lines, ServiceLine{})
		p.line = &p.claim.Lines[len(p.claim.Lines)-1]
	case "SV1":
		return p.sv1(s)
	case "DTP":
		if p.line != nil && s.Element(1) == "472" {
			dr, err := parseDTP(s)
			if err != nil {
				return err
			}
			p.line.ServiceDate = dr.Start
			if s.Element(2) == "RD8" {
				p.line.ServiceDateEnd = dr.End
			}
		}
	}
	return nil
}

func (p *parser837) hl(s *Segment) error {
	id, err := strconv.Atoi(s.Element(1))
	if err != nil || id != len(p.levels)+1 {
		return segErr(s, 1, "hierarchical id is not the next number in sequence")
	}
	lv := s.Element(3)
	parentLevel, known := levels837[lv]
	if !known {
		return segErr(s, 3, "unknown hierarchical level code")
	}
	if parentLevel == "" {
		if s.Element(2) != "" {
			return segErr(s, 2, "billing provider level must have no parent")
		}
	} else {
		par, err := strconv.Atoi(s.Element(2))
		if err != nil || par < 1 || par > len(p.levels) || p.levels[par-1] != parentLevel {
			return segErr(s, 2, "parent id does not name the level above")
		}
	}
	p.levels = append(p.levels, lv)
	p.level = lv
	p.claim, p.line, p.addr, p.inPayer = nil, nil, nil, false
	switch lv {
	case "20":
		p.billing = BillingProvider{}
	case "22":
		p.subscriber, p.patient, p.payer = ClaimSubscriber{}, nil, ClaimPayer{}
	case "23":
		p.patient = &ClaimPatient{}
	}
	return nil
}

func (p *parser837) nm1(s *Segment) error {
	p.addr, p.inPayer = nil, false
	switch s.Element(1) {
	case "41":
		p.b.Submitter.Name, p.b.Submitter.ID = s.Element(3), s.Element(9)
	case "40":
		p.b.ReceiverName, p.b.ReceiverID = s.Element(3), s.Element(9)
	case "85":
		if p.level != "20" {
			return segErr(s, 0, "billing provider name outside the billing provider level")
		}
		p.billing.OrganizationName, p.billing.NPI = s.Element(3), s.Element(9)
		p.addr = &p.billing.Address
	case "IL":
		if p.level != "22" {
			return segErr(s, 0, "subscriber name outside the subscriber level")
		}
		p.subscriber.LastName, p.subscriber.FirstName, p.subscriber.MemberID = s.Element(3), s.Element(4), s.Element(9)
		p.subscriber.Address = &Address{}
		p.addr = p.subscriber.Address
	case "PR":
		if p.level == "22" && p.claim == nil {
			p.payer = ClaimPayer{Name: s.Element(3), ID: s.Element(9)}
			p.inPayer = true
		}
	case "QC":
		if p.level != "23" {
			return segErr(s, 0, "patient name outside the patient level")
		}
		p.patient.LastName, p.patient.FirstName = s.Element(3), s.Element(4)
		p.addr = &p.patient.Address
	case "82":
		if p.claim == nil {
			return segErr(s, 0, "rendering provider outside a claim")
		}
		p.claim.RenderingProvider = &RenderingProvider{LastName: s.Element(3), FirstName: s.Element(4), NPI: s.Element(9)}
	}
	return nil
}

func (p *parser837) clm(s *Segment) error {
	if p.level != "22" && p.level != "23" {
		return segErr(s, 0, "claim outside a subscriber or patient level")
	}
	if p.subscriber.Address != nil && *p.subscriber.Address == (Address{}) {
		p.subscriber.Address = nil // NM1*IL without N3/N4
	}
	c := ProfessionalClaim{
		BillingProvider: p.billing, Subscriber: p.subscriber, Payer: p.payer,
		PatientControlNumber: s.Element(1),
		PlaceOfService:       s.Component(5, 1), Frequency: s.Component(5, 3),
		ProviderSignature: s.Element(6) == "Y", Assignment: s.Element(7),
		BenefitsAssigned: s.Element(8) == "Y", ReleaseOfInformation: s.Element(9),
	}
	if c.Subscriber.Address != nil {
		a := *c.Subscriber.Address
		c.Subscriber.Address = &a
	}
	if p.level == "23" && p.patient != nil {
		pt := *p.patient
		c.Patient = &pt
	}
	if c.PatientControlNumber == "" {
		return segErr(s, 1, "patient control number is missing")
	}
	m, ok := parseMoney(s.Element(2))
	if !ok {
		return segErr(s, 2, "total charge is not a decimal")
	}
	c.TotalCharge = m
	if s.Component(5, 2) != "B" {
		return segErr(s, 5, "facility code qualifier is not B")
	}
	p.b.Claims = append(p.b.Claims, c)
	p.claim = &p.b.Claims[len(p.b.Claims)-1]
	p.line, p.addr = nil, nil
	return nil
}

func (p *parser837) sv1(s *Segment) error {
	if p.line == nil {
		return segErr(s, 0, "SV1 without LX")
	}
	comps := s.Components(1)
	if len(comps) < 2 || comps[0] == "" || comps[1] == "" {
		return segErr(s, 1, "procedure qualifier or code is missing")
	}
	l := p.line
	l.Qualifier, l.Code = comps[0], comps[1]
	for _, m := range comps[2:min(len(comps), 6)] {
		if m != "" {
			l.Modifiers = append(l.Modifiers, m)
		}
	}
	m, ok := parseMoney(s.Element(2))
	if !ok {
		return segErr(s, 2, "line charge is not a decimal")
	}
	l.Charge = m
	l.UnitCode = s.Element(3)
	units, err := strconv.Atoi(s.Element(4))
	if err != nil {
		return segErr(s, 4, "units are not a whole number")
	}
	l.Units = units
	l.PlaceOfService = s.Element(5)
	for _, ptr := range strings.Split(s.Element(7), byteString(s.component)) {
		if ptr == "" {
			continue
		}
		n, err := strconv.Atoi(ptr)
		if err != nil || n < 1 {
			return segErr(s, 7, "diagnosis pointer is not a positive number")
		}
		l.DiagnosisPointers = append(l.DiagnosisPointers, n)
	}
	return nil
}
