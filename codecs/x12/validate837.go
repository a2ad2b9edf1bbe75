package x12

import (
	"strconv"
	"strings"
	"time"
)

// ClaimRule names the rule a claim failed, so an API can answer 422 with it.
type ClaimRule string

// The rules Build837P checks before building anything.
const (
	RuleRequired        ClaimRule = "required"
	RuleLength          ClaimRule = "length"
	RuleCharacters      ClaimRule = "characters"
	RuleCode            ClaimRule = "code"
	RuleCount           ClaimRule = "count"
	RuleDate            ClaimRule = "date"
	RuleAmount          ClaimRule = "amount"
	RuleNPICheckDigit   ClaimRule = "npi-check-digit"
	RuleTotalEqualsSum  ClaimRule = "total-equals-sum-of-lines"
	RulePointerInRange  ClaimRule = "diagnosis-pointer-in-range"
	RuleReplacementRef  ClaimRule = "replacement-needs-payer-claim-number"
	RuleUniqueControlNo ClaimRule = "unique-patient-control-number"
	RuleEnvelope        ClaimRule = "envelope"
)

// ClaimProblem is one failed rule on one field of a claim batch.
type ClaimProblem struct {
	// Claim is the 0-based index of the claim, -1 for batch-level fields.
	Claim int `json:"claim"`
	// Field is the JSON path of the field, e.g. "claims[0].lines[1].diagnosisPointers".
	Field string `json:"field"`
	// Rule is the rule that failed.
	Rule ClaimRule `json:"rule"`
	// Reason says what is wrong without repeating the value.
	Reason string `json:"reason"`
}

// ClaimError lists every rule a claim batch failed; nothing was built. Its
// message names fields and rules, never values (they are PHI).
type ClaimError struct {
	Problems []ClaimProblem
}

// Error joins the problems into one line.
func (e *ClaimError) Error() string {
	var b strings.Builder
	b.WriteString("x12: invalid claim batch: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Field)
		b.WriteString(" [")
		b.WriteString(string(p.Rule))
		b.WriteString("] ")
		b.WriteString(p.Reason)
	}
	return b.String()
}

// HasRule reports whether rule failed on field (any field when field is "").
func (e *ClaimError) HasRule(field string, rule ClaimRule) bool {
	for _, p := range e.Problems {
		if p.Rule == rule && (field == "" || p.Field == field) {
			return true
		}
	}
	return false
}

// maxLineCharge bounds one charge (and so a claim's total of at most 50
// lines) far below the int64 range, so sums cannot overflow.
const maxLineCharge = Money(99_999_999_99)

// claimValidator collects problems while normalizing a copy of the batch.
type claimValidator struct {
	v        validator
	problems []ClaimProblem
	claim    int
}

// add records a problem; the field path is joined only here, so checks that
// pass allocate nothing for it.
func (c *claimValidator) add(p, name string, rule ClaimRule, reason string) {
	c.problems = append(c.problems, ClaimProblem{Claim: c.claim, Field: p + name, Rule: rule, Reason: reason})
}

// text applies the shared text rules (trimming, ASCII folding, delimiter and
// length checks) and records their failures under the matching rule.
func (c *claimValidator) text(p, name string, s *string, r textRule) bool {
	n := len(c.v.errs)
	ok := c.v.text("", s, r)
	for _, fe := range c.v.errs[n:] {
		rule := RuleCharacters
		switch fe.Reason {
		case "is required":
			rule = RuleRequired
		case "has an invalid length":
			rule = RuleLength
		}
		c.add(p, name, rule, fe.Reason)
	}
	c.v.errs = c.v.errs[:n]
	return ok
}

// code checks *s against allowed values after upper-casing, filling def when
// empty.
func (c *claimValidator) code(p, name string, s *string, def string, allowed ...string) {
	*s = toUpperASCII(strings.TrimSpace(*s))
	if *s == "" {
		*s = def
	}
	for _, a := range allowed {
		if *s == a {
			return
		}
	}
	if *s == "" {
		c.add(p, name, RuleRequired, "is required")
		return
	}
	c.add(p, name, RuleCode, "is not one of the allowed codes")
}

