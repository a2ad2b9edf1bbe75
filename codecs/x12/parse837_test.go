package x12

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse837PReadsBackBuild checks that every built batch reads back to
// its normalized input, field by field.
func TestParse837PReadsBackBuild(t *testing.T) {
	void := sampleClaimBatch()
	void.Claims[0].Frequency, void.Claims[0].PayerClaimControlNumber = FrequencyVoid, "PAYER-9"
	void.Envelope.Delimiters = Delimiters{Element: '|', Component: '>', Repetition: '}', Segment: '\n'}
	for name, b := range map[string]ClaimBatch{"sample": sampleClaimBatch(), "void": void, "many": claimsOf(30)} {
		t.Run(name, func(t *testing.T) {
			want, err := normalize837(b)
			require.NoError(t, err)
			got, err := Parse837P(mustBuild837(t, b))
			require.NoError(t, err)
			// GS02/GS03 are written from the ISA ids when not given.
			want.Envelope.ApplicationSender, want.Envelope.ApplicationReceiver = want.Envelope.SenderID, want.Envelope.ReceiverID
			assert.Equal(t, want, *got)
		})
	}
}

// TestParse837PSeveralClaimsPerSubscriber reads a submitter's layout with two
// claims under one subscriber in one transaction set.
func TestParse837PSeveralClaimsPerSubscriber(t *testing.T) {
	b := sampleClaimBatch()
	b.Claims = b.Claims[:1]
	doc := string(mustBuild837(t, b))
	clm := doc[strings.Index(doc, "CLM*") : strings.Index(doc, "~SE*")+1]
	second := strings.Replace(strings.Replace(clm, "PCN-1001", "PCN-1009", 2), "99213", "99214", 1)
	doc = strings.Replace(doc, clm, clm+second, 1)
	got, err := Parse837P([]byte(fixSE(t, doc)))
	require.NoError(t, err)
	require.Len(t, got.Claims, 2)
	assert.Equal(t, "PCN-1009", got.Claims[1].PatientControlNumber)
	assert.Equal(t, "99214", got.Claims[1].Lines[0].Code)
	assert.Equal(t, got.Claims[0].Subscriber.MemberID, got.Claims[1].Subscriber.MemberID)
	assert.Equal(t, "1234567893", got.Claims[1].BillingProvider.NPI)
}

// TestParse837PRejects checks malformed claims fail with a *ParseError.
func TestParse837PRejects(t *testing.T) {
	good := string(mustBuild837(t, sampleClaimBatch()))
	for name, tc := range map[string]struct{ from, to string }{
		"bad charge":       {"CLM*PCN-1001*125*", "CLM*PCN-1001*1E2*"},
		"no control":       {"CLM*PCN-1001*", "CLM**"},
		"bad pointer":      {"SV1*HC:99213*125*UN*1***1~", "SV1*HC:99213*125*UN*1***X~"},
		"bad units":        {"SV1*HC:99213*125*UN*1*", "SV1*HC:99213*125*UN*one*"},
		"SV1 without LX":   {"LX*1~SV1*HC:99213", "SV1*HC:99213"},
		"HL out of order":  {"HL*2*1*22*0~", "HL*3*1*22*0~"},
		"patient under 20": {"HL*3*2*23*0~", "HL*3*1*23*0~"},
		"bad birth date":   {"DMG*D8*19850214*F~", "DMG*D8*19851314*F~"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			require.NotEqual(t, good, bad)
			_, err := Parse837P([]byte(fixSE(t, bad)))
			require.Error(t, err)
			requireParseError(t, err)
		})
	}
}
