package ncpdp

import (
	"strings"
	"time"
	"unicode/utf8"
)

// validator collects problems in element order.
type validator struct {
	problems []FieldError
}

func (v *validator) add(field, reason string) {
	v.problems = append(v.problems, FieldError{Field: field, Reason: reason})
}

// text checks a string element: required or not, and its length in
// characters.
func (v *validator) text(field, s string, min, max int, required bool) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case n == 0 && required:
		v.add(field, "is required")
	case n == 0 && s != "":
		v.add(field, "is blank")
	case n > 0 && (n < min || n > max):
		v.add(field, "must be "+itoa(min)+" to "+itoa(max)+" characters")
	}
}

// digits checks an all-digit element of length min..max.
func (v *validator) digits(field, s string, min, max int, required bool) {
	if s == "" {
		if required {
			v.add(field, "is required")
		}
		return
	}
	if !isDigits(s) || len(s) < min || len(s) > max {
		if min == max {
			v.add(field, "must be "+itoa(min)+" digits")
		} else {
			v.add(field, "must be "+itoa(min)+" to "+itoa(max)+" digits")
		}
	}
}

// decimal checks a non-negative decimal number ("30", "2.5", ".5").
func (v *validator) decimal(field, s string, required bool) {
	if s == "" {
		if required {
			v.add(field, "is required")
		}
		return
	}
	whole, frac, _ := strings.Cut(s, ".")
	if (whole == "" && frac == "") || (whole != "" && !isDigits(whole)) || (frac != "" && !isDigits(frac)) || len(s) > 15 {
		v.add(field, "must be a non-negative decimal number")
	}
}

