package x12

import "strconv"

// Build837P builds one 837P interchange (005010X222A1) holding every claim
// of batch, each in its own ST..SE transaction set (ST02 = SetControlNumber
// of its index) inside one GS..GE group. The whole batch is validated first:
// any failed rule yields a *ClaimError and nothing is built. Names and
// addresses are upper-cased and Latin-1 letters folded to ASCII.
func Build837P(batch ClaimBatch) ([]byte, error) {
	b, err := normalize837(batch)
	if err != nil {
		return nil, err
	}
	env := &b.Envelope
	w := newWriter(env.Delimiters, 256+900*len(b.Claims))
	w.isa(env)
	w.gs(env, "HC", Version837P)
	for i := range b.Claims {
		writeClaim(w, &b, i)
	}
	ctl := strconv.FormatInt(env.ControlNumber, 10)
	w.seg("GE", strconv.Itoa(len(b.Claims)), ctl)
	out := append(w.buf, "IEA"...)
	out = append(out, w.d.Element, '1', w.d.Element)
	out = appendPadded(out, env.ControlNumber, 9)
	return append(out, w.d.Segment), nil
}

// writeClaim writes claim i as a complete transaction set.
func writeClaim(w *writer, b *ClaimBatch, i int) {
	env := &b.Envelope
	cl := &b.Claims[i]
	ctl := SetControlNumber(i)
	comp := byteString(w.d.Component)
	w.count = 0
	w.seg("ST", "837", ctl, Version837P)
	// BHT02 00 = original submission; BHT06 CH = chargeable (fee for service).
	w.seg("BHT", "0019", "00", b.BatchID, d8(env.Date), env.Date.Format("1504"), "CH")
	w.seg("NM1", "41", "2", b.Submitter.Name, "", "", "", "", "46", b.Submitter.ID)
	w.seg("PER", "IC", b.Submitter.ContactName, "TE", b.Submitter.ContactPhone)
	w.seg("NM1", "40", "2", b.ReceiverName, "", "", "", "", "46", b.ReceiverID)

	bp := &cl.BillingProvider
	w.seg("HL", "1", "", "20", "1")
	w.seg("PRV", "BI", "PXC", bp.Taxonomy)
	w.seg("NM1", "85", "2", bp.OrganizationName, "", "", "", "", "XX", bp.NPI)
	writeAddress(w, &bp.Address)
	w.seg("REF", "EI", bp.TaxID)

	s := &cl.Subscriber
	child, relationship := "0", "18" // SBR02 18: the subscriber is the patient
	if cl.Patient != nil {
		child, relationship = "1", ""
	}
	w.seg("HL", "2", "1", "22", child)
	w.seg("SBR", s.PayerResponsibility, relationship, s.GroupNumber, "", "", "", "", "", s.FilingIndicator)
	w.seg("NM1", "IL", "1", s.LastName, s.FirstName, "", "", "", "MI", s.MemberID)
	if s.Address != nil {
		writeAddress(w, s.Address)
	}
	if !s.BirthDate.IsZero() {
		w.seg("DMG", "D8", d8(s.BirthDate), s.Gender)
	}
	w.seg("NM1", "PR", "2", cl.Payer.Name, "", "", "", "", "PI", cl.Payer.ID)

	if pt := cl.Patient; pt != nil {
		w.seg("HL", "3", "2", "23", "0")
		w.seg("PAT", pt.Relationship)
		w.seg("NM1", "QC", "1", pt.LastName, pt.FirstName)
		writeAddress(w, &pt.Address)
		w.seg("DMG", "D8", d8(pt.BirthDate), pt.Gender)
	}

	// CLM05 is place of service : B (professional) : frequency code.
	w.seg("CLM", cl.PatientControlNumber, formatMoney(cl.TotalCharge), "", "",
		cl.PlaceOfService+comp+"B"+comp+cl.Frequency,
		yesNo(cl.ProviderSignature), cl.Assignment, yesNo(cl.BenefitsAssigned), cl.ReleaseOfInformation)
	if cl.PayerClaimControlNumber != "" {
		w.seg("REF", "F8", cl.PayerClaimControlNumber)
	}
	hi := make([]string, len(cl.Diagnoses))
	for j, d := range cl.Diagnoses {
		q := "ABF"
		if j == 0 {
			q = "ABK"
		}
		hi[j] = q + comp + d
	}
	w.seg("HI", hi...)
	if r := cl.RenderingProvider; r != nil {
		w.seg("NM1", "82", "1", r.LastName, r.FirstName, "", "", "", "XX", r.NPI)
		if r.Taxonomy != "" {
			w.seg("PRV", "PE", "PXC", r.Taxonomy)
		}
	}
	for j := range cl.Lines {
		writeLine(w, &cl.Lines[j], j+1, comp)
	}
	w.seg("SE", strconv.Itoa(w.count+1), ctl)
}

// writeLine writes loop 2400 number n.
func writeLine(w *writer, l *ServiceLine, n int, comp string) {
	w.seg("LX", strconv.Itoa(n))
	proc := l.Qualifier + comp + l.Code
	for _, m := range l.Modifiers {
		proc += comp + m
	}
	ptrs := ""
	for k, p := range l.DiagnosisPointers {
		if k > 0 {
			ptrs += comp
		}
		ptrs += strconv.Itoa(p)
	}
	w.seg("SV1", proc, formatMoney(l.Charge), l.UnitCode, strconv.Itoa(l.Units), l.PlaceOfService, "", ptrs)
	if l.ServiceDateEnd.IsZero() || d8(l.ServiceDateEnd) == d8(l.ServiceDate) {
		w.seg("DTP", "472", "D8", d8(l.ServiceDate))
	} else {
		w.seg("DTP", "472", "RD8", d8(l.ServiceDate)+"-"+d8(l.ServiceDateEnd))
	}
	if l.LineControlNumber != "" {
		w.seg("REF", "6R", l.LineControlNumber)
	}
}

// writeAddress writes N3 and N4.
func writeAddress(w *writer, a *Address) {
	w.seg("N3", a.Line1, a.Line2)
	w.seg("N4", a.City, a.State, a.PostalCode)
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}
