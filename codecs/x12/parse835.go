package x12

import "strings"

// Parse835 parses an 835 remittance interchange: every transaction set's
// BPR payment, TRN trace, payer and payee, CLP claims with their CAS
// adjustments, SVC lines with theirs, and PLB provider adjustments. Amounts
// are exact cents. It enforces the 835 balancing rules (each line: SVC02 -
// SVC03 = its CAS; each claim: CLP03 - CLP04 = all its CAS; each set: BPR02 =
// sum of CLP04 - sum of PLB) because posting unbalanced money would be wrong.
// Segments it does not map (NM1, MIA, MOA, PER, RDM, TS3...) are skipped.
// Malformed input yields a *ParseError, which never holds element values.
func Parse835(data []byte) (*Remittance, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	ic, err := readInterchange(d, segs, "835")
	if err != nil {
		return nil, err
	}
	r := &Remittance{Envelope: ic.env, Advices: make([]RemittanceAdvice, 0, len(ic.sets))}
	for _, set := range ic.sets {
		a, err := parse835Set(set.segs)
		if err != nil {
			return nil, err
		}
		r.Advices = append(r.Advices, a)
	}
	return r, nil
}

// Positions inside an 835 transaction set.
const (
	at835Header = iota // BPR, TRN, CUR, REF, DTM
	at835Payer         // loop 1000A
	at835Payee         // loop 1000B
	at835Claims        // LX, CLP and SVC loops
	at835PLB           // provider adjustments, after every claim
)

// parser835 is the loop state while walking one 835 set.
type parser835 struct {
	a     *RemittanceAdvice
	at    int
	claim *ClaimPayment   // current CLP loop, nil before the first
	svc   *ServicePayment // current SVC loop, nil outside one
	// claimSeg and svcSeg locate the loops for balancing errors.
	claimSeg, svcSeg *Segment
}

func parse835Set(set []Segment) (RemittanceAdvice, error) {
	a := RemittanceAdvice{ControlNumber: set[0].Element(2)}
	body := set[1 : len(set)-1]
	if len(body) < 2 || body[0].ID != "BPR" {
		return a, segErr(&set[0], 0, "BPR must follow ST")
	}
	nCLP := 0
	for i := range body {
		if body[i].ID == "CLP" {
			nCLP++
		}
	}
	if nCLP > 0 {
		a.Claims = make([]ClaimPayment, 0, nCLP)
	}
	p := parser835{a: &a}
	if err := p.bpr(&body[0]); err != nil {
		return a, err
	}
	trn := false
	for i := 1; i < len(body); i++ {
		s := &body[i]
		if s.ID == "TRN" && p.at == at835Header {
			if trn {
				return a, segErr(s, 0, "more than one TRN in the header")
			}
			trn = true
		}
		if err := p.segment(s); err != nil {
			return a, err
		}
	}
	if !trn {
		return a, segErr(&set[len(set)-1], 0, "TRN payment trace is missing")
	}
	if err := p.closeClaim(); err != nil {
		return a, err
	}
	// BPR02 = sum(CLP04) - sum(PLB): the check equals what the claims paid
	// less what the payer took back at provider level.
	var sum Money
	for i := range a.Claims {
		sum += a.Claims[i].Paid
	}
	for _, adj := range a.ProviderAdjustments {
		sum -= adj.Amount
	}
	if sum != a.TotalPaid {
		return a, segErr(&body[0], 2, "total payment does not equal the claim payments less provider adjustments")
	}
	return a, nil
}

func (p *parser835) bpr(s *Segment) error {
	a := p.a
	a.HandlingCode = s.Element(1)
	if a.HandlingCode == "" {
		return segErr(s, 1, "transaction handling code is missing")
	}
	m, ok := parseMoney(s.Element(2))
	if !ok || m < 0 {
		return segErr(s, 2, "total payment amount is not a non-negative decimal")
	}
	switch s.Element(3) {
	case "C":
	case "D":
		m = -m
	default:
		return segErr(s, 3, "credit/debit flag is not C or D")
	}
	a.TotalPaid = m
	a.PaymentMethod = s.Element(4)
	if a.PaymentMethod == "" {
		return segErr(s, 4, "payment method code is missing")
	}
	if v := s.Element(16); v != "" {
		t, ok := parseD8(v)
		if !ok {
			return segErr(s, 16, "invalid payment date")
		}
		a.PaymentDate = t
	} else {
		return segErr(s, 16, "payment date is missing")
	}
	return nil
}

