package x12

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// money asserts a helper's (Money, bool) result.
func money(t *testing.T, want Money) func(Money, bool) {
	return func(got Money, ok bool) {
		t.Helper()
		require.True(t, ok, "amount missing")
		require.Equal(t, want, got)
	}
}

// none asserts a helper found nothing.
func none[T any](t *testing.T) func(T, bool) {
	return func(_ T, ok bool) {
		t.Helper()
		require.False(t, ok)
	}
}

// stdPartyChecks asserts the payer and provider every fixture shares.
func stdParties(t *testing.T, r *EligibilityResponse) {
	t.Helper()
	assert.Equal(t, "ACME HEALTH PLAN", r.PayerName)
	assert.Equal(t, "ACME01", r.PayerID)
	assert.Equal(t, "CLEARINGHOUSE", r.Envelope.SenderID)
	assert.Equal(t, "CAREFLOW", r.Envelope.ReceiverID)
}

// fixtures271 maps every file in testdata/271 to the assertions on its parse.
var fixtures271 = map[string]func(t *testing.T, r *EligibilityResponse){
	"active_copay.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Equal(t, Envelope{
			SenderQualifier: "ZZ", SenderID: "CLEARINGHOUSE", ReceiverQualifier: "ZZ", ReceiverID: "CAREFLOW",
			ApplicationSender: "CLEARINGHOUSE", ApplicationReceiver: "CAREFLOW",
			ControlNumber: 101, Date: time.Date(2024, 3, 15, 9, 30, 0, 0, time.UTC), Usage: 'T',
			Delimiters: DefaultDelimiters(),
		}, r.Envelope)
		assert.Equal(t, "CHK-APPT-1001", r.TraceNumber)
		assert.Equal(t, "9234567893", r.TraceOriginator)
		assert.Equal(t, "PAYER-77", r.PayerTraceNumber)
		assert.Equal(t, Provider{NPI: "1234567893", OrganizationName: "RIVERSIDE CLINIC"}, r.Provider)
		assert.Equal(t, Subscriber{MemberID: "W123456789", LastName: "DOE", FirstName: "JANE",
			BirthDate: date(1985, 2, 14), Gender: "F", GroupNumber: "GRP-42"}, r.Subscriber)
		assert.Nil(t, r.Dependent)
		require.NotNil(t, r.Active)
		assert.True(t, *r.Active)
		assert.Equal(t, "ACME GOLD PPO", r.PlanName, "EB05 wins over REF*18")
		assert.Equal(t, "PLN-7", r.PlanNumber)
		assert.Equal(t, []DateRange{{Qualifier: "346", Start: date(2024, 1, 1), End: date(2024, 1, 1)}}, r.Dates)
		require.Len(t, r.Benefits, 9)
		b0 := r.Benefits[0]
		assert.Equal(t, "2110C", b0.Loop)
		assert.Equal(t, []string{"30", "98"}, b0.ServiceTypes)
		assert.Equal(t, []DateRange{{Qualifier: "291", Start: date(2024, 1, 1), End: date(2024, 12, 31)}}, b0.Dates)
		money(t, 2500)(r.Copay("98"))
		money(t, 4000)(r.Copay("30"))
		cs, ok := r.Coinsurance("30")
		require.True(t, ok)
		assert.InDelta(t, 0.2, cs, 1e-12)
		cs, ok = r.Coinsurance("98")
		require.True(t, ok)
		assert.InDelta(t, 0.1, cs, 1e-12)
		money(t, 150000)(r.Deductible("30"))
		money(t, 120050)(r.DeductibleRemaining("30"))
		money(t, 50000)(r.Deductible("98"))
		money(t, 35000)(r.DeductibleRemaining("98"))
		none[Money](t)(r.Copay("33"))
		none[Money](t)(r.OutOfPocket("30"))
		assert.Empty(t, r.Rejections)
		assert.False(t, r.Rejected())
	},
	"inactive.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Equal(t, byte('P'), r.Envelope.Usage)
		require.NotNil(t, r.Active)
		assert.False(t, *r.Active)
		assert.Equal(t, Provider{NPI: "1234567893", LastName: "WELBY", FirstName: "MARCUS"}, r.Provider)
		assert.Equal(t, "X987654321", r.Subscriber.MemberID)
		assert.Equal(t, "M", r.Subscriber.Gender)
		assert.Equal(t, []DateRange{{Qualifier: "347", Start: date(2023, 12, 31), End: date(2023, 12, 31)}}, r.Dates)
		require.Len(t, r.Benefits, 1)
		assert.Equal(t, "6", r.Benefits[0].Code)
		assert.Equal(t, []string{"COVERAGE TERMINATED"}, r.Benefits[0].Messages)
		assert.Empty(t, r.PlanName)
		none[Money](t)(r.Copay("30"))
	},
	"aaa72_invalid_member_id.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Nil(t, r.Active)
		assert.Empty(t, r.Benefits)
		assert.Equal(t, []Rejection{{Loop: "2100C", Valid: false, Code: "72",
			Meaning: "Invalid/Missing Subscriber/Insured ID", FollowUp: "C"}}, r.Rejections)
		assert.True(t, r.Rejected())
		assert.False(t, r.Rejections[0].Transient())
		assert.Equal(t, "Please Correct and Resubmit", FollowUpAction(r.Rejections[0].FollowUp))
		assert.Equal(t, date(1990, 1, 1), r.Subscriber.BirthDate, "DMG after AAA still maps")
	},
	"aaa75_subscriber_not_found.x12": func(t *testing.T, r *EligibilityResponse) {
		assert.Equal(t, []Rejection{{Loop: "2100C", Valid: true, Code: "75",
			Meaning: "Subscriber/Insured Not Found", FollowUp: "C"}}, r.Rejections)
		assert.Equal(t, "SMITH", r.Subscriber.LastName)
		assert.Empty(t, r.Subscriber.MemberID)
		assert.Nil(t, r.Active)
	},
	"aaa_2110c.x12": func(t *testing.T, r *EligibilityResponse) {
		require.NotNil(t, r.Active)
		assert.True(t, *r.Active)
		assert.Equal(t, "BRONZE HMO", r.PlanName)
		require.Len(t, r.Benefits, 2)
		assert.Equal(t, "V", r.Benefits[1].Code)
		assert.Equal(t, []string{"33"}, r.Benefits[1].ServiceTypes)
		assert.Len(t, r.Benefits[1].Messages, 1)
		assert.Equal(t, []Rejection{{Loop: "2110C", Code: "53",
			Meaning: "Inquired Benefit Inconsistent with Provider Type", FollowUp: "C"}}, r.Rejections)
	},
	"delimiters_pipe_caret_lf.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Equal(t, Delimiters{Element: '|', Component: '>', Repetition: '^', Segment: '\n'}, r.Envelope.Delimiters)
		require.Len(t, r.Benefits, 3)
		assert.Equal(t, []string{"30", "98", "MH"}, r.Benefits[0].ServiceTypes)
		assert.Equal(t, "SILVER*PLUS~2024", r.PlanName, "undeclared default delimiters are data")
		assert.Equal(t, []string{"98", "UC"}, r.Benefits[1].ServiceTypes)
		money(t, 3000)(r.Copay("98"))
		money(t, 3000)(r.Copay("UC"))
		cs, ok := r.Coinsurance("MH")
		require.True(t, ok)
		assert.InDelta(t, 0.3, cs, 1e-12)
	},
	"delimiters_plus_brace.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Equal(t, Delimiters{Element: '+', Component: '<', Repetition: '}', Segment: '\''}, r.Envelope.Delimiters)
		assert.Equal(t, "W123456789", r.Subscriber.MemberID)
		require.Len(t, r.Benefits, 3)
		assert.Equal(t, []string{"30", "98", "AL"}, r.Benefits[0].ServiceTypes)
		assert.Equal(t, "GOLD*PLUS:HMO^2024", r.PlanName)
		money(t, 1575)(r.Copay("AL"))
		money(t, 9999)(r.DeductibleRemaining("30"))
		none[Money](t)(r.Deductible("30"))
	},
	"crlf.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Equal(t, "CHK-APPT-1008", r.TraceNumber)
		assert.Equal(t, "W123456789", r.Subscriber.MemberID)
		require.Len(t, r.Benefits, 2)
		money(t, 2500)(r.Copay("98"))
		assert.Equal(t, "ACME GOLD PPO", r.PlanName)
		assert.Nil(t, r.Benefits[1].InNetwork)
	},
	"dependent_2000d.x12": func(t *testing.T, r *EligibilityResponse) {
		stdParties(t, r)
		assert.Equal(t, "CHK-APPT-1009", r.TraceNumber, "trace from 2000D")
		assert.Equal(t, "W555000111", r.Subscriber.MemberID)
		assert.Equal(t, "JOHN", r.Subscriber.FirstName)
		assert.Equal(t, "GRP-77", r.Subscriber.GroupNumber)
		require.NotNil(t, r.Dependent)
		assert.Equal(t, Dependent{LastName: "DOE", FirstName: "EMMA", BirthDate: date(2015, 7, 4), Gender: "F",
			Relationship: "19"}, *r.Dependent)
		require.Len(t, r.Benefits, 4)
		for _, b := range r.Benefits {
			assert.Equal(t, "2110D", b.Loop)
		}
		require.NotNil(t, r.Active)
		assert.True(t, *r.Active)
		assert.Equal(t, "ACME KIDS HMO", r.PlanName)
		money(t, 1500)(r.Copay("98"))
		money(t, 100000)(r.Deductible("30")) // IND preferred over the FAM listed first
	},
	"multi_network.x12": func(t *testing.T, r *EligibilityResponse) {
		require.Len(t, r.Benefits, 14)
		money(t, 2000)(r.Copay("98"))
		cs, ok := r.Coinsurance("98")
		require.True(t, ok)
		assert.InDelta(t, 0.15, cs, 1e-12)
		money(t, 200000)(r.Deductible("30"))
		money(t, 75000)(r.DeductibleRemaining("30"))
		money(t, 800000)(r.OutOfPocket("30"))
		money(t, 700025)(r.OutOfPocketRemaining("30"))
		money(t, 25000)(r.Deductible("98"))
		none[Money](t)(r.Copay("30"))
		assert.False(t, *r.Benefits[1].InNetwork)
		assert.True(t, *r.Benefits[2].InNetwork)
		assert.Nil(t, r.Benefits[12].InNetwork, "W is neither in nor out of network")
		limit := r.Benefits[13]
		assert.Equal(t, "VS", limit.QuantityQualifier)
		require.NotNil(t, limit.Quantity)
		assert.Equal(t, 20.0, *limit.Quantity)
		assert.Nil(t, limit.Amount)
		assert.Equal(t, "Limitations", BenefitMeaning(limit.Code))
	},
	"msg_segments.x12": func(t *testing.T, r *EligibilityResponse) {
		require.Len(t, r.Benefits, 3)
		assert.Equal(t, []string{"PLAN RENEWS ANNUALLY"}, r.Benefits[0].Messages)
		assert.Equal(t, []string{"COPAY WAIVED FOR PREVENTIVE VISITS", "SPECIALIST COPAY APPLIES AFTER REFERRAL"},
			r.Benefits[1].Messages)
		assert.Equal(t, []string{"COINSURANCE AFTER DEDUCTIBLE"}, r.Benefits[2].Messages)
		assert.Equal(t, "DOE", r.Subscriber.LastName, "the 2120C NM1 does not overwrite the subscriber")
		assert.Equal(t, "PLATINUM", r.PlanName)
		money(t, 3000)(r.Copay("98"))
	},
	"aaa42_payer_unavailable_2100a.x12": func(t *testing.T, r *EligibilityResponse) {
		assert.Equal(t, "ACME HEALTH PLAN", r.PayerName)
		assert.Equal(t, []Rejection{{Loop: "2100A", Valid: true, Code: "42",
			Meaning: "Unable to Respond at Current Time", FollowUp: "P"}}, r.Rejections)
		assert.True(t, r.Rejections[0].Transient())
		assert.Nil(t, r.Active)
		assert.Empty(t, r.Subscriber)
		assert.Empty(t, r.TraceNumber)
	},
	"aaa43_provider_2100b.x12": func(t *testing.T, r *EligibilityResponse) {
		assert.Equal(t, []Rejection{{Loop: "2100B", Code: "43",
			Meaning: "Invalid/Missing Provider Identification", FollowUp: "N"}}, r.Rejections)
		assert.Equal(t, "Resubmission Not Allowed", FollowUpAction("N"))
		assert.Equal(t, "W123456789", r.Subscriber.MemberID)
	},
	"aaa67_dependent_2100d.x12": func(t *testing.T, r *EligibilityResponse) {
		require.NotNil(t, r.Dependent)
		assert.Equal(t, "LIAM", r.Dependent.FirstName)
		assert.Equal(t, date(2018, 9, 10), r.Dependent.BirthDate)
		assert.Equal(t, []Rejection{{Loop: "2100D", Code: "67", Meaning: "Patient Not Found", FollowUp: "C"}}, r.Rejections)
		assert.Nil(t, r.Active)
	},
}

