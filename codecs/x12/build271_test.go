package x12

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleResponse is an active-coverage answer to sampleRequest.
func sampleResponse() EligibilityResponse {
	m := func(c Money) *Money { return &c }
	f := func(v float64) *float64 { return &v }
	return EligibilityResponse{
		Envelope: Envelope{
			SenderQualifier: "ZZ", SenderID: "CLEARINGHOUSE", ReceiverQualifier: "ZZ", ReceiverID: "CAREFLOW",
			ApplicationSender: "CLEARINGHOUSE", ApplicationReceiver: "CAREFLOW",
			ControlNumber: 9001, Date: testDate, Usage: 'T', Delimiters: DefaultDelimiters(),
		},
		TraceNumber: "CHK-APPT-1001", TraceOriginator: "9234567893",
		PayerName: "ACME HEALTH PLAN", PayerID: "ACME01",
		Provider: Provider{NPI: "1234567893", OrganizationName: "RIVERSIDE CLINIC"},
		Subscriber: Subscriber{MemberID: "W123456789", LastName: "DOE", FirstName: "JANE",
			BirthDate: date(1985, 2, 14), Gender: "F", GroupNumber: "GRP-42"},
		PlanName: "ACME GOLD PPO", PlanNumber: "PLN-7",
		Dates: []DateRange{{Qualifier: "346", Start: date(2024, 1, 1), End: date(2024, 1, 1)}},
		Benefits: []Benefit{
			{Loop: "2110C", Code: "1", CoverageLevel: "IND", ServiceTypes: []string{"30", "98"}, PlanDescription: "ACME GOLD PPO",
				Dates: []DateRange{{Qualifier: "291", Start: date(2024, 1, 1), End: date(2024, 12, 31)}}},
			{Loop: "2110C", Code: "B", CoverageLevel: "IND", ServiceTypes: []string{"98"}, TimePeriod: "27", Amount: m(2550),
				InNetwork: ptr(true), Messages: []string{"COPAY PER VISIT"}},
			{Loop: "2110C", Code: "A", CoverageLevel: "IND", ServiceTypes: []string{"98"}, Percent: f(0.2), InNetwork: ptr(false)},
			{Loop: "2110C", Code: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "29", Amount: m(-5)},
			{Loop: "2110C", Code: "F", QuantityQualifier: "VS", Quantity: f(20), AuthorizationRequired: "Y"},
		},
		Rejections: []Rejection{{Loop: "2110C", Valid: true, Code: "AG", Meaning: RejectReason("AG"), FollowUp: "C"}},
	}
}

func TestBuild271RoundTrip(t *testing.T) {
	resp := sampleResponse()
	out, err := Build271(resp)
	require.NoError(t, err)
	_, segs, err := Split(out)
	require.NoError(t, err)
	require.Equal(t, []string{"20", "21", "22"}, checkStructure(t, segs))

	back, err := Parse271(out)
	require.NoError(t, err)
	want := resp
	want.Active = ptr(true)
	require.Equal(t, want, *back)
	money(t, 2550)(back.Copay("98"))
	money(t, -5)(back.DeductibleRemaining("30"))
}

func TestBuild271Dependent(t *testing.T) {
	resp := sampleResponse()
	resp.Dependent = &Dependent{LastName: "DOE", FirstName: "EMMA", BirthDate: date(2015, 7, 4), Gender: "F", Relationship: "19"}
	resp.Benefits = resp.Benefits[:2]
	resp.Benefits[0].Loop, resp.Benefits[1].Loop = "", "" // the patient's loop: 2110D
	resp.Rejections = []Rejection{
		{Loop: "2100D", Code: "71", Meaning: RejectReason("71"), FollowUp: "C"},
		{Loop: "2000A", Code: "42", Meaning: RejectReason("42"), FollowUp: "P"},
	}
	out, err := Build271(resp)
	require.NoError(t, err)
	_, segs, err := Split(out)
	require.NoError(t, err)
	require.Equal(t, []string{"20", "21", "22", "23"}, checkStructure(t, segs))

	back, err := Parse271(out)
	require.NoError(t, err)
	require.NotNil(t, back.Dependent)
	assert.Equal(t, *resp.Dependent, *back.Dependent)
	require.Len(t, back.Benefits, 2)
	assert.Equal(t, "2110D", back.Benefits[0].Loop)
	// Rejections come back in document order: 2000A precedes 2100D.
	assert.Equal(t, []Rejection{resp.Rejections[1], resp.Rejections[0]}, back.Rejections)
	assert.Equal(t, "CHK-APPT-1001", back.TraceNumber)
}