// segment applies one segment after BPR.
func (p *parser835) segment(s *Segment) error {
	switch s.ID {
	case "TRN":
		if p.at != at835Header {
			return segErr(s, 0, "TRN outside the header")
		}
		p.a.Trace = PaymentTrace{Type: s.Element(1), Number: s.Element(2), OriginatorID: s.Element(3), OriginatorSupplementalID: s.Element(4)}
		if p.a.Trace.Number == "" || p.a.Trace.OriginatorID == "" {
			return segErr(s, 2, "trace number or originator is missing")
		}
	case "DTM":
		return p.dtm(s)
	case "N1":
		switch s.Element(1) {
		case "PR":
			if p.at != at835Header {
				return segErr(s, 0, "payer identification out of order")
			}
			p.at = at835Payer
			p.a.PayerName = s.Element(2)
			p.a.PayerID = s.Element(4)
		case "PE":
			if p.at != at835Payer {
				return segErr(s, 0, "payee identification out of order")
			}
			p.at = at835Payee
			p.a.PayeeName, p.a.PayeeIDQualifier, p.a.PayeeID = s.Element(2), s.Element(3), s.Element(4)
		default:
			return segErr(s, 1, "unexpected entity identifier code")
		}
	case "REF":
		switch {
		case p.at == at835Payer && s.Element(1) == "2U":
			p.a.PayerID = s.Element(2)
		case p.svc != nil && s.Element(1) == "6R":
			p.svc.LineControlNumber = s.Element(2)
		}
	case "LX":
		if p.at < at835Payee {
			return segErr(s, 0, "header number before the payer and payee")
		}
		if p.at == at835PLB {
			return segErr(s, 0, "claim loop after provider adjustments")
		}
		if err := p.closeClaim(); err != nil {
			return err
		}
		p.at = at835Claims
	case "CLP":
		return p.clp(s)
	case "CAS":
		return p.cas(s)
	case "SVC":
		return p.svcSegment(s)
	case "AMT":
		if p.svc != nil && s.Element(1) == "B6" {
			m, ok := parseMoney(s.Element(2))
			if !ok {
				return segErr(s, 2, "amount is not a decimal")
			}
			p.svc.Allowed = &m
		}
	case "LQ":
		if p.svc != nil && s.Element(1) == "HE" && s.Element(2) != "" {
			p.svc.RemarkCodes = append(p.svc.RemarkCodes, s.Element(2))
		}
	case "PLB":
		if p.at < at835Payee {
			return segErr(s, 0, "provider adjustment before the payer and payee")
		}
		if err := p.closeClaim(); err != nil {
			return err
		}
		p.at = at835PLB
		return p.plb(s)
	default:
		if p.at == at835PLB {
			return segErr(s, 0, "segment after provider adjustments")
		}
		// Other segments (CUR, N3, N4, PER, RDM, TS3, TS2, NM1, MIA, MOA,
		// QTY) are allowed and not mapped; names and addresses are PHI we
		// do not need.
	}
	return nil
}

func (p *parser835) dtm(s *Segment) error {
	v := s.Element(2)
	t, ok := parseD8(v)
	if !ok {
		return segErr(s, 2, "invalid date")
	}
	q := s.Element(1)
	switch {
	case p.svc != nil:
		switch q {
		case "472", "150":
			p.svc.ServiceDate = t
			if q == "472" {
				p.svc.ServiceDateEnd = t
			}
		case "151":
			p.svc.ServiceDateEnd = t
		}
	case p.claim != nil:
		switch q {
		case "232":
			p.claim.StatementFrom = t
		case "233":
			p.claim.StatementTo = t
		case "050":
			p.claim.Received = t
		}
	case p.at == at835Header && q == "405":
		p.a.ProductionDate = t
	}
	return nil
}

func (p *parser835) clp(s *Segment) error {
	if p.at < at835Payee {
		return segErr(s, 0, "claim payment before the payer and payee")
	}
	if p.at == at835PLB {
		return segErr(s, 0, "claim payment after provider adjustments")
	}
	if err := p.closeClaim(); err != nil {
		return err
	}
	p.at = at835Claims
	c := ClaimPayment{
		PatientControlNumber: s.Element(1), Status: s.Element(2),
		FilingIndicator: s.Element(6), PayerClaimControlNumber: s.Element(7),
		FacilityCode: s.Element(8), Frequency: s.Element(9),
	}
	if c.PatientControlNumber == "" {
		return segErr(s, 1, "patient control number is missing")
	}
	if c.Status == "" {
		return segErr(s, 2, "claim status code is missing")
	}
	c.StatusMeaning = claimStatusMeanings[c.Status]
	c.Denied = c.Status == ClaimStatusDenied
	c.Reversal = c.Status == ClaimStatusReversal
	amounts := [3]*Money{&c.Charge, &c.Paid, &c.PatientResponsibilityReported}
	for i, m := range amounts {
		v := s.Element(i + 3)
		if v == "" && i == 2 {
			continue // CLP05 is situational
		}
		amt, ok := parseMoney(v)
		if !ok {
			return segErr(s, i+3, "amount is not a decimal")
		}
		*m = amt
	}
	p.a.Claims = append(p.a.Claims, c)
	p.claim = &p.a.Claims[len(p.a.Claims)-1]
	p.claimSeg = s
	return nil
}