func TestParse271Fixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "271", "*.x12"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 10)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	var want []string
	for name := range fixtures271 {
		want = append(want, name)
	}
	sort.Strings(want)
	require.Equal(t, want, names, "every fixture has assertions and every assertion a fixture")

	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".x12"), func(t *testing.T) {
			r, err := Parse271(readFixture(t, filepath.Join("271", name)))
			require.NoError(t, err)
			fixtures271[name](t, r)
		})
	}
}

// mutate271 replaces the first occurrence of old in the active fixture and,
// unless the test is about SE01 itself, corrects SE01 so the mutation is what
// the parser trips over.
func mutate271(t *testing.T, old, repl string) []byte {
	t.Helper()
	src := string(readFixture(t, "271/active_copay.x12"))
	require.Contains(t, src, old)
	out := strings.Replace(src, old, repl, 1)
	if strings.HasPrefix(old, "SE*") {
		return []byte(out)
	}
	segs := strings.Split(out, "~")
	st, se := -1, -1
	for i, s := range segs {
		switch {
		case strings.HasPrefix(s, "ST*") && st < 0:
			st = i
		case strings.HasPrefix(s, "SE*") && se < 0:
			se = i
		}
	}
	if st >= 0 && se > st {
		segs[se] = "SE*" + strconv.Itoa(se-st+1) + "*0101"
	}
	return []byte(strings.Join(segs, "~"))
}

