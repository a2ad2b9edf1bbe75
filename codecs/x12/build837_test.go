package x12

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update837 = flag.Bool("update-837", false, "rewrite testdata/837 golden files")

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sampleClaimBatch holds two claims: the subscriber as patient with one line,
// and a child as patient, with a rendering provider, modifiers, a date range
// and four diagnoses. All names and numbers are invented.
func sampleClaimBatch() ClaimBatch {
	bp := BillingProvider{
		NPI: "1234567893", OrganizationName: "Riverside Clinic", Taxonomy: "207Q00000X", TaxID: "12-3456789",
		Address: Address{Line1: "100 Main St", City: "Springfield", State: "IL", PostalCode: "62701-1234"},
	}
	payer := ClaimPayer{Name: "Acme Health Plan", ID: "ACME01"}
	return ClaimBatch{
		Envelope: Envelope{
			SenderQualifier: "ZZ", SenderID: "CAREFLOW", ReceiverQualifier: "ZZ", ReceiverID: "CLEARINGHOUSE",
			ControlNumber: 1001, Date: testDate, Usage: 'T',
		},
		BatchID:      "BATCH-1001",
		Submitter:    Submitter{Name: "Careflow Clinic", ID: "CAREFLOW", ContactName: "Billing Office", ContactPhone: "5555550100"},
		ReceiverName: "Clearinghouse", ReceiverID: "CLEARINGHOUSE",
		Claims: []ProfessionalClaim{
			{
				BillingProvider: bp,
				Subscriber: ClaimSubscriber{
					MemberID: "W123456789", LastName: "Doe", FirstName: "Jane", BirthDate: day(1985, 2, 14), Gender: "F",
					Address:     &Address{Line1: "12 Oak Ave", Line2: "Apt 3", City: "Springfield", State: "IL", PostalCode: "62704"},
					GroupNumber: "GRP-42",
				},
				Payer:                payer,
				PatientControlNumber: "PCN-1001",
				TotalCharge:          12500,
				PlaceOfService:       "11",
				ProviderSignature:    true,
				BenefitsAssigned:     true,
				Diagnoses:            []string{"J06.9"},
				Lines: []ServiceLine{{
					Code: "99213", Charge: 12500, Units: 1, DiagnosisPointers: []int{1},
					ServiceDate: day(2024, 3, 14), LineControlNumber: "PCN-1001-1",
				}},
			},
			{
				BillingProvider: bp,
				Subscriber: ClaimSubscriber{
					MemberID: "W987654321", LastName: "Núñez", FirstName: "Carlos",
					PayerResponsibility: "P", FilingIndicator: "BL",
				},
				Patient: &ClaimPatient{
					Relationship: "19", LastName: "Núñez", FirstName: "Sofia", BirthDate: day(2016, 7, 4), Gender: "F",
					Address: Address{Line1: "7 Elm St", City: "Springfield", State: "IL", PostalCode: "62702"},
				},
				Payer:                   payer,
				PatientControlNumber:    "PCN-1002",
				TotalCharge:             30550,
				PlaceOfService:          "11",
				Frequency:               FrequencyReplacement,
				PayerClaimControlNumber: "PAYER-CLAIM-77",
				ProviderSignature:       true,
				BenefitsAssigned:        true,
				Diagnoses:               []string{"S93.401A", "W19.XXXA", "Y92.009", "R52"},
				RenderingProvider:       &RenderingProvider{NPI: "1987654328", LastName: "Welby", FirstName: "Marcus", Taxonomy: "208000000X"},
				Lines: []ServiceLine{
					{
						Code: "99214", Modifiers: []string{"25"}, Charge: 18000, Units: 1, DiagnosisPointers: []int{1, 2, 3, 4},
						ServiceDate: day(2024, 3, 12),
					},
					{
						Code: "29540", Modifiers: []string{"RT", "59", "XS", "76"}, Charge: 6275, Units: 2, DiagnosisPointers: []int{1},
						ServiceDate: day(2024, 3, 12), ServiceDateEnd: day(2024, 3, 13), PlaceOfService: "22",
					},
					{
						Qualifier: "HC", Code: "L1906", Charge: 6275, Units: 1, DiagnosisPointers: []int{1, 4},
						ServiceDate: day(2024, 3, 13), ServiceDateEnd: day(2024, 3, 13),
					},
				},
			},
		},
	}
}

