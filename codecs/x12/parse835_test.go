package x12

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse835(t testing.TB, name string) *Remittance {
	t.Helper()
	r, err := Parse835(readFixture(t, "835/"+name+".x12"))
	require.NoError(t, err)
	return r
}

// TestParse835MultipleClaims reads a payment with three claims: a paid claim
// with a copay, a partial payment with repeated CAS segments and several
// triplets per CAS on its lines, and a denial.
func TestParse835MultipleClaims(t *testing.T) {
	r := mustParse835(t, "multiple_claims")
	require.Len(t, r.Advices, 1)
	a := r.Advices[0]
	assert.Equal(t, int64(501), r.Envelope.ControlNumber)
	assert.Equal(t, Money(23025), a.TotalPaid)
	assert.Equal(t, "I", a.HandlingCode)
	assert.Equal(t, "ACH", a.PaymentMethod)
	assert.Equal(t, time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC), a.PaymentDate)
	assert.Equal(t, PaymentTrace{Type: "1", Number: "EFT-0001", OriginatorID: "1512345678"}, a.Trace)
	assert.Equal(t, time.Date(2024, 3, 19, 0, 0, 0, 0, time.UTC), a.ProductionDate)
	assert.Equal(t, "ACME HEALTH PLAN", a.PayerName)
	assert.Equal(t, "ACME01", a.PayerID)
	assert.Equal(t, "XX", a.PayeeIDQualifier)
	assert.Equal(t, "1234567893", a.PayeeID)
	require.Len(t, a.Claims, 3)

	c1 := a.Claims[0]
	assert.Equal(t, "PCN-1001", c1.PatientControlNumber)
	assert.Equal(t, "1", c1.Status)
	assert.Equal(t, "Processed as Primary", c1.StatusMeaning)
	assert.False(t, c1.Denied)
	assert.Equal(t, Money(12500), c1.Charge)
	assert.Equal(t, Money(8000), c1.Paid)
	assert.Equal(t, Money(2000), c1.PatientResponsibility)
	assert.Equal(t, Money(2000), c1.PatientResponsibilityReported)
	assert.Equal(t, "PAYERCLM1001", c1.PayerClaimControlNumber)
	assert.Equal(t, time.Date(2024, 3, 16, 0, 0, 0, 0, time.UTC), c1.Received)
	require.Len(t, c1.Services, 1)
	s := c1.Services[0]
	assert.Equal(t, "99213", s.Code)
	assert.Equal(t, "PCN-1001-1", s.LineControlNumber)
	require.NotNil(t, s.Allowed)
	assert.Equal(t, Money(10000), *s.Allowed)
	assert.Equal(t, []Adjustment{{Group: "CO", Reason: "45", Amount: 2500}, {Group: "PR", Reason: "3", Amount: 2000}}, s.Adjustments)

	c2 := a.Claims[1]
	assert.Equal(t, "PCN-1002", c2.PatientControlNumber)
	assert.Equal(t, Money(30550), c2.Charge)
	assert.Equal(t, Money(15025), c2.Paid)
	assert.Equal(t, "7", c2.Frequency)
	require.Len(t, c2.Services, 3)
	assert.Equal(t, []Adjustment{
		{Group: "CO", Reason: "45", Amount: 3000, Quantity: "1"},
		{Group: "CO", Reason: "253", Amount: 240},
		{Group: "PR", Reason: "1", Amount: 2760},
	}, c2.Services[0].Adjustments)
	assert.Equal(t, []string{"25"}, c2.Services[0].Modifiers)
	assert.Equal(t, []string{"RT", "59", "XS", "76"}, c2.Services[1].Modifiers)
	assert.Equal(t, "2", c2.Services[1].Units)
	assert.Equal(t, time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC), c2.Services[1].ServiceDate)
	assert.Equal(t, time.Date(2024, 3, 13, 0, 0, 0, 0, time.UTC), c2.Services[1].ServiceDateEnd)
	assert.Equal(t, Money(3250), c2.Services[1].PatientResponsibility)
	assert.Equal(t, Money(0), c2.Services[2].Paid)
	assert.Equal(t, []string{"N130"}, c2.Services[2].RemarkCodes)
	assert.Equal(t, Money(6010), c2.PatientResponsibility, "deductible 27.60 + coinsurance 32.50")
	assert.Empty(t, c2.Adjustments)

	c3 := a.Claims[2]
	assert.True(t, c3.Denied)
	assert.Equal(t, "Denied", c3.StatusMeaning)
	assert.Equal(t, Money(0), c3.Paid)
	assert.Equal(t, []Adjustment{{Group: "CO", Reason: "29", Amount: 20000}}, c3.Adjustments)
	assert.Equal(t, Money(0), c3.PatientResponsibility)

	assert.Same(t, &r.Advices[0].Claims[1], r.FindClaim("PCN-1002"))
	assert.Nil(t, r.FindClaim("PCN-9999"))
}