// pattern checks that *s (upper-cased) has length min..max and only digits
// (digits) or letters and digits.
func (c *claimValidator) pattern(p, name string, s *string, min, max int, digits, required bool) {
	*s = toUpperASCII(strings.TrimSpace(*s))
	if *s == "" {
		if required {
			c.add(p, name, RuleRequired, "is required")
		}
		return
	}
	ok := isAlnumString(*s)
	if digits {
		ok = isDigits(*s)
	}
	if !ok {
		c.add(p, name, RuleCharacters, "has characters that are not allowed")
		return
	}
	if len(*s) < min || len(*s) > max {
		c.add(p, name, RuleLength, "has an invalid length")
	}
}

func (c *claimValidator) npi(p, name, npi string) {
	switch {
	case npi == "":
		c.add(p, name, RuleRequired, "is required")
	case !validNPI(npi):
		c.add(p, name, RuleNPICheckDigit, "must be 10 digits with a valid Luhn check digit")
	}
}

var (
	ruleOrgName   = textRule{min: 1, max: 60, required: true, upper: true}
	ruleLastName  = textRule{min: 1, max: 60, required: true, upper: true}
	ruleFirstName = textRule{min: 1, max: 35, required: true, upper: true}
	ruleID        = textRule{min: 2, max: 80, required: true}
)

// address checks an N3/N4 pair; the billing provider's ZIP must have nine
// digits, others five or nine.
func (c *claimValidator) address(p, name string, a *Address, zip9 bool) {
	p += name
	c.text(p, ".line1", &a.Line1, textRule{min: 1, max: 55, required: true, upper: true})
	c.text(p, ".line2", &a.Line2, textRule{min: 1, max: 55, upper: true})
	c.text(p, ".city", &a.City, textRule{min: 2, max: 30, required: true, upper: true})
	a.State = toUpperASCII(strings.TrimSpace(a.State))
	if len(a.State) != 2 || a.State[0] < 'A' || a.State[0] > 'Z' || a.State[1] < 'A' || a.State[1] > 'Z' {
		c.add(p, ".state", RuleCode, "must be a two-letter state code")
	}
	a.PostalCode = strings.ReplaceAll(strings.TrimSpace(a.PostalCode), "-", "")
	switch {
	case !isDigits(a.PostalCode):
		c.add(p, ".postalCode", RuleCharacters, "must be digits")
	case zip9 && len(a.PostalCode) != 9:
		c.add(p, ".postalCode", RuleLength, "must be a nine-digit ZIP code")
	case len(a.PostalCode) != 5 && len(a.PostalCode) != 9:
		c.add(p, ".postalCode", RuleLength, "must be a five- or nine-digit ZIP code")
	}
}

func (c *claimValidator) gender(p, name string, g *string) {
	c.code(p, name, g, "", "M", "F", "U")
}

func (c *claimValidator) birth(p, name string, b *ClaimBatch, t time.Time) {
	switch {
	case t.IsZero():
		c.add(p, name, RuleRequired, "is required")
	case t.Year() < 1900:
		c.add(p, name, RuleDate, "is before 1900")
	case !b.Envelope.Date.IsZero() && d8(t) > d8(b.Envelope.Date):
		c.add(p, name, RuleDate, "is after the interchange date")
	}
}