func mustBuild837(t testing.TB, b ClaimBatch) []byte {
	t.Helper()
	out, err := Build837P(b)
	require.NoError(t, err)
	return out
}

// segLines renders built segments one per line for readable golden files.
func segLines(out []byte, term byte) string {
	return strings.ReplaceAll(string(out), string(term), string(term)+"\n")
}

// TestBuild837PGolden pins the exact output for the sample batch; the golden
// file was checked against the 837P implementation guide by hand.
func TestBuild837PGolden(t *testing.T) {
	out := mustBuild837(t, sampleClaimBatch())
	golden := filepath.Join("testdata", "837", "two_claims.x12")
	if *update837 {
		require.NoError(t, os.WriteFile(golden, []byte(segLines(out, '~')), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, strings.ReplaceAll(string(want), "~\n", "~"), string(out))
}

// TestBuild837PSegments checks the loops and values that matter to payers.
func TestBuild837PSegments(t *testing.T) {
	out := mustBuild837(t, sampleClaimBatch())
	_, segs, err := Split(out)
	require.NoError(t, err)
	ic, err := readInterchange(DefaultDelimiters(), segs, "837")
	require.NoError(t, err, "our own envelope reader accepts the batch")
	require.Len(t, ic.sets, 2)
	assert.Equal(t, "HC", ic.group)
	assert.Equal(t, "GE*2*1001", joinSeg(&segs[len(segs)-2]))
	assert.Equal(t, "IEA*1*000001001", joinSeg(&segs[len(segs)-1]))

	first := setStrings(ic.sets[0].segs)
	assert.Equal(t, "ST*837*0001*005010X222A1", first[0])
	assert.Contains(t, first, "HL*2*1*22*0")
	assert.Contains(t, first, "SBR*P*18*GRP-42******CI")
	assert.Contains(t, first, "N4*SPRINGFIELD*IL*627011234")
	assert.Contains(t, first, "REF*EI*123456789")
	assert.Contains(t, first, "CLM*PCN-1001*125***11:B:1*Y*A*Y*Y")
	assert.Contains(t, first, "HI*ABK:J069")
	assert.Contains(t, first, "SV1*HC:99213*125*UN*1***1")
	assert.Contains(t, first, "DTP*472*D8*20240314")
	assert.Contains(t, first, "REF*6R*PCN-1001-1")
	assert.NotContains(t, strings.Join(first, "\n"), "HL*3")

	second := setStrings(ic.sets[1].segs)
	assert.Equal(t, "ST*837*0002*005010X222A1", second[0])
	assert.Contains(t, second, "HL*2*1*22*1")
	assert.Contains(t, second, "SBR*P********BL")
	assert.Contains(t, second, "NM1*IL*1*NUNEZ*CARLOS****MI*W987654321")
	assert.Contains(t, second, "HL*3*2*23*0")
	assert.Contains(t, second, "PAT*19")
	assert.Contains(t, second, "NM1*QC*1*NUNEZ*SOFIA")
	assert.Contains(t, second, "DMG*D8*20160704*F")
	assert.Contains(t, second, "CLM*PCN-1002*305.5***11:B:7*Y*A*Y*Y")
	assert.Contains(t, second, "REF*F8*PAYER-CLAIM-77")
	assert.Contains(t, second, "HI*ABK:S93401A*ABF:W19XXXA*ABF:Y92009*ABF:R52")
	assert.Contains(t, second, "NM1*82*1*WELBY*MARCUS****XX*1987654328")
	assert.Contains(t, second, "PRV*PE*PXC*208000000X")
	assert.Contains(t, second, "SV1*HC:99214:25*180*UN*1***1:2:3:4")
	assert.Contains(t, second, "SV1*HC:29540:RT:59:XS:76*62.75*UN*2*22**1")
	assert.Contains(t, second, "DTP*472*RD8*20240312-20240313")
	assert.Contains(t, second, "DTP*472*D8*20240313", "a range of one day is written as D8")
	assert.Equal(t, "SE*"+strconv.Itoa(len(second))+"*0002", second[len(second)-1])
}

func joinSeg(s *Segment) string { return strings.Join(append([]string{s.ID}, s.Elements...), "*") }

func setStrings(segs []Segment) []string {
	out := make([]string, len(segs))
	for i := range segs {
		out[i] = joinSeg(&segs[i])
	}
	return out
}

// TestBuild837PVoidAndDelimiters builds a void (frequency 8) with other
// delimiters.
func TestBuild837PVoidAndDelimiters(t *testing.T) {
	b := sampleClaimBatch()
	b.Envelope.Delimiters = Delimiters{Element: '|', Component: '>', Repetition: '}', Segment: '\n'}
	b.Claims = b.Claims[:1]
	b.Claims[0].Frequency = FrequencyVoid
	b.Claims[0].PayerClaimControlNumber = "PAYER-CLAIM-1"
	out := mustBuild837(t, b)
	assert.Contains(t, string(out), "\nCLM|PCN-1001|125|||11>B>8|Y|A|Y|Y\nREF|F8|PAYER-CLAIM-1\n")
	assert.Contains(t, string(out), "\nGE|1|1001\n")
}

// TestBuild837PDoesNotModifyInput proves normalization works on a copy.
func TestBuild837PDoesNotModifyInput(t *testing.T) {
	b := sampleClaimBatch()
	before, err := json.Marshal(b)
	require.NoError(t, err)
	mustBuild837(t, b)
	after, err := json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}

// TestBuild837PRules checks that each broken rule is reported as a
// *ClaimError naming the field and the rule, never the value.
func TestBuild837PRules(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(*ClaimBatch)
		field  string
		rule   ClaimRule
	}{
		{"total differs from lines", func(b *ClaimBatch) { b.Claims[1].TotalCharge = 30551 }, "claims[1].totalCharge", RuleTotalEqualsSum},
		{"pointer beyond diagnoses", func(b *ClaimBatch) { b.Claims[0].Lines[0].DiagnosisPointers = []int{2} }, "claims[0].lines[0].diagnosisPointers", RulePointerInRange},
		{"pointer zero", func(b *ClaimBatch) { b.Claims[1].Lines[2].DiagnosisPointers = []int{0} }, "claims[1].lines[2].diagnosisPointers", RulePointerInRange},
		{"pointer repeated", func(b *ClaimBatch) { b.Claims[1].Lines[0].DiagnosisPointers = []int{1, 1} }, "claims[1].lines[0].diagnosisPointers", RulePointerInRange},
		{"five pointers", func(b *ClaimBatch) { b.Claims[1].Lines[0].DiagnosisPointers = []int{1, 2, 3, 4, 1} }, "claims[1].lines[0].diagnosisPointers", RuleCount},
		{"billing NPI check digit", func(b *ClaimBatch) { b.Claims[0].BillingProvider.NPI = "1234567890" }, "claims[0].billingProvider.npi", RuleNPICheckDigit},
		{"rendering NPI check digit", func(b *ClaimBatch) { b.Claims[1].RenderingProvider.NPI = "1987654321" }, "claims[1].renderingProvider.npi", RuleNPICheckDigit},
		{"five modifiers", func(b *ClaimBatch) { b.Claims[1].Lines[1].Modifiers = append(b.Claims[1].Lines[1].Modifiers, "LT") }, "claims[1].lines[1].modifiers", RuleCount},
		{"replacement without payer number", func(b *ClaimBatch) { b.Claims[1].PayerClaimControlNumber = "" }, "claims[1].payerClaimControlNumber", RuleReplacementRef},
		{"unknown frequency", func(b *ClaimBatch) { b.Claims[0].Frequency = "5" }, "claims[0].frequency", RuleCode},
		{"no diagnoses", func(b *ClaimBatch) { b.Claims[0].Diagnoses = nil }, "claims[0].diagnoses", RuleRequired},
		{"bad ICD-10", func(b *ClaimBatch) { b.Claims[0].Diagnoses = []string{"123"} }, "claims[0].diagnoses[0]", RuleCode},
		{"thirteen diagnoses", func(b *ClaimBatch) {
			b.Claims[0].Diagnoses = strings.Split("A01 A02 A03 A04 A05 A06 A07 A08 A09 B01 B02 B03 B04", " ")
		}, "claims[0].diagnoses", RuleCount},
		{"zero charge", func(b *ClaimBatch) { b.Claims[0].Lines[0].Charge = 0; b.Claims[0].TotalCharge = 0 }, "claims[0].lines[0].charge", RuleAmount},
		{"no lines", func(b *ClaimBatch) { b.Claims[0].Lines = nil }, "claims[0].lines", RuleRequired},
		{"service after interchange", func(b *ClaimBatch) { b.Claims[0].Lines[0].ServiceDate = day(2024, 3, 16) }, "claims[0].lines[0].serviceDate", RuleDate},
		{"range backwards", func(b *ClaimBatch) { b.Claims[1].Lines[1].ServiceDateEnd = day(2024, 3, 11) }, "claims[1].lines[1].serviceDateEnd", RuleDate},
		{"duplicate control number", func(b *ClaimBatch) { b.Claims[1].PatientControlNumber = "PCN-1001" }, "claims[1].patientControlNumber", RuleUniqueControlNo},
		{"control number too long", func(b *ClaimBatch) { b.Claims[0].PatientControlNumber = strings.Repeat("9", 21) }, "claims[0].patientControlNumber", RuleLength},
		{"delimiter in name", func(b *ClaimBatch) { b.Claims[0].Subscriber.LastName = "DOE~" }, "claims[0].subscriber.lastName", RuleCharacters},
		{"subscriber patient without address", func(b *ClaimBatch) { b.Claims[0].Subscriber.Address = nil }, "claims[0].subscriber.address", RuleRequired},
		{"billing ZIP of five digits", func(b *ClaimBatch) { b.Claims[0].BillingProvider.Address.PostalCode = "62701" }, "claims[0].billingProvider.address.postalCode", RuleLength},
		{"tax id", func(b *ClaimBatch) { b.Claims[0].BillingProvider.TaxID = "12345" }, "claims[0].billingProvider.taxId", RuleLength},
		{"patient relationship", func(b *ClaimBatch) { b.Claims[1].Patient.Relationship = "18" }, "claims[1].patient.relationship", RuleCode},
		{"no claims", func(b *ClaimBatch) { b.Claims = nil }, "claims", RuleRequired},
		{"envelope control number", func(b *ClaimBatch) { b.Envelope.ControlNumber = 0 }, "envelope.controlNumber", RuleEnvelope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleClaimBatch()
			tc.break_(&b)
			out, err := Build837P(b)
			require.Error(t, err)
			assert.Nil(t, out)
			var ce *ClaimError
			require.True(t, errors.As(err, &ce), "%T", err)
			assert.True(t, ce.HasRule(tc.field, tc.rule), "want %s [%s], got %v", tc.field, tc.rule, ce.Problems)
			assert.NotContains(t, err.Error(), "DOE~")
			assert.NotContains(t, err.Error(), "1234567890")
		})
	}
}

// TestBuild837PReportsEveryProblem collects all problems in one error.
func TestBuild837PReportsEveryProblem(t *testing.T) {
	b := sampleClaimBatch()
	b.Claims[0].TotalCharge = 1
	b.Claims[1].BillingProvider.NPI = "1"
	_, err := Build837P(b)
	var ce *ClaimError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.HasRule("claims[0].totalCharge", RuleTotalEqualsSum))
	assert.True(t, ce.HasRule("claims[1].billingProvider.npi", RuleNPICheckDigit))
	assert.Equal(t, 1, ce.Problems[len(ce.Problems)-1].Claim)
}

// TestBuild837PJSON shows the batch is built from plain JSON.
func TestBuild837PJSON(t *testing.T) {
	raw, err := json.Marshal(sampleClaimBatch())
	require.NoError(t, err)
	var b ClaimBatch
	require.NoError(t, json.Unmarshal(raw, &b))
	assert.Equal(t, string(mustBuild837(t, sampleClaimBatch())), string(mustBuild837(t, b)))
}
