package x12

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertSegments compares a built document with the expected segments one by
// one, so a failure names the first differing segment.
func assertSegments(t *testing.T, want []string, got []byte, term string) {
	t.Helper()
	gotSegs := strings.Split(strings.TrimSuffix(string(got), term), term)
	for i := 0; i < len(want) && i < len(gotSegs); i++ {
		require.Equal(t, want[i], gotSegs[i], "segment %d", i+1)
	}
	require.Len(t, gotSegs, len(want))
	require.Equal(t, strings.Join(want, term)+term, string(got))
}

func TestBuild270Golden(t *testing.T) {
	got := mustBuild270(t, sampleRequest())
	assertSegments(t, []string{
		"ISA*00*          *00*          *ZZ*CAREFLOW       *ZZ*CLEARINGHOUSE  *240315*0930*^*00501*000000042*0*T*:",
		"GS*HS*CAREFLOW*CLEARINGHOUSE*20240315*0930*42*X*005010X279A1",
		"ST*270*0042*005010X279A1",
		"BHT*0022*13*CHK-APPT-1001*20240315*0930",
		"HL*1**20*1",
		"NM1*PR*2*ACME HEALTH PLAN*****PI*ACME01",
		"HL*2*1*21*1",
		"NM1*1P*2*RIVERSIDE CLINIC*****XX*1234567893",
		"HL*3*2*22*0",
		"TRN*1*CHK-APPT-1001*9234567893",
		"NM1*IL*1*DOE*JANE****MI*W123456789",
		"REF*6P*GRP-42",
		"DMG*D8*19850214*F",
		"DTP*291*D8*20240315",
		"EQ*30",
		"EQ*98",
		"SE*15*0042",
		"GE*1*42",
		"IEA*1*000000042",
	}, got, "~")
}

func TestBuild270DependentGolden(t *testing.T) {
	req := dependentRequest()
	req.Provider = Provider{NPI: "1234567893", LastName: "Welby", FirstName: "Marcus"}
	req.ServiceDate = time.Time{}
	req.AckRequested = true
	req.Usage = 'P'
	got := mustBuild270(t, req)
	assertSegments(t, []string{
		"ISA*00*          *00*          *ZZ*CAREFLOW       *ZZ*CLEARINGHOUSE  *240315*0930*^*00501*000000043*1*P*:",
		"GS*HS*CAREFLOW*CLEARINGHOUSE*20240315*0930*43*X*005010X279A1",
		"ST*270*0043*005010X279A1",
		"BHT*0022*13*CHK-APPT-1002*20240315*0930",
		"HL*1**20*1",
		"NM1*PR*2*ACME HEALTH PLAN*****PI*ACME01",
		"HL*2*1*21*1",
		"NM1*1P*1*WELBY*MARCUS****XX*1234567893",
		"HL*3*2*22*1",
		"NM1*IL*1*DOE*JANE****MI*W123456789",
		"REF*6P*GRP-42",
		"HL*4*3*23*0",
		"TRN*1*CHK-APPT-1002*9234567893",
		"NM1*03*1*DOE*EMMA",
		"DMG*D8*20150704*F",
		"INS*N*19",
		"EQ*30",
		"SE*16*0043",
		"GE*1*43",
		"IEA*1*000000043",
	}, got, "~")
}

func TestBuild270ISAIsFixedWidth(t *testing.T) {
	for _, d := range []Delimiters{{}, {Element: '|', Component: '>', Repetition: '}', Segment: '\n'}} {
		req := sampleRequest()
		req.Delimiters = d
		req.SenderID = "A1" // short ids are padded, never truncated or shifted
		req.ControlNumber = 7
		out := mustBuild270(t, req)
		d = d.orDefault()
		require.Equal(t, d.Element, out[3])
		require.Equal(t, d.Repetition, out[82], "ISA11")
		require.Equal(t, d.Component, out[104], "ISA16")
		require.Equal(t, d.Segment, out[105], "terminator")
		require.Equal(t, "000000007", string(out[90:99]), "ISA13")
		require.Equal(t, "A1             ", string(out[35:50]), "ISA06")
	}
}

func TestBuild270RoundTrip(t *testing.T) {
	for name, req := range map[string]InquiryRequest{
		"subscriber": sampleRequest(),
		"dependent":  dependentRequest(),
		"delimiters": func() InquiryRequest {
			r := sampleRequest()
			r.Delimiters = Delimiters{Element: '|', Component: '>', Repetition: '}', Segment: '\n'}
			r.PayerName = "Acme*Health~Plan" // default delimiters are data here
			return r
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			out := mustBuild270(t, req)
			d, segs, err := Split(out)
			require.NoError(t, err)
			require.Equal(t, req.Delimiters.orDefault(), d)
			levels := checkStructure(t, segs)
			if req.Dependent != nil {
				require.Equal(t, []string{"20", "21", "22", "23"}, levels)
			} else {
				require.Equal(t, []string{"20", "21", "22"}, levels)
			}

			back, err := Parse270(out)
			require.NoError(t, err)
			want := req
			require.NoError(t, normalize270(&want))
			want.Delimiters = d
			want.ApplicationSender, want.ApplicationReceiver = req.SenderID, req.ReceiverID
			// DTP*291 carries the date only.
			want.ServiceDate = time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
			require.Equal(t, want, *back)
		})
	}
}

