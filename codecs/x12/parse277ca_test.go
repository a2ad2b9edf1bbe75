package x12

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse277CA reads an acknowledgment that accepts one claim and rejects
// the other with a line-level status.
func TestParse277CA(t *testing.T) {
	ack, err := Parse277CA(readFixture(t, "277ca/accepted_and_rejected.x12"))
	require.NoError(t, err)
	assert.Equal(t, int64(601), ack.Envelope.ControlNumber)
	require.Len(t, ack.BatchStatuses, 1)
	assert.Equal(t, "A1", ack.BatchStatuses[0].Codes[0].Category)
	assert.Equal(t, "Acknowledgement/Receipt", ack.BatchStatuses[0].Codes[0].CategoryMeaning)
	require.Len(t, ack.ProviderStatuses, 1)
	assert.True(t, ack.ProviderStatuses[0].Date.IsZero())
	require.Len(t, ack.Claims, 2)

	ok := ack.Claims[0]
	assert.Equal(t, "PCN-1001", ok.PatientControlNumber)
	assert.Equal(t, "1234567893", ok.BillingProviderID)
	assert.True(t, ok.Accepted)
	assert.False(t, ok.Rejected)
	assert.Equal(t, "PAYERCLM1001", ok.PayerClaimControlNumber)
	assert.Equal(t, "CH-TRACE-1", ok.ClearinghouseTrace)
	assert.Equal(t, time.Date(2024, 3, 14, 0, 0, 0, 0, time.UTC), ok.ServiceDate)
	require.Len(t, ok.Statuses, 1)
	st := ok.Statuses[0]
	assert.Equal(t, StatusCode{Category: "A2", CategoryMeaning: "Acknowledgement/Acceptance into adjudication system",
		Status: "20", StatusMeaning: "Accepted for processing", Entity: "PR"}, st.Codes[0])
	assert.Equal(t, "WQ", st.Action)
	require.NotNil(t, st.Charge)
	assert.Equal(t, Money(12500), *st.Charge)
	assert.Equal(t, time.Date(2024, 3, 16, 0, 0, 0, 0, time.UTC), st.Date)

	rej := ack.FindClaim("PCN-1002")
	require.NotNil(t, rej)
	assert.False(t, rej.Accepted)
	assert.True(t, rej.Rejected)
	require.Len(t, rej.Statuses, 1)
	codes := rej.Statuses[0].Codes
	require.Len(t, codes, 2, "STC01 and STC10")
	assert.Equal(t, "A7", codes[0].Category)
	assert.Equal(t, "21", codes[0].Status)
	assert.Equal(t, "IL", codes[0].Entity)
	assert.Equal(t, StatusCode{Category: "A6", CategoryMeaning: "Acknowledgement/Rejected for Missing Information", Status: "562", Entity: "82"}, codes[1])
	assert.Equal(t, "U", rej.Statuses[0].Action)
	assert.Equal(t, time.Date(2024, 3, 13, 0, 0, 0, 0, time.UTC), rej.ServiceDateEnd)
	require.Len(t, rej.Lines, 1)
	l := rej.Lines[0]
	assert.Equal(t, "29540", l.Code)
	assert.Equal(t, []string{"RT"}, l.Modifiers)
	assert.Equal(t, Money(6275), l.Charge)
	assert.Equal(t, "PCN-1002-2", l.LineControlNumber)
	require.Len(t, l.Statuses, 1)
	assert.Equal(t, "453", l.Statuses[0].Codes[0].Status)
	assert.Equal(t, "CH-TRACE-2", rej.ClearinghouseTrace)
	assert.Nil(t, ack.FindClaim("PCN-9"))
}

// TestParse277CAPending keeps a claim with only a pending category neither
// accepted nor rejected.
func TestParse277CAPending(t *testing.T) {
	doc := strings.Replace(string(readFixture(t, "277ca/accepted_and_rejected.x12")), "STC*A2:20:PR", "STC*E1:0:PR", 1)
	ack, err := Parse277CA([]byte(doc))
	require.NoError(t, err)
	assert.False(t, ack.Claims[0].Accepted)
	assert.False(t, ack.Claims[0].Rejected)
}

// TestParse277CAPatientAccountRef ties a claim by REF*EJ when the payer sends
// no TRN.
func TestParse277CAPatientAccountRef(t *testing.T) {
	doc := strings.Replace(string(readFixture(t, "277ca/accepted_and_rejected.x12")), "TRN*2*PCN-1001~", "REF*EJ*PCN-1001~", 1)
	ack, err := Parse277CA([]byte(doc))
	require.NoError(t, err)
	require.NotNil(t, ack.FindClaim("PCN-1001"))
	assert.True(t, ack.FindClaim("PCN-1001").Accepted)
}

// TestParse277CARejects checks malformed acknowledgments.
func TestParse277CARejects(t *testing.T) {
	good := string(readFixture(t, "277ca/accepted_and_rejected.x12"))
	cases := map[string]struct{ from, to string }{
		"claim without TRN":      {"TRN*2*PCN-1001~", "REF*BLT*X~"},
		"claim without STC":      {"STC*A2:20:PR*20240316*WQ*125~", "QTY*90*1~"},
		"STC without status":     {"STC*A2:20:PR", "STC*A2"},
		"STC bad date":           {"STC*A2:20:PR*20240316", "STC*A2:20:PR*20241316"},
		"STC bad charge":         {"*WQ*125~", "*WQ*1E2~"},
		"HL out of sequence":     {"HL*5*3*PT", "HL*6*3*PT"},
		"patient under receiver": {"HL*4*3*PT", "HL*4*2*PT"},
		"unknown level":          {"HL*4*3*PT", "HL*4*3*ZZ"},
		"SVC without code":       {"SVC*HC:29540:RT", "SVC*HC"},
		"two TRN for one claim":  {"TRN*2*PCN-1001~", "TRN*2*PCN-1001~TRN*2*PCN-1001~"},
		"missing BHT":            {"BHT*0085*08*BATCH-1001*20240316*1015*TH~", ""},
		"wrong set":              {"ST*277*", "ST*835*"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			require.NotEqual(t, good, bad)
			_, err := Parse277CA([]byte(fixSE(t, bad)))
			require.Error(t, err)
			requireParseError(t, err)
			assert.NotContains(t, err.Error(), "PCN-")
		})
	}
}
