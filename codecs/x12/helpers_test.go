package x12

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testDate is the interchange date of every built test document.
var testDate = time.Date(2024, 3, 15, 9, 30, 0, 0, time.UTC)

// sampleRequest is a subscriber-is-patient inquiry with every optional field
// set. The names are invented test data.
func sampleRequest() InquiryRequest {
	return InquiryRequest{
		Envelope: Envelope{
			SenderQualifier: "ZZ", SenderID: "CAREFLOW",
			ReceiverQualifier: "ZZ", ReceiverID: "CLEARINGHOUSE",
			ControlNumber: 42, Date: testDate, Usage: 'T',
		},
		TraceNumber: "CHK-APPT-1001",
		PayerName:   "Acme Health Plan", PayerID: "ACME01",
		Provider: Provider{NPI: "1234567893", OrganizationName: "Riverside Clinic"},
		Subscriber: Subscriber{
			MemberID: "W123456789", LastName: "Doe", FirstName: "Jane",
			BirthDate: time.Date(1985, 2, 14, 0, 0, 0, 0, time.UTC), Gender: "F",
			GroupNumber: "GRP-42",
		},
		ServiceTypes: []string{"30", "98"},
		ServiceDate:  testDate,
	}
}

// dependentRequest asks about a child on the subscriber's plan.
func dependentRequest() InquiryRequest {
	req := sampleRequest()
	req.ControlNumber = 43
	req.TraceNumber = "CHK-APPT-1002"
	req.Subscriber.BirthDate = time.Time{}
	req.Subscriber.Gender = ""
	req.Dependent = &Dependent{
		LastName: "Doe", FirstName: "Emma",
		BirthDate: time.Date(2015, 7, 4, 0, 0, 0, 0, time.UTC), Gender: "F",
		Relationship: "19",
	}
	req.ServiceTypes = nil
	return req
}

// mustBuild270 builds req or fails the test.
func mustBuild270(t testing.TB, req InquiryRequest) []byte {
	t.Helper()
	out, err := Build270(req)
	require.NoError(t, err)
	return out
}

// readFixture reads a file under testdata.
func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", rel))
	require.NoError(t, err)
	return b
}

// checkStructure verifies an interchange with the generic segment reader
// only, independently of readInterchange: envelope control numbers and
// counts, and the HL hierarchy (sequential ids, parents one level up, child
// codes that match whether a child follows). It returns the HL levels.
func checkStructure(t *testing.T, segs []Segment) []string {
	t.Helper()
	require.GreaterOrEqual(t, len(segs), 6)
	isa, gs, st := segs[0], segs[1], segs[2]
	se, ge, iea := segs[len(segs)-3], segs[len(segs)-2], segs[len(segs)-1]
	require.Equal(t, []string{"ISA", "GS", "ST", "SE", "GE", "IEA"}, []string{isa.ID, gs.ID, st.ID, se.ID, ge.ID, iea.ID})
	require.Len(t, isa.Elements, 16)
	isa13, err := strconv.Atoi(isa.Element(13))
	require.NoError(t, err)
	iea02, err := strconv.Atoi(iea.Element(2))
	require.NoError(t, err)
	require.Equal(t, isa13, iea02, "ISA13 = IEA02")
	require.Equal(t, "1", iea.Element(1), "IEA01 counts one group")
	require.Equal(t, gs.Element(6), ge.Element(2), "GS06 = GE02")
	require.Equal(t, "1", ge.Element(1), "GE01 counts one set")
	require.Equal(t, st.Element(2), se.Element(2), "ST02 = SE02")
	require.Equal(t, strconv.Itoa(len(segs)-4), se.Element(1), "SE01 counts ST..SE")

	var levels []string
	parentOf := map[string]string{"21": "20", "22": "21", "23": "22"}
	hasChild := map[int]bool{}
	for _, s := range segs {
		if s.ID != "HL" {
			continue
		}
		id, err := strconv.Atoi(s.Element(1))
		require.NoError(t, err)
		require.Equal(t, len(levels)+1, id, "HL01 is sequential")
		level := s.Element(3)
		if want, ok := parentOf[level]; ok {
			p, err := strconv.Atoi(s.Element(2))
			require.NoError(t, err)
			require.Equal(t, want, levels[p-1], "HL02 names the level above")
			hasChild[p] = true
		} else {
			require.Equal(t, "20", level)
			require.Empty(t, s.Element(2))
		}
		levels = append(levels, level)
	}
	for _, s := range segs {
		if s.ID == "HL" {
			id, _ := strconv.Atoi(s.Element(1))
			want := "0"
			if hasChild[id] {
				want = "1"
			}
			require.Equal(t, want, s.Element(4), "HL04 of HL %d", id)
		}
	}
	return levels
}