func TestBuild270Normalizes(t *testing.T) {
	req := sampleRequest()
	req.Subscriber.LastName = "  Núñez "
	req.Subscriber.FirstName = "José"
	req.Subscriber.Gender = "f"
	req.ServiceTypes = []string{"al"}
	req.Dependent = &Dependent{LastName: "Müller", FirstName: "zoë", BirthDate: time.Date(2015, 1, 2, 0, 0, 0, 0, time.UTC)}
	callerDep, callerTypes := req.Dependent, req.ServiceTypes

	out := mustBuild270(t, req)
	s := string(out)
	assert.Contains(t, s, "NM1*IL*1*NUNEZ*JOSE****MI*W123456789~")
	assert.Contains(t, s, "NM1*03*1*MULLER*ZOE~")
	assert.Contains(t, s, "DMG*D8*19850214*F~")
	assert.Contains(t, s, "EQ*AL~")
	// The caller's values are untouched: Build270 works on copies.
	assert.Equal(t, "Müller", callerDep.LastName)
	assert.Equal(t, []string{"al"}, callerTypes)
	assert.Equal(t, "  Núñez ", req.Subscriber.LastName)
}

func TestBuild270ValidationNamesFieldsNotValues(t *testing.T) {
	const secret = "SECRETVALUE"
	cases := []struct {
		name   string
		mutate func(*InquiryRequest)
		field  string
	}{
		{"no member id", func(r *InquiryRequest) { r.Subscriber.MemberID = "" }, "Subscriber.MemberID"},
		{"delimiter in name", func(r *InquiryRequest) { r.Subscriber.LastName = secret + "*X" }, "Subscriber.LastName"},
		{"component in trace", func(r *InquiryRequest) { r.TraceNumber = "checkin:" + secret }, "TraceNumber"},
		{"non latin name", func(r *InquiryRequest) { r.Subscriber.FirstName = secret + "李" }, "Subscriber.FirstName"},
		{"control char", func(r *InquiryRequest) { r.PayerName = secret + "\x01X" }, "PayerName"},
		{"long first name", func(r *InquiryRequest) { r.Subscriber.FirstName = strings.Repeat("A", 36) }, "Subscriber.FirstName"},
		{"bad npi check digit", func(r *InquiryRequest) { r.Provider.NPI = "1234567890" }, "Provider.NPI"},
		{"npi letters", func(r *InquiryRequest) { r.Provider.NPI = "12345ABCDE" }, "Provider.NPI"},
		{"no provider name", func(r *InquiryRequest) { r.Provider.OrganizationName = "" }, "Provider.OrganizationName"},
		{"no payer id", func(r *InquiryRequest) { r.PayerID = "" }, "PayerID"},
		{"no trace", func(r *InquiryRequest) { r.TraceNumber = " " }, "TraceNumber"},
		{"bad originator", func(r *InquiryRequest) { r.TraceOriginator = "12" }, "TraceOriginator"},
		{"no birth date", func(r *InquiryRequest) { r.Subscriber.BirthDate = time.Time{} }, "Subscriber.BirthDate"},
		{"future birth date", func(r *InquiryRequest) { r.Subscriber.BirthDate = testDate.AddDate(0, 0, 1) }, "Subscriber.BirthDate"},
		{"gender", func(r *InquiryRequest) { r.Subscriber.Gender = "X" }, "Subscriber.Gender"},
		{"service type", func(r *InquiryRequest) { r.ServiceTypes = []string{"300"} }, "ServiceTypes"},
		{"control number zero", func(r *InquiryRequest) { r.ControlNumber = 0 }, "Envelope.ControlNumber"},
		{"control number too big", func(r *InquiryRequest) { r.ControlNumber = 1_000_000_000 }, "Envelope.ControlNumber"},
		{"no date", func(r *InquiryRequest) { r.Date = time.Time{} }, "Envelope.Date"},
		{"usage", func(r *InquiryRequest) { r.Usage = 'X' }, "Envelope.Usage"},
		{"long sender", func(r *InquiryRequest) { r.SenderID = strings.Repeat("S", 16) }, "Envelope.SenderID"},
		{"clashing delimiters", func(r *InquiryRequest) { r.Delimiters = Delimiters{'*', '*', '^', '~'} }, "Envelope.Delimiters"},
		{"letter delimiter", func(r *InquiryRequest) { r.Delimiters = Delimiters{'E', ':', '^', '~'} }, "Envelope.Delimiters"},
		{"dependent without dob", func(r *InquiryRequest) { r.Dependent = &Dependent{LastName: "DOE", FirstName: "AL"} }, "Dependent.BirthDate"},
		{"dependent relationship", func(r *InquiryRequest) {
			r.Dependent = &Dependent{LastName: "DOE", FirstName: "AL", BirthDate: testDate, Relationship: "1"}
		}, "Dependent.Relationship"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := sampleRequest()
			tc.mutate(&req)
			out, err := Build270(req)
			require.Nil(t, out)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "want *ValidationError, got %v", err)
			assert.True(t, ve.Has(tc.field), "fields: %v", ve.Fields)
			assert.Contains(t, err.Error(), tc.field)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestBuild270ReportsEveryProblem(t *testing.T) {
	_, err := Build270(InquiryRequest{})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	for _, f := range []string{"Envelope.SenderID", "Envelope.ControlNumber", "Envelope.Date", "Envelope.Usage",
		"TraceNumber", "PayerName", "PayerID", "Provider.NPI", "Subscriber.MemberID", "Subscriber.BirthDate"} {
		assert.True(t, ve.Has(f), f)
	}
}

func TestBuild270Deterministic(t *testing.T) {
	a := mustBuild270(t, sampleRequest())
	b := mustBuild270(t, sampleRequest())
	require.Equal(t, a, b)
}