// TestBuild271FixtureRoundTrip re-encodes every parsed fixture and parses it
// again: the two parses must agree, whatever delimiters the fixture used.
func TestBuild271FixtureRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "271", "*.x12"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".x12"), func(t *testing.T) {
			first, err := Parse271(readFixture(t, filepath.Join("271", name)))
			require.NoError(t, err)
			out, err := Build271(*first)
			if name == "aaa42_payer_unavailable_2100a.x12" {
				// No 2000B/2000C at all: Build271 always writes them and
				// so needs the provider it lacks.
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.True(t, ve.Has("Provider.NPI"))
				return
			}
			require.NoError(t, err)
			second, err := Parse271(out)
			require.NoError(t, err)
			require.Equal(t, first.Envelope.Delimiters, second.Envelope.Delimiters)
			require.Equal(t, first, second)
		})
	}
}

func TestBuild271Validation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*EligibilityResponse)
		field  string
	}{
		{"orphan 2110 rejection", func(r *EligibilityResponse) { r.Benefits = nil }, "Rejections.Loop"},
		{"unknown loop", func(r *EligibilityResponse) { r.Rejections[0].Loop = "2300" }, "Rejections.Loop"},
		{"2100D without dependent", func(r *EligibilityResponse) { r.Rejections[0].Loop = "2100D" }, "Rejections.Loop"},
		{"2110D without dependent", func(r *EligibilityResponse) { r.Benefits[0].Loop = "2110D" }, "Benefits.Loop"},
		{"code", func(r *EligibilityResponse) { r.Benefits[0].Code = "" }, "Benefits.Code"},
		{"delimiter in message", func(r *EligibilityResponse) { r.Benefits[1].Messages = []string{"A~B"} }, "Benefits.Messages"},
		{"service type", func(r *EligibilityResponse) { r.Benefits[0].ServiceTypes = []string{"30^98"} }, "Benefits.ServiceTypes"},
		{"dtp qualifier", func(r *EligibilityResponse) { r.Dates[0].Qualifier = "X" }, "Dates"},
		{"reject code", func(r *EligibilityResponse) { r.Rejections[0].Code = "7" }, "Rejections.Code"},
		{"no payer", func(r *EligibilityResponse) { r.PayerName = "" }, "PayerName"},
		{"originator", func(r *EligibilityResponse) { r.TraceOriginator = "" }, "TraceOriginator"},
		{"date", func(r *EligibilityResponse) { r.Envelope.Date = time.Time{} }, "Envelope.Date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleResponse()
			tc.mutate(&r)
			_, err := Build271(r)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.True(t, ve.Has(tc.field), "fields: %v", ve.Fields)
		})
	}
}

func TestBuild271DoesNotMutateCaller(t *testing.T) {
	r := sampleResponse()
	r.Benefits[1].Messages = []string{"  padded  "}
	dep := &Dependent{LastName: " DOE ", FirstName: "EMMA", BirthDate: date(2015, 7, 4)}
	r.Dependent = dep
	r.Rejections = nil
	_, err := Build271(r)
	require.NoError(t, err)
	assert.Equal(t, "  padded  ", r.Benefits[1].Messages[0])
	assert.Equal(t, " DOE ", dep.LastName)
}
