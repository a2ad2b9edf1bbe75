package x12

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse999ClaimBatch reads the 999 for a two-claim 837 batch: the first
// transaction set (claim) accepted, the second rejected with IK3/IK4 errors,
// the group partially accepted. SetControlNumber maps AK202 back to a claim.
func TestParse999ClaimBatch(t *testing.T) {
	ack, err := Parse999(readFixture(t, "999/claims_partial.x12"))
	require.NoError(t, err)
	assert.Equal(t, "HC", ack.FunctionalID)
	assert.Equal(t, int64(1001), ack.GroupControlNumber)
	assert.Equal(t, Version837P, ack.Version)
	assert.Equal(t, "P", ack.Status)
	assert.False(t, ack.Accepted)
	assert.Equal(t, [3]int{2, 2, 1}, [3]int{ack.IncludedSets, ack.ReceivedSets, ack.AcceptedSets})
	require.Len(t, ack.SetResponses, 2)

	first := ack.SetResponses[0]
	assert.Equal(t, SetControlNumber(0), first.ControlNumber)
	assert.True(t, first.Accepted)
	assert.Empty(t, first.SegmentErrors)

	second := ack.SetResponses[1]
	assert.Equal(t, SetControlNumber(1), second.ControlNumber)
	assert.False(t, second.Accepted)
	assert.Equal(t, []AckCode{{Code: "5", Meaning: "One or More Segments in Error"}}, second.Errors)
	require.Len(t, second.SegmentErrors, 2)
	sv1 := second.SegmentErrors[0]
	assert.Equal(t, "SV1", sv1.SegmentID)
	assert.Equal(t, 23, sv1.Position)
	assert.Equal(t, "2400", sv1.Loop)
	require.Len(t, sv1.ElementErrors, 2)
	assert.Equal(t, ElementError{Position: 1, Component: 2, Reference: "235", Code: "7", Meaning: "Invalid Code Value"}, sv1.ElementErrors[0])
	assert.Equal(t, ElementError{Position: 7, Component: 3, Reference: "1328", Code: "I12", Meaning: "Implementation Pattern Match Failure"}, sv1.ElementErrors[1])
	clm := second.SegmentErrors[1]
	assert.Equal(t, "CLM", clm.SegmentID)
	require.Len(t, clm.ElementErrors, 1)
	assert.Equal(t, 5, clm.ElementErrors[0].Position)
}