func (p *parser835) svcSegment(s *Segment) error {
	if p.claim == nil {
		return segErr(s, 0, "service payment outside a claim")
	}
	if err := p.closeService(); err != nil {
		return err
	}
	comps := s.Components(1)
	if len(comps) < 2 || comps[0] == "" || comps[1] == "" {
		return segErr(s, 1, "procedure qualifier or code is missing")
	}
	sp := ServicePayment{Qualifier: comps[0], Code: comps[1], RevenueCode: s.Element(4), Units: s.Element(5)}
	for i := 2; i < len(comps) && i < 6; i++ {
		if comps[i] != "" {
			sp.Modifiers = append(sp.Modifiers, comps[i])
		}
	}
	sp.OriginalCode = s.Component(6, 2)
	var ok bool
	if sp.Charge, ok = parseMoney(s.Element(2)); !ok {
		return segErr(s, 2, "line charge is not a decimal")
	}
	if sp.Paid, ok = parseMoney(s.Element(3)); !ok {
		return segErr(s, 3, "line payment is not a decimal")
	}
	p.claim.Services = append(p.claim.Services, sp)
	p.svc = &p.claim.Services[len(p.claim.Services)-1]
	p.svcSeg = s
	return nil
}

// cas appends a CAS segment's triplets to the current line, or to the claim
// when no line has started.
func (p *parser835) cas(s *Segment) error {
	if p.claim == nil {
		return segErr(s, 0, "adjustment outside a claim")
	}
	group := s.Element(1)
	if !adjustmentGroups[group] {
		return segErr(s, 1, "unknown claim adjustment group code")
	}
	if s.Len() > 19 {
		return segErr(s, 20, "more than six adjustment triplets")
	}
	var adjs []Adjustment
	for k := 0; k < 6; k++ {
		reason, amount, qty := s.Element(2+3*k), s.Element(3+3*k), s.Element(4+3*k)
		if reason == "" && amount == "" && qty == "" {
			if k == 0 {
				return segErr(s, 2, "adjustment reason code is missing")
			}
			continue
		}
		if reason == "" {
			return segErr(s, 2+3*k, "adjustment reason code is missing")
		}
		m, ok := parseMoney(amount)
		if !ok {
			return segErr(s, 3+3*k, "adjustment amount is not a decimal")
		}
		if qty != "" {
			if _, _, _, ok := decimalParts(qty); !ok {
				return segErr(s, 4+3*k, "adjustment quantity is not a decimal")
			}
		}
		adjs = append(adjs, Adjustment{Group: group, Reason: reason, Amount: m, Quantity: qty})
	}
	if p.svc != nil {
		p.svc.Adjustments = append(p.svc.Adjustments, adjs...)
	} else {
		p.claim.Adjustments = append(p.claim.Adjustments, adjs...)
	}
	return nil
}

// plb reads the reason/amount pairs PLB03/04 .. PLB13/14.
func (p *parser835) plb(s *Segment) error {
	id := s.Element(1)
	if id == "" {
		return segErr(s, 1, "provider identifier is missing")
	}
	end, ok := parseD8(s.Element(2))
	if !ok {
		return segErr(s, 2, "invalid fiscal period date")
	}
	n := 0
	for k := 0; k < 6; k++ {
		code, amount := s.Element(3+2*k), s.Element(4+2*k)
		if code == "" && amount == "" {
			continue
		}
		reason, ref, _ := strings.Cut(code, byteString(s.component))
		if s.component == 0 {
			reason, ref = code, ""
		}
		if reason == "" {
			return segErr(s, 3+2*k, "adjustment reason is missing")
		}
		m, ok := parseMoney(amount)
		if !ok {
			return segErr(s, 4+2*k, "adjustment amount is not a decimal")
		}
		p.a.ProviderAdjustments = append(p.a.ProviderAdjustments, ProviderAdjustment{
			ProviderID: id, FiscalPeriodEnd: end, Reason: reason, Reference: ref, Amount: m,
		})
		n++
	}
	if n == 0 {
		return segErr(s, 3, "provider adjustment has no reason and amount")
	}
	return nil
}

// closeService checks the open line's balance: SVC02 - SVC03 = its CAS.
func (p *parser835) closeService() error {
	sp := p.svc
	if sp == nil {
		return nil
	}
	p.svc = nil
	sp.PatientResponsibility = SumAdjustments(sp.Adjustments, "PR")
	if sp.Charge-sp.Paid != SumAdjustments(sp.Adjustments, "") {
		return segErr(p.svcSeg, 0, "service line does not balance: charge less payment differs from its adjustments")
	}
	return nil
}

// closeClaim checks the open claim's balance and computes the patient
// responsibility.
func (p *parser835) closeClaim() error {
	if err := p.closeService(); err != nil {
		return err
	}
	c := p.claim
	if c == nil {
		return nil
	}
	p.claim = nil
	adj := SumAdjustments(c.Adjustments, "")
	pr := SumAdjustments(c.Adjustments, "PR")
	for i := range c.Services {
		adj += SumAdjustments(c.Services[i].Adjustments, "")
		pr += c.Services[i].PatientResponsibility
	}
	c.PatientResponsibility = pr
	if c.Charge-c.Paid != adj {
		return segErr(p.claimSeg, 0, "claim does not balance: charge less payment differs from its adjustments")
	}
	return nil
}