// normalize837 validates a deep copy of b, fills defaults and returns it, or
// a *ClaimError naming every failed rule.
func normalize837(in ClaimBatch) (ClaimBatch, error) {
	b := cloneBatch(in)
	c := &claimValidator{claim: -1}
	n := len(c.v.errs)
	c.v.envelope(&b.Envelope)
	for _, fe := range c.v.errs[n:] {
		c.add("envelope.", lowerFirst(strings.TrimPrefix(fe.Field, "Envelope.")), RuleEnvelope, fe.Reason)
	}
	c.v.errs = c.v.errs[:0]
	c.text("", "batchId", &b.BatchID, textRule{min: 1, max: 50, required: true})
	c.text("", "submitter.name", &b.Submitter.Name, ruleOrgName)
	c.text("", "submitter.id", &b.Submitter.ID, ruleID)
	c.text("", "submitter.contactName", &b.Submitter.ContactName, ruleOrgName)
	c.pattern("", "submitter.contactPhone", &b.Submitter.ContactPhone, 10, 10, true, true)
	c.text("", "receiverName", &b.ReceiverName, ruleOrgName)
	c.text("", "receiverId", &b.ReceiverID, ruleID)
	switch {
	case len(b.Claims) == 0:
		c.add("", "claims", RuleRequired, "must hold at least one claim")
	case len(b.Claims) > 9999:
		c.add("", "claims", RuleCount, "must hold at most 9999 claims")
	}
	seen := map[string]int{}
	for i := range b.Claims {
		c.claim = i
		c.claimFields(&b, i)
		pcn := b.Claims[i].PatientControlNumber
		if j, dup := seen[pcn]; dup && pcn != "" {
			c.add(claimPath(i), ".patientControlNumber", RuleUniqueControlNo, "repeats claims["+strconv.Itoa(j)+"]")
		} else {
			seen[pcn] = i
		}
	}
	if len(c.problems) > 0 {
		return b, &ClaimError{Problems: c.problems}
	}
	return b, nil
}

func claimPath(i int) string { return "claims[" + strconv.Itoa(i) + "]" }

