package claims_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/workflows/claims"
)

func readX12(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../codecs/x12/testdata/" + name)
	require.NoError(t, err)
	return b
}

func TestSplit835ReversalTravelsWithNewPayment(t *testing.T) {
	parts, err := claims.Split835(readX12(t, "835/reversal_plb.x12"))
	require.NoError(t, err)
	require.Len(t, parts, 1)
	r := parts[0].Remit
	assert.Equal(t, "PCN-1001", parts[0].PatientControlNumber)
	assert.Equal(t, "CHK-70001", r.Trace)
	require.Len(t, r.Claims, 2)
	assert.Equal(t, "22", r.Claims[0].Status)
	assert.Equal(t, int64(-8000), r.Claims[0].Paid)
	assert.Equal(t, int64(9000), r.Claims[1].Paid)
	assert.Equal(t, int64(1000), r.Claims[1].PatientResponsibility)
	require.Len(t, r.ProviderAdjustments, 2)
}

func TestSplit835MultipleClaimsAndSets(t *testing.T) {
	parts, err := claims.Split835(readX12(t, "835/denial_two_sets.x12"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(parts), 2)
	assert.Equal(t, "PCN-2001", parts[0].PatientControlNumber)
	assert.Equal(t, "NOTICE-88", parts[0].Remit.Trace)
	assert.Equal(t, "4", parts[0].Remit.Claims[0].Status)
	assert.Equal(t, []string{"N54"}, parts[0].Remit.Claims[0].Lines[0].RemarkCodes)
	assert.NotEqual(t, parts[0].Remit.Trace, parts[len(parts)-1].Remit.Trace)
}

func TestSplit277CADecodesRejections(t *testing.T) {
	parts, err := claims.Split277CA(readX12(t, "277ca/accepted_and_rejected.x12"))
	require.NoError(t, err)
	require.Len(t, parts, 2)
	assert.True(t, parts[0].ClaimAck.Accepted)
	assert.Equal(t, "PAYERCLM1001", parts[0].ClaimAck.PayerClaimControlNumber)
	rej := parts[1].ClaimAck
	assert.True(t, rej.Rejected)
	require.NotEmpty(t, rej.Reasons)
	assert.Equal(t, "A7:21", rej.Reasons[0].Code)
	assert.Equal(t, "IL", rej.Reasons[0].Entity)
	assert.NotEmpty(t, rej.Reasons[0].Meaning)
}

func TestSplit999DecodesErrors(t *testing.T) {
	r, err := claims.Split999(readX12(t, "999/rejected.x12"))
	require.NoError(t, err)
	assert.Equal(t, int64(102), r.GroupControlNumber)
	assert.False(t, r.Ack.Accepted)
	var codes []string
	for _, x := range r.Ack.Reasons {
		codes = append(codes, x.Code)
	}
	assert.Contains(t, codes, "IK5:5")
	assert.Contains(t, codes, "IK4:7")
}

func TestSplitMalformed(t *testing.T) {
	_, err := claims.Split835([]byte("ISA*00*garbage~"))
	assert.Error(t, err)
	_, err = claims.Split277CA([]byte("nope"))
	assert.Error(t, err)
	_, err = claims.Split999(nil)
	assert.Error(t, err)
}

// TestSplit999SetsOneVerdictPerClaim: a batched interchange's 999 gives each transaction
// set its own verdict and errors; the group's AK9 errors go to every set.
func TestSplit999SetsOneVerdictPerClaim(t *testing.T) {
	ack := "ISA*00*          *00*          *ZZ*CHSIM          *ZZ*CAREFLOW       *250304*1000*^*00501*000000301*0*T*:~" +
		"GS*FA*CHSIM*CAREFLOW*20250304*1000*301*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*77*005010X222A1~" +
		"AK2*837*0001*005010X222A1~IK5*A~" +
		"AK2*837*0002*005010X222A1~IK3*CLM*5*2300*8~IK4*2*782*7~IK5*R*5~" +
		"AK9*P*2*2*1~SE*10*0001~GE*1*301~IEA*1*000000301~"
	parts, err := claims.Split999Sets([]byte(ack))
	require.NoError(t, err)
	require.Len(t, parts, 2)
	assert.Equal(t, int64(77), parts[0].GroupControlNumber)
	assert.Equal(t, claims.AckSignal{GroupControlNumber: 77, SetControlNumber: "0001", Accepted: true}, *parts[0].Ack)
	second := parts[1].Ack
	assert.Equal(t, "0002", second.SetControlNumber)
	assert.False(t, second.Accepted)
	var codes []string
	for _, r := range second.Reasons {
		codes = append(codes, r.Code)
	}
	assert.Equal(t, []string{"IK5:5", "IK3:8", "IK4:7"}, codes)

	// The old single-claim split still folds every set into the group's verdict.
	whole, err := claims.Split999([]byte(ack))
	require.NoError(t, err)
	assert.False(t, whole.Ack.Accepted)
}