func TestParse271RejectsMalformed(t *testing.T) {
	// PHIMARKER stands for patient data; no error may repeat it.
	const marker = "PHIMARKER"
	cases := []struct {
		name    string
		data    []byte
		segID   string
		element int
	}{
		{"not x12", []byte("hello " + marker), "", 0},
		{"empty", nil, "", 0},
		{"short isa", []byte("ISA*00*" + marker + "~"), "ISA", 0},
		{"clashing delimiters", mutate271(t, "*T*:~", "*T**~"), "ISA", 0},
		{"letter repetition", mutate271(t, "*0930*^*", "*0930*QQ*"), "ISA", 11},
		{"segment count", mutate271(t, "SE*28*0101", "SE*27*0101"), "SE", 1},
		{"set control", mutate271(t, "SE*28*0101", "SE*28*0102"), "SE", 2},
		{"group control", mutate271(t, "GE*1*101", "GE*1*102"), "GE", 2},
		{"group count", mutate271(t, "GE*1*101", "GE*2*101"), "GE", 1},
		{"interchange control", mutate271(t, "IEA*1*000000101", "IEA*1*000000100"), "IEA", 2},
		{"no trailer", mutate271(t, "IEA*1*000000101~", ""), "GE", 0},
		{"after iea", mutate271(t, "IEA*1*000000101~", "IEA*1*000000101~NM1*"+marker+"~"), "NM1", 0},
		{"name fragment as tag", mutate271(t, "IEA*1*000000101~", "IEA*1*000000101~DOE*"+marker+"~"), "", 0},
		{"name fragment in set", mutate271(t, "GE*1*101~", "GE*1*101~DOE~"), "", 0},
		{"unterminated", mutate271(t, "IEA*1*000000101~", "IEA*1*000000101"), "", 0},
		{"empty segment", mutate271(t, "~HL*1**20*1~", "~~HL*1**20*1~"), "", 0},
		{"lower-case tag", mutate271(t, "NM1*IL*1*DOE", "nm1*IL*1*"+marker), "", 0},
		{"wrong set", mutate271(t, "ST*271*0101", "ST*270*0101"), "ST", 1},
		{"bad amount", mutate271(t, "*27*25*****Y", "*27*25"+marker+"*****Y"), "EB", 7},
		{"sub-cent amount", mutate271(t, "*27*25*****Y", "*27*25.001*****Y"), "EB", 7},
		{"exponent amount", mutate271(t, "*27*25*****Y", "*27*2E5*****Y"), "EB", 7},
		{"bad percent", mutate271(t, "****.2****Y", "****NaN****Y"), "EB", 8},
		{"no eb01", mutate271(t, "EB*B*IND*98", "EB**IND*98"), "EB", 1},
		{"bad date", mutate271(t, "DTP*346*D8*20240101", "DTP*346*D8*20241301"), "DTP", 3},
		{"reversed range", mutate271(t, "20240101-20241231", "20241231-20240101"), "DTP", 3},
		{"bad dob", mutate271(t, "DMG*D8*19850214", "DMG*D8*1985"+marker), "DMG", 2},
		{"hl parent", mutate271(t, "HL*3*2*22*0", "HL*3*1*22*0"), "HL", 2},
		{"hl sequence", mutate271(t, "HL*3*2*22*0", "HL*4*2*22*0"), "HL", 1},
		{"hl level", mutate271(t, "HL*3*2*22*0", "HL*3*2*99*0"), "HL", 3},
		{"aaa indicator", mutate271(t, "DTP*346", "AAA*X**72*C~DTP*346"), "AAA", 1},
		{"aaa no code", mutate271(t, "DTP*346", "AAA*N***C~DTP*346"), "AAA", 3},
		{"eb in 2000b", mutate271(t, "HL*3*2*22*0~", "EB*1~HL*3*2*22*0~"), "EB", 0},
		{"no bht", mutate271(t, "BHT*0022*11*CHK-APPT-1001*20240315*0930~", ""), "ST", 0},
		{"bad usage", mutate271(t, "*0*T*:~", "*0*Q*:~"), "ISA", 15},
		{"trace type", mutate271(t, "TRN*1*PAYER-77", "TRN*3*PAYER-77"), "TRN", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse271(tc.data)
			require.Nil(t, r)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "want *ParseError, got %v", err)
			assert.Equal(t, tc.segID, pe.SegmentID, err.Error())
			assert.Equal(t, tc.element, pe.Element, err.Error())
			assert.NotEmpty(t, pe.Reason)
			assert.NotContains(t, err.Error(), marker)
			assert.NotContains(t, err.Error(), "DOE")
		})
	}
}

