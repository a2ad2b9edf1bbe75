package x12

import (
	"strconv"
	"strings"
)

// Build271 builds a 271 eligibility response interchange from resp, the
// inverse of Parse271: the clearinghouse simulator answers inquiries with it.
// Benefits go to their Loop ("2110C" or "2110D"; empty means the patient's
// loop), rejections to theirs (2000A, 2100A, 2100B, 2100C, 2110C, 2100D,
// 2110D; a 2110 rejection follows the first benefit of that loop), messages
// follow their benefit. Derived fields (Active, PlanName from EB05) are not
// read; PlanName is written as REF*18 REF03 when PlanNumber is set. Problems
// are reported in a *ValidationError.
func Build271(resp EligibilityResponse) ([]byte, error) {
	v := &validator{}
	v.envelope(&resp.Envelope)
	if err := v.check271(&resp); err != nil {
		return nil, err
	}
	env := &resp.Envelope
	w := newWriter(env.Delimiters, 1024)
	w.isa(env)
	w.gs(env, "HB", Version270)
	w.st("271", env, Version270)
	// BHT02 11 = response; BHT03 echoes the inquiry's reference.
	w.seg("BHT", "0022", "11", resp.TraceNumber, d8(env.Date), env.Date.Format("1504"))

	w.seg("HL", "1", "", "20", "1")
	w.aaa(&resp, "2000A")
	w.seg("NM1", "PR", "2", resp.PayerName, "", "", "", "", "PI", resp.PayerID)
	w.aaa(&resp, "2100A")

	w.seg("HL", "2", "1", "21", "1")
	p := resp.Provider
	if p.LastName != "" {
		w.seg("NM1", "1P", "1", p.LastName, p.FirstName, "", "", "", "XX", p.NPI)
	} else {
		w.seg("NM1", "1P", "2", p.OrganizationName, "", "", "", "", "XX", p.NPI)
	}
	w.aaa(&resp, "2100B")

	dep := resp.Dependent
	child := "0"
	if dep != nil {
		child = "1"
	}
	w.seg("HL", "3", "2", "22", child)
	if dep == nil {
		w.trn271(&resp)
	}
	s := resp.Subscriber
	w.seg("NM1", "IL", "1", s.LastName, s.FirstName, "", "", "", memberQualifier(s.MemberID), s.MemberID)
	if s.GroupNumber != "" {
		w.seg("REF", "6P", s.GroupNumber)
	}
	if resp.PlanNumber != "" {
		w.seg("REF", "18", resp.PlanNumber, resp.PlanName)
	}
	w.aaa(&resp, "2100C")
	if !s.BirthDate.IsZero() {
		w.seg("DMG", "D8", d8(s.BirthDate), s.Gender)
	}
	if dep == nil {
		w.dates(resp.Dates)
	}
	w.benefits(&resp, "C")

	if dep != nil {
		w.seg("HL", "4", "3", "23", "0")
		w.trn271(&resp)
		w.seg("NM1", "03", "1", dep.LastName, dep.FirstName)
		w.aaa(&resp, "2100D")
		if !dep.BirthDate.IsZero() {
			w.seg("DMG", "D8", d8(dep.BirthDate), dep.Gender)
		}
		if dep.Relationship != "" {
			w.seg("INS", "N", dep.Relationship)
		}
		w.dates(resp.Dates)
		w.benefits(&resp, "D")
	}
	w.trailers(env)
	return w.buf, nil
}

// memberQualifier is NM108 MI when a member id is present.
func memberQualifier(id string) string {
	if id == "" {
		return ""
	}
	return "MI"
}

// trn271 echoes the inquiry's trace (TRN01 = 2) and adds the payer's own.
func (w *writer) trn271(r *EligibilityResponse) {
	if r.TraceNumber != "" {
		w.seg("TRN", "2", r.TraceNumber, r.TraceOriginator)
	}
	if r.PayerTraceNumber != "" {
		w.seg("TRN", "1", r.PayerTraceNumber, "9"+strings.Repeat("0", 9))
	}
}