func (v *validator) oneOf(field, s string, required bool, allowed ...string) {
	if s == "" {
		if required {
			v.add(field, "is required")
		}
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.add(field, "is not an allowed code")
}

// date checks a DateValue: exactly one of Date (YYYY-MM-DD) and DateTime
// (RFC 3339).
func (v *validator) date(field string, d *DateValue, required bool) {
	if d == nil || (d.Date == "" && d.DateTime == "") {
		if required {
			v.add(field, "is required")
		}
		return
	}
	if d.Date != "" && d.DateTime != "" {
		v.add(field, "must hold Date or DateTime, not both")
		return
	}
	if d.Date != "" {
		if _, err := time.Parse("2006-01-02", d.Date); err != nil {
			v.add(field+".Date", "must be YYYY-MM-DD")
		}
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, d.DateTime); err != nil {
		v.add(field+".DateTime", "must be an RFC 3339 date-time")
	}
}

// Validate checks the root attributes, the header and the body's required
// elements, returning a *ValidationError naming every problem, or nil.
func (m *Message) Validate() error {
	v := &validator{}
	for _, a := range []struct{ name, val string }{
		{"DatatypesVersion", m.DatatypesVersion}, {"TransportVersion", m.TransportVersion},
		{"TransactionVersion", m.TransactionVersion}, {"StructuresVersion", m.StructuresVersion},
		{"ECLVersion", m.ECLVersion},
	} {
		if a.val != Version {
			v.add("Message@"+a.name, "must be "+Version)
		}
	}
	if m.TransactionDomain != Domain {
		v.add("Message@TransactionDomain", "must be SCRIPT")
	}
	h := &m.Header
	v.party("Header.To", &h.To)
	v.party("Header.From", &h.From)
	v.text("Header.MessageID", h.MessageID, 1, 35, true)
	v.text("Header.RelatesToMessageID", h.RelatesToMessageID, 1, 35, false)
	if h.SentTime.IsZero() {
		v.add("Header.SentTime", "is required")
	}
	if s := h.SenderSoftware; s != nil {
		v.text("Header.SenderSoftware.SenderSoftwareDeveloper", s.Developer, 1, 35, true)
		v.text("Header.SenderSoftware.SenderSoftwareProduct", s.Product, 1, 35, true)
		v.text("Header.SenderSoftware.SenderSoftwareVersionRelease", s.VersionRelease, 1, 10, true)
	}
	v.text("Header.PrescriberOrderNumber", h.PrescriberOrderNumber, 1, 35, false)
	v.text("Header.RxReferenceNumber", h.RxReferenceNumber, 1, 35, false)

	b := &m.Body
	// Answers must say what they answer.
	relates := func() {
		if h.RelatesToMessageID == "" {
			v.add("Header.RelatesToMessageID", "is required in a "+string(m.Type()))
		}
	}
	switch {
	case b.NewRx != nil:
		p := "Body.NewRx"
		v.parties(p, &b.NewRx.Patient, &b.NewRx.Pharmacy, &b.NewRx.Prescriber)
		v.medication(p+".MedicationPrescribed", &b.NewRx.MedicationPrescribed, true)
	case b.Status != nil:
		relates()
		v.status("Body.Status", b.Status)
	case b.Verify != nil:
		relates()
		v.status("Body.Verify.VerifyStatus", &b.Verify.VerifyStatus)
	case b.Error != nil:
		relates()
		e := b.Error
		v.digits("Body.Error.Code", e.Code, 3, 3, true)
		v.digits("Body.Error.DescriptionCode", e.DescriptionCode, 1, 3, false)
		v.text("Body.Error.Description", e.Description, 1, 70, false)
	case b.CancelRx != nil:
		p := "Body.CancelRx"
		v.parties(p, &b.CancelRx.Patient, &b.CancelRx.Pharmacy, &b.CancelRx.Prescriber)
		v.medication(p+".MedicationPrescribed", &b.CancelRx.MedicationPrescribed, false)
	case b.CancelRxResponse != nil:
		relates()
		v.response("Body.CancelRxResponse.Response", &b.CancelRxResponse.Response, "Approved", "Denied")
	case b.RxChangeRequest != nil:
		p := "Body.RxChangeRequest"
		r := b.RxChangeRequest
		v.changeCode(p+".MessageRequestCode", r.MessageRequestCode)
		v.parties(p, &r.Patient, &r.Pharmacy, &r.Prescriber)
		v.medication(p+".MedicationPrescribed", &r.MedicationPrescribed, false)
		for i := range r.MedicationRequested {
			v.medication(p+".MedicationRequested["+itoa(i)+"]", &r.MedicationRequested[i], false)
		}
	case b.RxChangeResponse != nil:
		relates()
		p := "Body.RxChangeResponse"
		r := b.RxChangeResponse
		v.changeCode(p+".MessageRequestCode", r.MessageRequestCode)
		v.response(p+".Response", &r.Response, "Approved", "ApprovedWithChanges", "Denied", "Validated")
		v.parties(p, &r.Patient, &r.Pharmacy, &r.Prescriber)
		if r.MedicationPrescribed != nil {
			v.medication(p+".MedicationPrescribed", r.MedicationPrescribed, false)
		}
	case b.RxRenewalRequest != nil:
		p := "Body.RxRenewalRequest"
		r := b.RxRenewalRequest
		v.parties(p, &r.Patient, &r.Pharmacy, &r.Prescriber)
		if r.MedicationDispensed != nil {
			v.medication(p+".MedicationDispensed", r.MedicationDispensed, false)
		}
		v.medication(p+".MedicationPrescribed", &r.MedicationPrescribed, false)
	case b.RxRenewalResponse != nil:
		relates()
		p := "Body.RxRenewalResponse"
		r := b.RxRenewalResponse
		v.response(p+".Response", &r.Response, "Approved", "ApprovedWithChanges", "Denied", "Replace")
		v.parties(p, &r.Patient, &r.Pharmacy, &r.Prescriber)
		if r.MedicationResponse != nil {
			v.medication(p+".MedicationResponse", r.MedicationResponse, false)
		}
	case b.RxFill != nil:
		p := "Body.RxFill"
		r := b.RxFill
		if r.FillStatus.Outcome() == "" {
			v.add(p+".FillStatus", "must hold exactly one of Dispensed, PartiallyDispensed, NotDispensed, Transferred")
		}
		v.parties(p, &r.Patient, &r.Pharmacy, &r.Prescriber)
		v.medication(p+".MedicationPrescribed", &r.MedicationPrescribed, false)
		if r.MedicationDispensed != nil {
			v.medication(p+".MedicationDispensed", r.MedicationDispensed, false)
		}
	}
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

func (v *validator) party(field string, p *Party) {
	v.text(field, p.ID, 1, 35, true)
	if q := p.Qualifier; q == "" {
		v.add(field+"@Qualifier", "is required")
	} else if len(q) > 3 || !isUpperAlnum(q) {
		v.add(field+"@Qualifier", "must be a code of 1 to 3 upper-case letters or digits")
	}
}

func (v *validator) status(field string, s *Status) {
	v.digits(field+".Code", s.Code, 3, 3, true)
	v.digits(field+".DescriptionCode", s.DescriptionCode, 1, 3, false)
	v.text(field+".Description", s.Description, 1, 70, false)
}

func (v *validator) changeCode(field, code string) {
	if code == "" {
		v.add(field, "is required")
	} else if !changeCodes[code] {
		v.add(field, "is not an allowed code")
	}
}

// response requires exactly one of the allowed choices.
func (v *validator) response(field string, r *Response, allowed ...string) {
	n := 0
	for _, c := range r.choices() {
		if !c.present {
			continue
		}
		n++
		allowedHere := false
		for _, a := range allowed {
			allowedHere = allowedHere || a == c.name
		}
		if !allowedHere {
			v.add(field+"."+c.name, "is not allowed in this response")
		}
	}
	if n != 1 {
		v.add(field, "must hold exactly one of "+strings.Join(allowed, ", "))
	}
	if d := r.Denied; d != nil {
		for i, c := range d.ReasonCode {
			if c == "" || len(c) > 3 || !isUpperAlnum(c) {
				v.add(field+".Denied.ReasonCode["+itoa(i)+"]", "must be a code of 1 to 3 upper-case letters or digits")
			}
		}
		v.text(field+".Denied.DenialReason", d.DenialReason, 1, 70, false)
	}
}

// parties checks the patient, pharmacy and prescriber every prescription
// body carries.
func (v *validator) parties(p string, pt *Patient, ph *Pharmacy, pr *Prescriber) {
	if hp := pt.HumanPatient; hp == nil {
		v.add(p+".Patient.HumanPatient", "is required")
	} else {
		f := p + ".Patient.HumanPatient"
		v.name(f+".Name", &hp.Name)
		v.oneOf(f+".Gender", hp.Gender, true, "M", "F", "U")
		v.date(f+".DateOfBirth", &hp.DateOfBirth, true)
		if hp.Address != nil {
			v.address(f+".Address", hp.Address)
		}
	}
	f := p + ".Pharmacy"
	v.digits(f+".Identification.NCPDPID", ph.Identification.NCPDPID, 7, 7, true)
	v.digits(f+".Identification.NPI", ph.Identification.NPI, 10, 10, false)
	v.text(f+".BusinessName", ph.BusinessName, 1, 70, true)
	if ph.Address != nil {
		v.address(f+".Address", ph.Address)
	}
	if nv := pr.NonVeterinarian; nv == nil {
		v.add(p+".Prescriber.NonVeterinarian", "is required")
	} else {
		f := p + ".Prescriber.NonVeterinarian"
		v.digits(f+".Identification.NPI", nv.Identification.NPI, 10, 10, true)
		if dea := nv.Identification.DEANumber; dea != "" && !validDEAShape(dea) {
			v.add(f+".Identification.DEANumber", "must be two letters and seven digits")
		}
		v.name(f+".Name", &nv.Name)
		if nv.Address != nil {
			v.address(f+".Address", nv.Address)
		}
	}
}

func (v *validator) name(field string, n *Name) {
	v.text(field+".LastName", n.LastName, 1, 35, true)
	v.text(field+".FirstName", n.FirstName, 1, 35, true)
	v.text(field+".MiddleName", n.MiddleName, 1, 35, false)
}

func (v *validator) address(field string, a *Address) {
	v.text(field+".AddressLine1", a.AddressLine1, 1, 40, true)
	v.text(field+".AddressLine2", a.AddressLine2, 1, 40, false)
	v.text(field+".City", a.City, 1, 35, true)
	v.text(field+".PostalCode", a.PostalCode, 1, 10, false)
}

// medication checks a medication element; sig is required in a NewRx.
func (v *validator) medication(field string, m *Medication, sigRequired bool) {
	v.text(field+".DrugDescription", m.DrugDescription, 1, 105, true)
	if dc := m.DrugCoded; dc != nil {
		for _, c := range []struct {
			name string
			code *Code
		}{{"ProductCode", dc.ProductCode}, {"DrugDBCode", dc.DrugDBCode}} {
			if c.code == nil {
				continue
			}
			v.text(field+".DrugCoded."+c.name+".Code", c.code.Code, 1, 35, true)
			v.text(field+".DrugCoded."+c.name+".Qualifier", c.code.Qualifier, 1, 3, true)
		}
		if p := dc.ProductCode; p != nil && p.Qualifier == "ND" && p.Code != "" && (!isDigits(p.Code) || len(p.Code) != 11) {
			v.add(field+".DrugCoded.ProductCode.Code", "must be an 11-digit NDC")
		}
		for _, c := range []*Code{dc.ProductCode, dc.DrugDBCode} {
			if c != nil && RxNormCodeQualifiers[c.Qualifier] && !isDigits(c.Code) {
				v.add(field+".DrugCoded", "RxNorm code must be digits")
			}
		}
		if dc.DEASchedule != nil {
			v.oneOf(field+".DrugCoded.DEASchedule.Code", dc.DEASchedule.Code, true,
				"C48672", "C48675", "C48676", "C48677", "C48679", "C38046")
		}
	}
	q := &m.Quantity
	v.decimal(field+".Quantity.Value", q.Value, true)
	v.digits(field+".Quantity.CodeListQualifier", q.CodeListQualifier, 2, 2, true)
	v.text(field+".Quantity.QuantityUnitOfMeasure.Code", q.QuantityUnitOfMeasure.Code, 1, 15, true)
	v.digits(field+".DaysSupply", m.DaysSupply, 1, 3, false)
	v.date(field+".WrittenDate", m.WrittenDate, sigRequired)
	v.date(field+".LastFillDate", m.LastFillDate, false)
	v.oneOf(field+".Substitutions", m.Substitutions, false, "0", "1", "2", "3", "4", "5", "7", "8")
	v.digits(field+".NumberOfRefills", m.NumberOfRefills, 1, 2, false)
	if m.Sig == nil {
		if sigRequired {
			v.add(field+".Sig", "is required")
		}
	} else {
		v.text(field+".Sig.SigText", m.Sig.SigText, 1, 1000, true)
		for i, in := range m.Sig.Instruction {
			if d := in.DoseAdministration; d != nil && d.Dosage != nil {
				v.decimal(field+".Sig.Instruction["+itoa(i)+"].DoseAdministration.Dosage.DoseQuantity", d.Dosage.DoseQuantity, true)
			}
			for j, td := range in.TimingAndDuration {
				if td.Frequency != nil {
					v.decimal(field+".Sig.Instruction["+itoa(i)+"].TimingAndDuration["+itoa(j)+"].Frequency.FrequencyNumericValue", td.Frequency.FrequencyNumericValue, true)
				}
			}
		}
	}
	v.text(field+".Note", m.Note, 1, 210, false)
}

// validDEAShape checks the form of a DEA registration number: two letters
// then seven digits whose last is the check digit.
func validDEAShape(s string) bool {
	if len(s) != 9 || !isUpperAlnum(s[:2]) || s[0] < 'A' || s[0] > 'Z' || !isDigits(s[2:]) {
		return false
	}
	d := func(i int) int { return int(s[i] - '0') }
	sum := d(2) + d(4) + d(6) + 2*(d(3)+d(5)+d(7))
	return sum%10 == d(8)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
