package x12

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse999Accepted(t *testing.T) {
	ack, err := Parse999(readFixture(t, "999/accepted.x12"))
	require.NoError(t, err)
	assert.True(t, ack.Accepted)
	assert.Equal(t, "A", ack.Status)
	assert.Equal(t, "HS", ack.FunctionalID)
	assert.Equal(t, int64(101), ack.GroupControlNumber)
	assert.Equal(t, "005010X279A1", ack.Version)
	assert.Equal(t, [3]int{1, 1, 1}, [3]int{ack.IncludedSets, ack.ReceivedSets, ack.AcceptedSets})
	assert.Empty(t, ack.Errors)
	require.Len(t, ack.SetResponses, 1)
	assert.Equal(t, SetResponse{SetID: "270", ControlNumber: "0101", Version: "005010X279A1", Status: "A", Accepted: true}, ack.SetResponses[0])
	assert.Equal(t, int64(201), ack.Envelope.ControlNumber)
}

func TestParse999Rejected(t *testing.T) {
	ack, err := Parse999(readFixture(t, "999/rejected.x12"))
	require.NoError(t, err)
	assert.False(t, ack.Accepted)
	assert.Equal(t, "R", ack.Status)
	assert.Equal(t, int64(102), ack.GroupControlNumber)
	assert.Equal(t, 0, ack.AcceptedSets)
	require.Len(t, ack.SetResponses, 1)
	set := ack.SetResponses[0]
	assert.False(t, set.Accepted)
	assert.Equal(t, "R", set.Status)
	assert.Equal(t, []AckCode{{Code: "5", Meaning: "One or More Segments in Error"}}, set.Errors)
	assert.Equal(t, []SegmentError{
		{SegmentID: "NM1", Position: 10, Loop: "2100C", Code: "8", Meaning: "Segment Has Data Element Errors",
			ElementErrors: []ElementError{
				{Position: 9, Reference: "67", Code: "7", Meaning: "Invalid Code Value"},
				{Position: 8, Reference: "66", Code: "1", Meaning: "Required Data Element Missing"},
			}},
		{SegmentID: "DMG", Position: 12, Loop: "2100C", Code: "8", Meaning: "Segment Has Data Element Errors",
			ElementErrors: []ElementError{{Position: 2, Reference: "1251", Code: "8", Meaning: "Invalid Date"}}},
		{SegmentID: "ZZZ", Position: 14, Code: "1", Meaning: "Unrecognized segment ID"},
	}, set.SegmentErrors)
	// IK404 and CTX copy the sender's data (here a member id fragment and a
	// birth date); neither may survive into the result.
	dump := fmt.Sprintf("%+v", ack)
	assert.NotContains(t, dump, "W12")
	assert.NotContains(t, dump, "19851345")
	assert.NotContains(t, dump, "SITUATIONAL")
}

func TestParse999PartialWithCustomDelimiters(t *testing.T) {
	ack, err := Parse999(readFixture(t, "999/accepted_with_errors.x12"))
	require.NoError(t, err)
	assert.Equal(t, Delimiters{Element: '|', Component: '>', Repetition: '}', Segment: '~'}, ack.Envelope.Delimiters)
	assert.Equal(t, "P", ack.Status)
	assert.False(t, ack.Accepted, "partial acceptance is not acceptance of the group")
	assert.Equal(t, [3]int{2, 2, 1}, [3]int{ack.IncludedSets, ack.ReceivedSets, ack.AcceptedSets})
	require.Len(t, ack.SetResponses, 2)
	assert.True(t, ack.SetResponses[0].Accepted)
	assert.Equal(t, "E", ack.SetResponses[0].Status)
	assert.Equal(t, []AckCode{{Code: "I5", Meaning: "Implementation One or More Segments in Error"}}, ack.SetResponses[0].Errors)
	assert.Equal(t, "I4", ack.SetResponses[0].SegmentErrors[0].Code)
	assert.False(t, ack.SetResponses[1].Accepted)
	require.Len(t, ack.SetResponses[1].SegmentErrors, 1)
	assert.Equal(t, []ElementError{{Position: 5, Component: 2, Reference: "1331", Code: "7", Meaning: "Invalid Code Value"}},
		ack.SetResponses[1].SegmentErrors[0].ElementErrors)
}

// mutate999 edits the rejected fixture and corrects SE01 afterwards.
func mutate999(t *testing.T, old, repl string) []byte {
	t.Helper()
	src := string(readFixture(t, "999/rejected.x12"))
	require.Contains(t, src, old)
	lines := strings.Split(strings.Replace(src, old, repl, 1), "\n")
	st, se := -1, -1
	for i, l := range lines {
		if strings.HasPrefix(l, "ST*") {
			st = i
		}
		if strings.HasPrefix(l, "SE*") {
			se = i
		}
	}
	n := 0
	for _, l := range lines[st : se+1] {
		n += strings.Count(l, "~")
	}
	lines[se] = "SE*" + strconv.Itoa(n) + "*0002~"
	return []byte(strings.Join(lines, "\n"))
}

func TestParse999RejectsMalformed(t *testing.T) {
	cases := []struct {
		name    string
		data    []byte
		segID   string
		element int
	}{
		{"no ak1", mutate999(t, "AK1*HS*102*005010X279A1~\n", ""), "ST", 0},
		{"ak1 control", mutate999(t, "AK1*HS*102*", "AK1*HS*X*"), "AK1", 2},
		{"no ak9", mutate999(t, "AK9*R*1*1*0~\n", ""), "IK5", 0},
		{"ik4 without ik3", mutate999(t, "IK3*NM1*10*2100C*8~\n", "IK4*1*2*3~\n"), "IK4", 0},
		{"ik3 outside ak2", mutate999(t, "AK2*270*0102*005010X279A1~\n", ""), "IK3", 0},
		{"unknown ik5", mutate999(t, "IK5*R*5", "IK5*Q*5"), "IK5", 1},
		{"ik5 P", mutate999(t, "IK5*R*5", "IK5*P*5"), "IK5", 1},
		{"open ak2", mutate999(t, "IK5*R*5~\n", ""), "AK9", 0},
		{"ik3 position", mutate999(t, "IK3*NM1*10*", "IK3*NM1*ten*"), "IK3", 2},
		{"ik4 position", mutate999(t, "IK4*9*67*7", "IK4*x*67*7"), "IK4", 1},
		{"ik4 no code", mutate999(t, "IK4*8*66*1~", "IK4*8*66~"), "IK4", 3},
		{"ak9 count", mutate999(t, "AK9*R*1*1*0", "AK9*R*1*one*0"), "AK9", 3},
		{"stray segment", mutate999(t, "IK5*R*5~", "IK5*R*5~\nNM1*IL~"), "NM1", 0},
		{"wrong set", mutate999(t, "ST*999*", "ST*997*"), "ST", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ack, err := Parse999(tc.data)
			require.Nil(t, ack)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "want *ParseError, got %v", err)
			assert.Equal(t, tc.segID, pe.SegmentID, err.Error())
			assert.Equal(t, tc.element, pe.Element, err.Error())
		})
	}
}