// claimFields checks claim i of b in place.
func (c *claimValidator) claimFields(b *ClaimBatch, i int) {
	cl := &b.Claims[i]
	p := claimPath(i)
	bp := &cl.BillingProvider
	c.npi(p, ".billingProvider.npi", bp.NPI)
	c.text(p, ".billingProvider.organizationName", &bp.OrganizationName, ruleOrgName)
	c.pattern(p, ".billingProvider.taxonomy", &bp.Taxonomy, 10, 10, false, true)
	bp.TaxID = strings.ReplaceAll(strings.TrimSpace(bp.TaxID), "-", "")
	c.pattern(p, ".billingProvider.taxId", &bp.TaxID, 9, 9, true, true)
	c.address(p, ".billingProvider.address", &bp.Address, true)

	s := &cl.Subscriber
	c.text(p, ".subscriber.memberId", &s.MemberID, ruleID)
	c.text(p, ".subscriber.lastName", &s.LastName, ruleLastName)
	c.text(p, ".subscriber.firstName", &s.FirstName, ruleFirstName)
	c.text(p, ".subscriber.groupNumber", &s.GroupNumber, textRule{min: 1, max: 50})
	c.code(p, ".subscriber.payerResponsibility", &s.PayerResponsibility, "P", "P", "S", "T")
	c.pattern(p, ".subscriber.filingIndicator", &s.FilingIndicator, 2, 2, false, false)
	if s.FilingIndicator == "" {
		s.FilingIndicator = "CI"
	}
	if cl.Patient == nil {
		c.birth(p, ".subscriber.birthDate", b, s.BirthDate)
		c.gender(p, ".subscriber.gender", &s.Gender)
		if s.Address == nil {
			c.add(p, ".subscriber.address", RuleRequired, "is required when the subscriber is the patient")
		} else {
			c.address(p, ".subscriber.address", s.Address, false)
		}
	} else {
		if !s.BirthDate.IsZero() {
			c.birth(p, ".subscriber.birthDate", b, s.BirthDate)
		}
		if s.Gender != "" {
			c.gender(p, ".subscriber.gender", &s.Gender)
		}
		if s.Address != nil {
			c.address(p, ".subscriber.address", s.Address, false)
		}
		pt := cl.Patient
		c.code(p, ".patient.relationship", &pt.Relationship, "", "01", "19", "20", "21", "39", "40", "53", "G8")
		c.text(p, ".patient.lastName", &pt.LastName, ruleLastName)
		c.text(p, ".patient.firstName", &pt.FirstName, ruleFirstName)
		c.birth(p, ".patient.birthDate", b, pt.BirthDate)
		c.gender(p, ".patient.gender", &pt.Gender)
		c.address(p, ".patient.address", &pt.Address, false)
	}
	c.text(p, ".payer.name", &cl.Payer.Name, ruleOrgName)
	c.text(p, ".payer.id", &cl.Payer.ID, ruleID)

	c.text(p, ".patientControlNumber", &cl.PatientControlNumber, textRule{min: 1, max: 20, required: true})
	c.pattern(p, ".placeOfService", &cl.PlaceOfService, 2, 2, true, true)
	c.code(p, ".frequency", &cl.Frequency, FrequencyOriginal, FrequencyOriginal, FrequencyReplacement, FrequencyVoid)
	c.text(p, ".payerClaimControlNumber", &cl.PayerClaimControlNumber, textRule{min: 1, max: 50})
	if (cl.Frequency == FrequencyReplacement || cl.Frequency == FrequencyVoid) && cl.PayerClaimControlNumber == "" {
		c.add(p, ".payerClaimControlNumber", RuleReplacementRef, "is required for a replacement (7) or void (8)")
	}
	c.code(p, ".assignment", &cl.Assignment, "A", "A", "B", "C")
	c.code(p, ".releaseOfInformation", &cl.ReleaseOfInformation, "Y", "Y", "I")

	switch {
	case len(cl.Diagnoses) == 0:
		c.add(p, ".diagnoses", RuleRequired, "must hold at least the principal diagnosis")
	case len(cl.Diagnoses) > maxDiagnoses:
		c.add(p, ".diagnoses", RuleCount, "must hold at most 12 codes")
	}
	for j := range cl.Diagnoses {
		d := toUpperASCII(strings.ReplaceAll(strings.TrimSpace(cl.Diagnoses[j]), ".", ""))
		cl.Diagnoses[j] = d
		if !validICD10CM(d) {
			c.add(p, ".diagnoses["+strconv.Itoa(j)+"]", RuleCode, "is not an ICD-10-CM code")
		}
	}

	if r := cl.RenderingProvider; r != nil {
		c.npi(p, ".renderingProvider.npi", r.NPI)
		c.text(p, ".renderingProvider.lastName", &r.LastName, ruleLastName)
		c.text(p, ".renderingProvider.firstName", &r.FirstName, ruleFirstName)
		c.pattern(p, ".renderingProvider.taxonomy", &r.Taxonomy, 10, 10, false, false)
	}

	switch {
	case len(cl.Lines) == 0:
		c.add(p, ".lines", RuleRequired, "must hold at least one service line")
	case len(cl.Lines) > maxLinesPerClaim:
		c.add(p, ".lines", RuleCount, "must hold at most 50 service lines")
	}
	var sum Money
	sumOK := true
	for j := range cl.Lines {
		ok := c.line(b, cl, j)
		sumOK = sumOK && ok
		sum += cl.Lines[j].Charge
	}
	switch {
	case cl.TotalCharge <= 0 || cl.TotalCharge > maxLineCharge*maxLinesPerClaim:
		c.add(p, ".totalCharge", RuleAmount, "must be greater than zero")
	case sumOK && len(cl.Lines) > 0 && sum != cl.TotalCharge:
		c.add(p, ".totalCharge", RuleTotalEqualsSum, "does not equal the sum of the line charges")
	}
}

