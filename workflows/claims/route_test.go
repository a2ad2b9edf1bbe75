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