// aaa writes the rejections of one loop.
func (w *writer) aaa(r *EligibilityResponse, loop string) {
	for _, rej := range r.Rejections {
		if rej.Loop != loop {
			continue
		}
		valid := "N"
		if rej.Valid {
			valid = "Y"
		}
		w.seg("AAA", valid, "", rej.Code, rej.FollowUp)
	}
}

// dates writes DTP segments.
func (w *writer) dates(ds []DateRange) {
	for _, d := range ds {
		if d.End.IsZero() || d8(d.End) == d8(d.Start) {
			w.seg("DTP", d.Qualifier, "D8", d8(d.Start))
		} else {
			w.seg("DTP", d.Qualifier, "RD8", d8(d.Start)+"-"+d8(d.End))
		}
	}
}

// benefits writes the 2110 loops of level suffix ("C" or "D").
func (w *writer) benefits(r *EligibilityResponse, suffix string) {
	loop := "2110" + suffix
	first := true
	for i := range r.Benefits {
		b := &r.Benefits[i]
		if benefitLoop(r, b) != loop {
			continue
		}
		var amount, percent, quantity, network string
		if b.Amount != nil {
			amount = formatMoney(*b.Amount)
		}
		if b.Percent != nil {
			percent = formatDecimal(*b.Percent)
		}
		if b.Quantity != nil {
			quantity = formatDecimal(*b.Quantity)
		}
		if b.InNetwork != nil {
			network = "N"
			if *b.InNetwork {
				network = "Y"
			}
		}
		w.seg("EB", b.Code, b.CoverageLevel, strings.Join(b.ServiceTypes, byteString(w.d.Repetition)),
			b.InsuranceType, b.PlanDescription, b.TimePeriod, amount, percent,
			b.QuantityQualifier, quantity, b.AuthorizationRequired, network)
		w.dates(b.Dates)
		if first {
			w.aaa(r, loop)
			first = false
		}
		for _, m := range b.Messages {
			w.seg("MSG", m)
		}
	}
}

// benefitLoop resolves an empty Benefit.Loop to the patient's loop.
func benefitLoop(r *EligibilityResponse, b *Benefit) string {
	if b.Loop != "" {
		return b.Loop
	}
	if r.Dependent != nil {
		return "2110D"
	}
	return "2110C"
}

// formatMoney writes cents as a decimal without trailing zeros ("25",
// "25.5", "-0.05"), the form X12 recommends for R elements.
func formatMoney(m Money) string {
	s := m.String()
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// formatDecimal writes f without exponent or leading zero (".2").
func formatDecimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if strings.HasPrefix(s, "0.") {
		return s[1:]
	}
	if strings.HasPrefix(s, "-0.") {
		return "-" + s[2:]
	}
	return s
}