// line checks service line j of cl and reports whether its charge is usable
// in the total.
func (c *claimValidator) line(b *ClaimBatch, cl *ProfessionalClaim, j int) bool {
	l := &cl.Lines[j]
	p := claimPath(c.claim) + ".lines[" + strconv.Itoa(j) + "]"
	c.code(p, ".qualifier", &l.Qualifier, "HC", "HC", "ER", "IV", "WK")
	if l.Qualifier == "HC" {
		c.pattern(p, ".code", &l.Code, 5, 5, false, true)
	} else {
		c.pattern(p, ".code", &l.Code, 1, 48, false, true)
	}
	if len(l.Modifiers) > maxModifiers {
		c.add(p, ".modifiers", RuleCount, "must hold at most 4 modifiers")
	}
	for k := range l.Modifiers {
		c.pattern(p, ".modifiers["+strconv.Itoa(k)+"]", &l.Modifiers[k], 2, 2, false, true)
	}
	ok := l.Charge > 0 && l.Charge <= maxLineCharge
	if !ok {
		c.add(p, ".charge", RuleAmount, "must be greater than zero and at most 99999999.99")
	}
	if l.Units < 1 || l.Units > 99999 {
		c.add(p, ".units", RuleAmount, "must be between 1 and 99999")
	}
	c.code(p, ".unitCode", &l.UnitCode, "UN", "UN", "MJ")
	c.pattern(p, ".placeOfService", &l.PlaceOfService, 2, 2, true, false)
	switch {
	case len(l.DiagnosisPointers) == 0:
		c.add(p, ".diagnosisPointers", RuleRequired, "must point to at least one diagnosis")
	case len(l.DiagnosisPointers) > maxDiagnosisPointer:
		c.add(p, ".diagnosisPointers", RuleCount, "must hold at most 4 pointers")
	}
	for k, ptr := range l.DiagnosisPointers {
		if ptr < 1 || ptr > len(cl.Diagnoses) || ptr > maxDiagnoses {
			c.add(p, ".diagnosisPointers", RulePointerInRange, "points outside the claim's diagnoses")
			break
		}
		for _, prev := range l.DiagnosisPointers[:k] {
			if prev == ptr {
				c.add(p, ".diagnosisPointers", RulePointerInRange, "repeats a diagnosis")
			}
		}
	}
	switch {
	case l.ServiceDate.IsZero():
		c.add(p, ".serviceDate", RuleRequired, "is required")
	case l.ServiceDate.Year() < 1900:
		c.add(p, ".serviceDate", RuleDate, "is before 1900")
	case !b.Envelope.Date.IsZero() && d8(l.ServiceDate) > d8(b.Envelope.Date):
		c.add(p, ".serviceDate", RuleDate, "is after the interchange date")
	}
	if !l.ServiceDateEnd.IsZero() {
		if d8(l.ServiceDateEnd) < d8(l.ServiceDate) {
			c.add(p, ".serviceDateEnd", RuleDate, "is before the service date")
		} else if !b.Envelope.Date.IsZero() && d8(l.ServiceDateEnd) > d8(b.Envelope.Date) {
			c.add(p, ".serviceDateEnd", RuleDate, "is after the interchange date")
		}
	}
	if !l.ServiceDateEnd.IsZero() && d8(l.ServiceDateEnd) == d8(l.ServiceDate) {
		l.ServiceDateEnd = time.Time{} // a one-day range is a single date (D8)
	}
	c.text(p, ".lineControlNumber", &l.LineControlNumber, textRule{min: 1, max: 50})
	return ok
}

// validICD10CM checks the shape of an ICD-10-CM code without its dot: a
// letter, a digit, a letter or digit, then up to four letters or digits.
func validICD10CM(s string) bool {
	if len(s) < 3 || len(s) > 7 || !isAlnumString(s) {
		return false
	}
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= '0' && s[1] <= '9'
}

// cloneBatch copies every slice and pointer of b so normalizing never writes
// into the caller's values.
func cloneBatch(b ClaimBatch) ClaimBatch {
	b.Claims = append([]ProfessionalClaim(nil), b.Claims...)
	for i := range b.Claims {
		cl := &b.Claims[i]
		if cl.Subscriber.Address != nil {
			a := *cl.Subscriber.Address
			cl.Subscriber.Address = &a
		}
		if cl.Patient != nil {
			pt := *cl.Patient
			cl.Patient = &pt
		}
		if cl.RenderingProvider != nil {
			r := *cl.RenderingProvider
			cl.RenderingProvider = &r
		}
		cl.Diagnoses = append([]string(nil), cl.Diagnoses...)
		cl.Lines = append([]ServiceLine(nil), cl.Lines...)
		for j := range cl.Lines {
			l := &cl.Lines[j]
			l.Modifiers = append([]string(nil), l.Modifiers...)
			l.DiagnosisPointers = append([]int(nil), l.DiagnosisPointers...)
		}
	}
	return b
}

// lowerFirst turns a Go field name into its JSON spelling ("SenderID" ->
// "senderID").
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