// TestParse835ReversalAndPLB reads a reversal (CLP02 22, negative amounts),
// the corrected claim, and provider-level adjustments that reduce and
// increase the check.
func TestParse835ReversalAndPLB(t *testing.T) {
	a := mustParse835(t, "reversal_plb").Advices[0]
	assert.Equal(t, Money(725), a.TotalPaid)
	assert.Equal(t, "CHK", a.PaymentMethod)
	assert.Equal(t, "CHK-70001", a.Trace.Number)
	require.Len(t, a.Claims, 2)
	rev := a.Claims[0]
	assert.True(t, rev.Reversal)
	assert.Equal(t, "Reversal of Previous Payment", rev.StatusMeaning)
	assert.Equal(t, Money(-12500), rev.Charge)
	assert.Equal(t, Money(-8000), rev.Paid)
	assert.Equal(t, Money(-2000), rev.PatientResponsibility)
	corrected := a.Claims[1]
	assert.False(t, corrected.Reversal)
	assert.Equal(t, Money(9000), corrected.Paid)
	assert.Equal(t, Money(1000), corrected.PatientResponsibility)
	assert.Equal(t, "PAYERCLM1001B", corrected.PayerClaimControlNumber)
	fiscal := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, []ProviderAdjustment{
		{ProviderID: "1234567893", FiscalPeriodEnd: fiscal, Reason: "WO", Reference: "PAYERCLM0999", Amount: 500},
		{ProviderID: "1234567893", FiscalPeriodEnd: fiscal, Reason: "L6", Amount: -225},
	}, a.ProviderAdjustments)
	// Net posting for the claim across both CLP loops: -80.00 + 90.00.
	assert.Equal(t, Money(1000), rev.Paid+corrected.Paid)
}

// TestParse835TwoSets reads a notification-only denial (BPR01 H, NON) and a
// second payment in one interchange.
func TestParse835TwoSets(t *testing.T) {
	r := mustParse835(t, "denial_two_sets")
	require.Len(t, r.Advices, 2)
	d := r.Advices[0]
	assert.Equal(t, "H", d.HandlingCode)
	assert.Equal(t, "NON", d.PaymentMethod)
	assert.Equal(t, Money(0), d.TotalPaid)
	require.Len(t, d.Claims, 1)
	assert.True(t, d.Claims[0].Denied)
	assert.Equal(t, []string{"N54"}, d.Claims[0].Services[0].RemarkCodes)
	p := r.Advices[1]
	assert.Equal(t, "0002", p.ControlNumber)
	assert.Equal(t, Money(4000), p.TotalPaid)
	assert.Equal(t, "2", p.Claims[0].Status)
	assert.Equal(t, []Adjustment{{Group: "OA", Reason: "23", Amount: 2000}}, p.Claims[0].Adjustments)
}

// TestParse835Rejects checks malformed and unbalanced remittances fail with
// a *ParseError naming the place, never a value.
func TestParse835Rejects(t *testing.T) {
	good := string(readFixture(t, "835/multiple_claims.x12"))
	cases := map[string]struct{ from, to string }{
		"line does not balance":   {"CAS*PR*3*20~", "CAS*PR*3*21~"},
		"claim does not balance":  {"CLP*PCN-1003*4*200*0", "CLP*PCN-1003*4*201*0"},
		"total does not balance":  {"BPR*I*230.25*", "BPR*I*230.26*"},
		"unknown CAS group":       {"CAS*CO*29*200~", "CAS*XX*29*200~"},
		"CAS amount not decimal":  {"CAS*CO*29*200~", "CAS*CO*29*2E2~"},
		"CAS reason missing":      {"CAS*CO*29*200~", "CAS*CO**200~"},
		"fractional cent":         {"CAS*CO*29*200~", "CAS*CO*29*199.995~"},
		"no patient control":      {"CLP*PCN-1003*", "CLP**"},
		"bad credit flag":         {"*230.25*C*", "*230.25*X*"},
		"missing payment date":    {"*98765*20240320~", "*98765~"},
		"no TRN":                  {"TRN*1*EFT-0001*1512345678~", "REF*EV*X~"},
		"SVC outside claim":       {"LX*1~", "LX*1~SVC*HC:99213*1*1~"},
		"claim before payee":      {"N1*PE*", "N1*XX*"},
		"SVC without code":        {"SVC*HC:99213*125", "SVC*HC*125"},
		"claim loop after PLB":    {"CAS*CO*29*200~", "CAS*CO*29*200~PLB*1234567893*20241231*WO*0~LX*2~"},
		"PLB without reason pair": {"CAS*CO*29*200~", "CAS*CO*29*200~PLB*1234567893*20241231~"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			require.NotEqual(t, good, bad)
			bad = fixSE(t, bad)
			_, err := Parse835([]byte(bad))
			require.Error(t, err)
			requireParseError(t, err)
			assert.NotContains(t, err.Error(), "PCN-")
			assert.NotContains(t, err.Error(), "DOE")
		})
	}
}

// fixSE recomputes SE01 of every set so a test edit that adds or removes
// segments still reaches the body checks.
func fixSE(t testing.TB, doc string) string {
	t.Helper()
	segs := strings.SplitAfter(doc, "~")
	n := 0
	for i, s := range segs {
		tag := strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(tag, "ST*"):
			n = 1
		case strings.HasPrefix(tag, "SE*"):
			n++
			parts := strings.Split(strings.TrimSuffix(tag, "~"), "*")
			parts[1] = itoaTest(n)
			segs[i] = "\n" + strings.Join(parts, "*") + "~"
			n = 0
		case n > 0 && tag != "":
			n += strings.Count(s, "~")
		}
	}
	return strings.Join(segs, "")
}

func itoaTest(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestParse835Delimiters reads the same payment with other delimiters and
// CRLF line breaks.
func TestParse835Delimiters(t *testing.T) {
	good := readFixture(t, "835/multiple_claims.x12")
	alt := strings.NewReplacer("*", "|", ":", ">", "^", "}", "~\n", "~\r\n").Replace(string(good))
	r, err := Parse835([]byte(alt))
	require.NoError(t, err)
	assert.Equal(t, Money(6010), r.Advices[0].Claims[1].PatientResponsibility)
	assert.Equal(t, []string{"RT", "59", "XS", "76"}, r.Advices[0].Claims[1].Services[1].Modifiers)
}