func TestParse271TwoTransactionSets(t *testing.T) {
	src := string(readFixture(t, "271/aaa42_payer_unavailable_2100a.x12"))
	i := strings.Index(src, "ST*271")
	j := strings.Index(src, "GE*1*112")
	set := src[i:j]
	doubled := src[:j] + strings.ReplaceAll(set, "0112", "0113") + "GE*2*112~\nIEA*1*000000112~\n"
	_, err := Parse271([]byte(doubled))
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "ST", pe.SegmentID)
	assert.Contains(t, pe.Reason, "more than one transaction set")
}

func TestParseErrorMessage(t *testing.T) {
	e := &ParseError{Segment: 7, SegmentID: "NM1", Element: 9, Reason: "bad"}
	assert.Equal(t, "x12: segment 7 (NM1) element 9: bad", e.Error())
	assert.Equal(t, "x12: no segments", (&ParseError{Reason: "no segments"}).Error())
}

// TestParse271DoesNotAliasInput checks that the result survives the caller
// reusing its buffer.
func TestParse271DoesNotAliasInput(t *testing.T) {
	data := readFixture(t, "271/active_copay.x12")
	r, err := Parse271(data)
	require.NoError(t, err)
	for i := range data {
		data[i] = 'X'
	}
	assert.Equal(t, "DOE", r.Subscriber.LastName)
	assert.Equal(t, []string{"30", "98"}, r.Benefits[0].ServiceTypes)
}

func TestFixturesAreUnchangedOnDisk(t *testing.T) {
	// CRLF and custom terminators must survive checkouts; .gitattributes
	// marks testdata binary, and this guards against a converted copy.
	b, err := os.ReadFile(filepath.Join("testdata", "271", "crlf.x12"))
	require.NoError(t, err)
	assert.Equal(t, 17, strings.Count(string(b), "~\r\n"))
}