// check271 validates what Build271 writes.
func (v *validator) check271(r *EligibilityResponse) error {
	opt := func(max int) textRule { return textRule{min: 1, max: max} }
	req := func(min, max int) textRule { return textRule{min: min, max: max, required: true} }
	v.text("TraceNumber", &r.TraceNumber, opt(50))
	v.text("TraceOriginator", &r.TraceOriginator, opt(10))
	if r.TraceNumber != "" && len(r.TraceOriginator) != 10 {
		v.add("TraceOriginator", "must be 10 characters when TraceNumber is set")
	}
	v.text("PayerTraceNumber", &r.PayerTraceNumber, opt(50))
	v.text("PayerName", &r.PayerName, req(1, 60))
	v.text("PayerID", &r.PayerID, req(2, 80))
	p := &r.Provider
	if p.LastName != "" {
		v.text("Provider.LastName", &p.LastName, req(1, 60))
		v.text("Provider.FirstName", &p.FirstName, opt(35))
	} else {
		v.text("Provider.OrganizationName", &p.OrganizationName, req(1, 60))
	}
	if !validNPI(p.NPI) {
		v.add("Provider.NPI", "must be 10 digits with a valid check digit")
	}
	s := &r.Subscriber
	v.text("Subscriber.MemberID", &s.MemberID, textRule{min: 2, max: 80})
	v.text("Subscriber.LastName", &s.LastName, opt(60))
	v.text("Subscriber.FirstName", &s.FirstName, opt(35))
	v.text("Subscriber.GroupNumber", &s.GroupNumber, opt(50))
	v.gender("Subscriber.Gender", &s.Gender)
	v.text("PlanNumber", &r.PlanNumber, opt(50))
	v.text("PlanName", &r.PlanName, opt(80))
	if d := r.Dependent; d != nil {
		dep := *d
		r.Dependent = &dep
		v.text("Dependent.LastName", &dep.LastName, opt(60))
		v.text("Dependent.FirstName", &dep.FirstName, opt(35))
		v.gender("Dependent.Gender", &dep.Gender)
		v.text("Dependent.Relationship", &dep.Relationship, opt(2))
	}
	v.checkDates("Dates", r.Dates)
	r.Benefits = append([]Benefit(nil), r.Benefits...)
	loops := map[string]bool{}
	for i := range r.Benefits {
		b := &r.Benefits[i]
		loop := benefitLoop(r, b)
		loops[loop] = true
		if loop != "2110C" && (loop != "2110D" || r.Dependent == nil) {
			v.add("Benefits.Loop", "must be 2110C, or 2110D with a Dependent")
		}
		if b.Code == "" || len(b.Code) > 2 || !isAlnumString(b.Code) {
			v.add("Benefits.Code", "must be a one- or two-character code")
		}
		v.text("Benefits.CoverageLevel", &b.CoverageLevel, opt(3))
		for _, st := range b.ServiceTypes {
			if len(st) < 1 || len(st) > 2 || !isAlnumString(st) {
				v.add("Benefits.ServiceTypes", "must be one- or two-character codes")
				break
			}
		}
		v.text("Benefits.InsuranceType", &b.InsuranceType, opt(3))
		v.text("Benefits.PlanDescription", &b.PlanDescription, opt(50))
		v.text("Benefits.TimePeriod", &b.TimePeriod, opt(2))
		v.text("Benefits.QuantityQualifier", &b.QuantityQualifier, opt(2))
		v.text("Benefits.AuthorizationRequired", &b.AuthorizationRequired, opt(1))
		if b.Percent != nil && (*b.Percent < 0 || *b.Percent > 1e9) {
			v.add("Benefits.Percent", "is out of range")
		}
		v.checkDates("Benefits.Dates", b.Dates)
		b.Messages = append([]string(nil), b.Messages...)
		for j := range b.Messages {
			v.text("Benefits.Messages", &b.Messages[j], req(1, 264))
		}
	}
	for _, rej := range r.Rejections {
		switch rej.Loop {
		case "2000A", "2100A", "2100B", "2100C":
		case "2100D":
			if r.Dependent == nil {
				v.add("Rejections.Loop", "2100D needs a Dependent")
			}
		case "2110C", "2110D":
			if !loops[rej.Loop] {
				v.add("Rejections.Loop", "a 2110 rejection needs a benefit in that loop")
			}
		default:
			v.add("Rejections.Loop", "is not a loop that carries AAA")
		}
		if len(rej.Code) != 2 || !isAlnumString(rej.Code) {
			v.add("Rejections.Code", "must be a two-character code")
		}
		if len(rej.FollowUp) > 1 || rej.FollowUp != "" && !isAlnumString(rej.FollowUp) {
			v.add("Rejections.FollowUp", "must be a one-character code")
		}
	}
	return v.err()
}

// checkDates checks DTP qualifiers and ranges.
func (v *validator) checkDates(field string, ds []DateRange) {
	for _, d := range ds {
		if len(d.Qualifier) != 3 || !isDigits(d.Qualifier) {
			v.add(field, "qualifier must be three digits")
		}
		if d.Start.Year() < 1000 || d.Start.Year() > 9999 || !d.End.IsZero() && d.End.Before(d.Start) {
			v.add(field, "has an invalid date range")
		}
	}
}
