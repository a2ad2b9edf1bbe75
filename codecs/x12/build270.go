package x12

import "time"

// Build270 builds a complete 270 interchange (ISA/GS/ST..SE/GE/IEA) for one
// eligibility inquiry: loops 2000A payer, 2000B provider, 2000C subscriber and,
// when req.Dependent is set, 2000D dependent, with the trace number, date and
// EQ service types in the patient's loop. Names are upper-cased and Latin-1
// letters folded to ASCII. Every problem with req is reported at once in a
// *ValidationError that names fields, never their values.
func Build270(req InquiryRequest) ([]byte, error) {
	if err := normalize270(&req); err != nil {
		return nil, err
	}
	env := &req.Envelope
	w := newWriter(env.Delimiters, 640)
	w.isa(env)
	w.gs(env, "HS", Version270)
	w.st("270", env, Version270)
	// BHT02 13 = request; BHT03 echoes the trace number so a 271 can be
	// matched even when the payer drops the TRN.
	w.seg("BHT", "0022", "13", req.TraceNumber, d8(env.Date), env.Date.Format("1504"))

	w.seg("HL", "1", "", "20", "1")
	w.seg("NM1", "PR", "2", req.PayerName, "", "", "", "", "PI", req.PayerID)

	w.seg("HL", "2", "1", "21", "1")
	p := req.Provider
	if p.LastName != "" {
		w.seg("NM1", "1P", "1", p.LastName, p.FirstName, "", "", "", "XX", p.NPI)
	} else {
		w.seg("NM1", "1P", "2", p.OrganizationName, "", "", "", "", "XX", p.NPI)
	}

	s := req.Subscriber
	child := "0"
	if req.Dependent != nil {
		child = "1"
	}
	w.seg("HL", "3", "2", "22", child)
	if req.Dependent == nil {
		w.seg("TRN", "1", req.TraceNumber, req.TraceOriginator)
	}
	w.seg("NM1", "IL", "1", s.LastName, s.FirstName, "", "", "", "MI", s.MemberID)
	if s.GroupNumber != "" {
		w.seg("REF", "6P", s.GroupNumber)
	}
	if !s.BirthDate.IsZero() {
		w.seg("DMG", "D8", d8(s.BirthDate), s.Gender)
	}
	if req.Dependent == nil {
		writeInquiry(w, &req)
	} else {
		dep := req.Dependent
		w.seg("HL", "4", "3", "23", "0")
		w.seg("TRN", "1", req.TraceNumber, req.TraceOriginator)
		w.seg("NM1", "03", "1", dep.LastName, dep.FirstName)
		w.seg("DMG", "D8", d8(dep.BirthDate), dep.Gender)
		if dep.Relationship != "" {
			w.seg("INS", "N", dep.Relationship)
		}
		writeInquiry(w, &req)
	}
	w.trailers(env)
	return w.buf, nil
}

// writeInquiry writes the patient loop's date and one EQ per service type.
func writeInquiry(w *writer, req *InquiryRequest) {
	if !req.ServiceDate.IsZero() {
		w.seg("DTP", "291", "D8", d8(req.ServiceDate))
	}
	for _, st := range req.ServiceTypes {
		w.seg("EQ", st)
	}
}

// normalize270 validates req and fills its defaults in place.
func normalize270(req *InquiryRequest) error {
	if req.Dependent != nil {
		// A copy, so normalizing never writes into the caller's struct.
		dep := *req.Dependent
		req.Dependent = &dep
	}
	v := &validator{}
	v.envelope(&req.Envelope)
	v.text("TraceNumber", &req.TraceNumber, textRule{min: 1, max: 50, required: true})

	name := textRule{min: 1, max: 60, required: true, upper: true}
	v.text("PayerName", &req.PayerName, name)
	v.text("PayerID", &req.PayerID, textRule{min: 2, max: 80, required: true})

	p := &req.Provider
	if !validNPI(p.NPI) {
		v.add("Provider.NPI", "must be 10 digits with a valid check digit")
	}
	if p.LastName != "" {
		v.text("Provider.LastName", &p.LastName, name)
		v.text("Provider.FirstName", &p.FirstName, textRule{min: 1, max: 35, upper: true})
	} else {
		v.text("Provider.OrganizationName", &p.OrganizationName, name)
	}

	if req.TraceOriginator == "" && validNPI(p.NPI) {
		req.TraceOriginator = "9" + p.NPI[1:]
	}
	if len(req.TraceOriginator) != 10 || !isAlnumString(req.TraceOriginator) {
		v.add("TraceOriginator", "must be 10 letters or digits")
	}

	s := &req.Subscriber
	v.text("Subscriber.MemberID", &s.MemberID, textRule{min: 2, max: 80, required: true})
	v.text("Subscriber.LastName", &s.LastName, name)
	v.text("Subscriber.FirstName", &s.FirstName, textRule{min: 1, max: 35, required: true, upper: true})
	v.text("Subscriber.GroupNumber", &s.GroupNumber, textRule{min: 1, max: 50})
	v.gender("Subscriber.Gender", &s.Gender)
	if s.BirthDate.IsZero() {
		if req.Dependent == nil {
			v.add("Subscriber.BirthDate", "is required when the subscriber is the patient")
		}
	} else {
		v.birthDate("Subscriber.BirthDate", s.BirthDate, req.Date)
	}

	if d := req.Dependent; d != nil {
		v.text("Dependent.LastName", &d.LastName, name)
		v.text("Dependent.FirstName", &d.FirstName, textRule{min: 1, max: 35, required: true, upper: true})
		v.gender("Dependent.Gender", &d.Gender)
		if d.BirthDate.IsZero() {
			v.add("Dependent.BirthDate", "is required")
		} else {
			v.birthDate("Dependent.BirthDate", d.BirthDate, req.Date)
		}
		if d.Relationship != "" && (len(d.Relationship) != 2 || !isAlnumString(d.Relationship)) {
			v.add("Dependent.Relationship", "must be a two-character code")
		}
	}

	if len(req.ServiceTypes) == 0 {
		req.ServiceTypes = []string{DefaultServiceType}
	} else {
		// A copy, so normalizing never writes into the caller's slice.
		req.ServiceTypes = append([]string(nil), req.ServiceTypes...)
	}
	if len(req.ServiceTypes) > 99 {
		v.add("ServiceTypes", "must hold at most 99 codes")
	}
	for i, st := range req.ServiceTypes {
		if len(st) < 1 || len(st) > 2 || !isAlnumString(st) {
			v.add("ServiceTypes", "must be one- or two-character codes")
			break
		}
		req.ServiceTypes[i] = toUpperASCII(st)
	}
	if !req.ServiceDate.IsZero() && (req.ServiceDate.Year() < 1900 || req.ServiceDate.Year() > 9999) {
		v.add("ServiceDate", "is out of range")
	}
	return v.err()
}

// gender accepts "", M, F or U in either case.
func (v *validator) gender(field string, g *string) {
	*g = toUpperASCII(*g)
	switch *g {
	case "", "M", "F", "U":
	default:
		v.add(field, "must be M, F or U")
	}
}

// birthDate rejects dates before 1900 or after the interchange date.
func (v *validator) birthDate(field string, dob, asOf time.Time) {
	if dob.Year() < 1900 {
		v.add(field, "is before 1900")
		return
	}
	if !asOf.IsZero() && d8(dob) > d8(asOf) {
		v.add(field, "is after the interchange date")
	}
}

// toUpperASCII upper-cases ASCII letters without allocating when s is already
// upper case.
func toUpperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
