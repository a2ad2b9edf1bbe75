package ncpdp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func mustDecode(t testing.TB, data []byte) *Message {
	t.Helper()
	m, err := Decode(data)
	require.NoError(t, err)
	return m
}

// fixtures maps every hand-written message to its body type.
var fixtures = map[string]MessageType{
	"newrx.xml":                      TypeNewRx,
	"status.xml":                     TypeStatus,
	"verify.xml":                     TypeVerify,
	"error.xml":                      TypeError,
	"cancelrx.xml":                   TypeCancelRx,
	"cancelrx_response_approved.xml": TypeCancelRxResponse,
	"cancelrx_response_denied.xml":   TypeCancelRxResponse,
	"rxchange_request.xml":           TypeRxChangeRequest,
	"rxchange_response.xml":          TypeRxChangeResponse,
	"rxrenewal_request.xml":          TypeRxRenewalRequest,
	"rxrenewal_response.xml":         TypeRxRenewalResponse,
	"rxfill_dispensed.xml":           TypeRxFill,
	"rxfill_partial.xml":             TypeRxFill,
	"rxfill_not_dispensed.xml":       TypeRxFill,
}

// TestRoundTripEveryBodyType decodes each hand-written message, encodes it
// and decodes the result: the two decoded messages must be equal and a
// second encoding byte-identical to the first.
func TestRoundTripEveryBodyType(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	require.NoError(t, err)
	require.Len(t, files, len(fixtures), "every testdata file is listed in fixtures")
	seen := map[MessageType]bool{}
	for name, typ := range fixtures {
		t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
			m := mustDecode(t, readTestdata(t, name))
			assert.Equal(t, typ, m.Type())
			out, err := Encode(m)
			require.NoError(t, err)
			back := mustDecode(t, out)
			assert.Equal(t, m, back)
			again, err := Encode(back)
			require.NoError(t, err)
			assert.Equal(t, string(out), string(again))
			assert.True(t, strings.HasPrefix(string(out), `<?xml version="1.0" encoding="UTF-8"?>`))
		})
		seen[typ] = true
	}
	assert.Len(t, seen, 11, "every body type has a fixture")
}

// TestDecodeNewRx checks the values the prescription workflow relies on.
func TestDecodeNewRx(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "newrx.xml"))
	assert.Equal(t, Version, m.ECLVersion)
	assert.Equal(t, Domain, m.TransactionDomain)
	assert.Equal(t, Party{Qualifier: "P", ID: "1234567"}, m.Header.To)
	assert.Equal(t, "CF-NEWRX-1001", m.Header.MessageID)
	assert.Equal(t, time.Date(2024, 3, 14, 15, 4, 5, 500_000_000, time.UTC), m.Header.SentTime.Time)
	assert.Equal(t, "RX-1001", m.Header.PrescriberOrderNumber)
	rx := m.Body.NewRx
	require.NotNil(t, rx)
	hp := rx.Patient.HumanPatient
	require.NotNil(t, hp)
	assert.Equal(t, "Doe", hp.Name.LastName)
	assert.Equal(t, "F", hp.Gender)
	assert.Equal(t, "1985-02-14", hp.DateOfBirth.Date)
	assert.Equal(t, "1234567", rx.Pharmacy.Identification.NCPDPID)
	nv := rx.Prescriber.NonVeterinarian
	assert.Equal(t, "1234567893", nv.Identification.NPI)
	assert.Equal(t, "AB1234563", nv.Identification.DEANumber)
	med := rx.MedicationPrescribed
	assert.Equal(t, "617312", med.RxNorm())
	assert.Equal(t, "Atorvastatin 20 MG Oral Tablet", med.DrugDescription)
	assert.Equal(t, Quantity{Value: "30", CodeListQualifier: "38", QuantityUnitOfMeasure: CodeOnly{Code: "C48542"}}, med.Quantity)
	assert.Equal(t, "30", med.DaysSupply)
	assert.Equal(t, "2", med.NumberOfRefills)
	assert.Equal(t, "0", med.Substitutions)
	assert.Equal(t, "2024-03-14", med.WrittenDate.Date)
	require.NotNil(t, med.Sig)
	assert.Equal(t, "Take 1 tablet by mouth once daily at bedtime", med.Sig.SigText)
	require.Len(t, med.Sig.Instruction, 1)
	dose := med.Sig.Instruction[0].DoseAdministration.Dosage
	assert.Equal(t, "1", dose.DoseQuantity)
	assert.Equal(t, "C48542", dose.DoseUnitOfMeasure.Code)
	assert.Equal(t, "1", med.Sig.Instruction[0].TimingAndDuration[0].Frequency.FrequencyNumericValue)
	assert.Equal(t, "C38046", med.DrugCoded.DEASchedule.Code)
}

// TestDecodeAnswers checks the answer bodies.
func TestDecodeAnswers(t *testing.T) {
	st := mustDecode(t, readTestdata(t, "status.xml"))
	assert.Equal(t, "CF-NEWRX-1001", st.Header.RelatesToMessageID)
	assert.Equal(t, "010", st.Body.Status.Code)
	assert.Equal(t, "010", mustDecode(t, readTestdata(t, "verify.xml")).Body.Verify.VerifyStatus.Code)
	e := mustDecode(t, readTestdata(t, "error.xml")).Body.Error
	assert.Equal(t, Error{Code: "900", DescriptionCode: "210", Description: "Transaction rejected"}, *e)

	ok := mustDecode(t, readTestdata(t, "cancelrx_response_approved.xml")).Body.CancelRxResponse
	assert.Equal(t, AnswerApproved, ok.Response.Answer())
	den := mustDecode(t, readTestdata(t, "cancelrx_response_denied.xml")).Body.CancelRxResponse
	assert.Equal(t, AnswerDenied, den.Response.Answer())
	assert.Equal(t, "Already picked up by patient", den.Response.Denied.DenialReason)

	chg := mustDecode(t, readTestdata(t, "rxchange_request.xml")).Body.RxChangeRequest
	assert.Equal(t, ChangeTherapeuticInterchange, chg.MessageRequestCode)
	require.Len(t, chg.MedicationRequested, 1)
	assert.Equal(t, "198211", chg.MedicationRequested[0].RxNorm())
	chr := mustDecode(t, readTestdata(t, "rxchange_response.xml")).Body.RxChangeResponse
	assert.Equal(t, AnswerApprovedWithChanges, chr.Response.Answer())

	ren := mustDecode(t, readTestdata(t, "rxrenewal_request.xml")).Body.RxRenewalRequest
	require.NotNil(t, ren.MedicationDispensed)
	assert.Equal(t, "0", ren.MedicationDispensed.NumberOfRefills)
	rr := mustDecode(t, readTestdata(t, "rxrenewal_response.xml")).Body.RxRenewalResponse
	assert.Equal(t, AnswerDenied, rr.Response.Answer())
	assert.Equal(t, []string{"AA", "AC"}, rr.Response.Denied.ReasonCode)

	for name, want := range map[string]string{
		"rxfill_dispensed.xml": FillDispensed, "rxfill_partial.xml": FillPartiallyDispensed, "rxfill_not_dispensed.xml": FillNotDispensed,
	} {
		f := mustDecode(t, readTestdata(t, name)).Body.RxFill
		assert.Equal(t, want, f.FillStatus.Outcome(), name)
	}
	partial := mustDecode(t, readTestdata(t, "rxfill_partial.xml")).Body.RxFill
	assert.Equal(t, "15", partial.MedicationDispensed.Quantity.Value)
}

// TestDecodeTolerant accepts what real senders vary: no namespace, no XML
// declaration, a byte order mark, other spellings of UTF-8, and unknown
// optional elements anywhere.
func TestDecodeTolerant(t *testing.T) {
	good := string(readTestdata(t, "newrx.xml"))
	want := mustDecode(t, []byte(good))
	variants := map[string]string{
		"no namespace":       strings.Replace(good, ` xmlns="http://www.ncpdp.org/schema/SCRIPT"`, "", 1),
		"no declaration":     strings.Replace(good, `<?xml version="1.0" encoding="UTF-8"?>`, "", 1),
		"byte order mark":    "\xEF\xBB\xBF" + good,
		"lower-case utf-8":   strings.Replace(good, `encoding="UTF-8"`, `encoding='utf-8'`, 1),
		"no encoding":        strings.Replace(good, ` encoding="UTF-8"`, "", 1),
		"unknown in header":  strings.Replace(good, "<PrescriberOrderNumber>", "<DigitalSignature Version=\"1\"><SignatureValue>x</SignatureValue></DigitalSignature><PrescriberOrderNumber>", 1),
		"unknown in patient": strings.Replace(good, "<Gender>F</Gender>", "<Gender>F</Gender><LanguageNameCode>en</LanguageNameCode>", 1),
		"unknown in med":     strings.Replace(good, "<DaysSupply>", "<PharmacyRequestedRefills>1</PharmacyRequestedRefills><DaysSupply>", 1),
		"comment after root": good + "<!-- trailer -->\n",
	}
	for name, doc := range variants {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, good, doc)
			m, err := Decode([]byte(doc))
			require.NoError(t, err)
			assert.Equal(t, want.Body, m.Body)
			assert.Equal(t, want.Header, m.Header)
		})
	}
}

// TestDecodeRejects checks each kind of bad input yields the right typed
// error, and that no error text carries a value from the message.
func TestDecodeRejects(t *testing.T) {
	good := string(readTestdata(t, "newrx.xml"))
	status := string(readTestdata(t, "status.xml"))
	fill := string(readTestdata(t, "rxfill_dispensed.xml"))
	cancel := string(readTestdata(t, "cancelrx_response_approved.xml"))
	type want struct {
		kind  string // DecodeError kind, or "" for a ValidationError
		field string // ValidationError field
	}
	cases := map[string]struct {
		doc string
		want
	}{
		"latin-1 declared":       {strings.Replace(good, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), want{kind: KindEncoding}},
		"utf-16 declared":        {strings.Replace(good, `encoding="UTF-8"`, `encoding="UTF-16"`, 1), want{kind: KindEncoding}},
		"invalid utf-8":          {strings.Replace(good, "Jane", "J\xE9ane", 1), want{kind: KindEncoding}},
		"utf-16 bom":             {"\xFF\xFE" + good, want{kind: KindEncoding}},
		"malformed":              {strings.Replace(good, "</Header>", "", 1), want{kind: KindSyntax}},
		"not a message":          {`<?xml version="1.0"?><Claim/>`, want{kind: KindSyntax}},
		"empty":                  {"", want{kind: KindSyntax}},
		"entity expansion":       {strings.Replace(strings.Replace(good, "<Message ", "<!DOCTYPE Message [<!ENTITY lol \"lol\">]>\n<Message ", 1), "Jane", "&lol;", 1), want{kind: KindSyntax}},
		"oversized":              {good + strings.Repeat(" ", MaxMessageSize), want{kind: KindSyntax}},
		"two roots":              {good + good[strings.Index(good, "<Message"):], want{kind: KindSyntax}},
		"sent time without zone": {strings.Replace(good, "2024-03-14T15:04:05.5Z", "2024-03-14T15:04:05", 1), want{kind: KindSyntax}},
		"unknown message type":   {strings.Replace(strings.Replace(good, "<NewRx>", "<RxHistoryRequest>", 1), "</NewRx>", "</RxHistoryRequest>", 1), want{kind: KindMessageType}},
		"two bodies":             {strings.Replace(status, "</Status>", "</Status><Error><Code>900</Code></Error>", 1), want{kind: KindMessageType}},
		"known and unknown body": {strings.Replace(status, "</Status>", "</Status><Census/>", 1), want{kind: KindMessageType}},
		"empty body":             {strings.Replace(status, status[strings.Index(status, "<Status>"):strings.Index(status, "</Status>")+9], "", 1), want{kind: KindMessageType}},
		"missing MessageID":      {strings.Replace(good, "<MessageID>CF-NEWRX-1001</MessageID>", "", 1), want{field: "Header.MessageID"}},
		"MessageID too long":     {strings.Replace(good, "CF-NEWRX-1001", strings.Repeat("M", 36), 1), want{field: "Header.MessageID"}},
		"missing SentTime":       {strings.Replace(good, "<SentTime>2024-03-14T15:04:05.5Z</SentTime>", "", 1), want{field: "Header.SentTime"}},
		"missing To qualifier":   {strings.Replace(good, `<To Qualifier="P">`, `<To>`, 1), want{field: "Header.To@Qualifier"}},
		"wrong version":          {strings.Replace(good, `ECLVersion="20170715"`, `ECLVersion="20170714"`, 1), want{field: "Message@ECLVersion"}},
		"wrong domain":           {strings.Replace(good, `TransactionDomain="SCRIPT"`, `TransactionDomain="OTHER"`, 1), want{field: "Message@TransactionDomain"}},
		"status unrelated":       {strings.Replace(status, "<RelatesToMessageID>CF-NEWRX-1001</RelatesToMessageID>", "", 1), want{field: "Header.RelatesToMessageID"}},
		"status code":            {strings.Replace(status, "<Code>010</Code>", "<Code>10</Code>", 1), want{field: "Body.Status.Code"}},
		"short NCPDP ID":         {strings.Replace(good, "<NCPDPID>1234567</NCPDPID>", "<NCPDPID>123456</NCPDPID>", 1), want{field: "Body.NewRx.Pharmacy.Identification.NCPDPID"}},
		"bad DEA check digit":    {strings.Replace(good, "AB1234563", "AB1234564", 1), want{field: "Body.NewRx.Prescriber.NonVeterinarian.Identification.DEANumber"}},
		"no prescriber NPI":      {strings.Replace(good, "<NPI>1234567893</NPI>", "", 1), want{field: "Body.NewRx.Prescriber.NonVeterinarian.Identification.NPI"}},
		"no patient":             {strings.Replace(good, good[strings.Index(good, "<Patient>"):strings.Index(good, "</Patient>")+10], "", 1), want{field: "Body.NewRx.Patient.HumanPatient"}},
		"bad gender":             {strings.Replace(good, "<Gender>F</Gender>", "<Gender>X</Gender>", 1), want{field: "Body.NewRx.Patient.HumanPatient.Gender"}},
		"bad birth date":         {strings.Replace(good, "1985-02-14", "1985-02-30", 1), want{field: "Body.NewRx.Patient.HumanPatient.DateOfBirth.Date"}},
		"no sig in NewRx":        {strings.Replace(good, good[strings.Index(good, "<Sig>"):strings.Index(good, "</Sig>")+6], "", 1), want{field: "Body.NewRx.MedicationPrescribed.Sig"}},
		"quantity not a number":  {strings.Replace(good, "<Value>30</Value>", "<Value>thirty</Value>", 1), want{field: "Body.NewRx.MedicationPrescribed.Quantity.Value"}},
		"no quantity unit":       {strings.Replace(good, "<QuantityUnitOfMeasure>\n            <Code>C48542</Code>\n          </QuantityUnitOfMeasure>", "", 1), want{field: "Body.NewRx.MedicationPrescribed.Quantity.QuantityUnitOfMeasure.Code"}},
		"refills not a number":   {strings.Replace(good, "<NumberOfRefills>2</NumberOfRefills>", "<NumberOfRefills>-1</NumberOfRefills>", 1), want{field: "Body.NewRx.MedicationPrescribed.NumberOfRefills"}},
		"bad substitution code":  {strings.Replace(good, "<Substitutions>0</Substitutions>", "<Substitutions>9</Substitutions>", 1), want{field: "Body.NewRx.MedicationPrescribed.Substitutions"}},
		"RxNorm not digits":      {strings.Replace(good, "<Code>617312</Code>", "<Code>ABC</Code>", 1), want{field: "Body.NewRx.MedicationPrescribed.DrugCoded"}},
		"NDC too short":          {strings.Replace(good, "<Code>00071015523</Code>", "<Code>0007101552</Code>", 1), want{field: "Body.NewRx.MedicationPrescribed.DrugCoded.ProductCode.Code"}},
		"description too long":   {strings.Replace(good, "Atorvastatin 20 MG Oral Tablet", strings.Repeat("a", 106), 1), want{field: "Body.NewRx.MedicationPrescribed.DrugDescription"}},
		"two fill statuses":      {strings.Replace(fill, "</Dispensed>", "</Dispensed><NotDispensed/>", 1), want{field: "Body.RxFill.FillStatus"}},
		"no fill status":         {strings.Replace(fill, fill[strings.Index(fill, "<Dispensed>"):strings.Index(fill, "</Dispensed>")+12], "", 1), want{field: "Body.RxFill.FillStatus"}},
		"cancel approved with changes": {strings.Replace(strings.Replace(cancel, "<Approved>", "<ApprovedWithChanges>", 1), "</Approved>", "</ApprovedWithChanges>", 1),
			want{field: "Body.CancelRxResponse.Response.ApprovedWithChanges"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := Decode([]byte(tc.doc))
			require.Error(t, err)
			if tc.kind != "" {
				var de *DecodeError
				require.True(t, errors.As(err, &de), "%T %v", err, err)
				assert.Equal(t, tc.kind, de.Kind, de.Reason)
				assert.Nil(t, m)
			} else {
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "%T %v", err, err)
				assert.True(t, ve.Has(tc.field), "want %s in %v", tc.field, ve.Problems)
				require.NotNil(t, m, "the decoded message comes back for an Error answer")
			}
			for _, phi := range []string{"Doe", "Jane", "1985", "Atorvastatin", "thirty", "ABC", "AB12345"} {
				assert.NotContains(t, err.Error(), phi)
			}
		})
	}
}

// TestDecodeUnknownTypeNamesIt says which message type was refused.
func TestDecodeUnknownTypeNamesIt(t *testing.T) {
	good := string(readTestdata(t, "status.xml"))
	doc := strings.Replace(strings.Replace(good, "<Status>", "<RxHistoryRequest>", 1), "</Status>", "</RxHistoryRequest>", 1)
	_, err := Decode([]byte(doc))
	assert.EqualError(t, err, "ncpdp: message-type: unknown message type RxHistoryRequest")
	_, err = Decode([]byte(strings.Replace(string(readTestdata(t, "newrx.xml")), `encoding="UTF-8"`, `encoding="windows-1252"`, 1)))
	assert.EqualError(t, err, "ncpdp: encoding: declared encoding is not UTF-8; only UTF-8 is accepted")
}

// TestEncodeFillsDefaultsAndUTC builds a Status from Go values.
func TestEncodeFillsDefaultsAndUTC(t *testing.T) {
	chicago := time.FixedZone("CST", -6*3600)
	m := &Message{
		Header: Header{
			To: Party{Qualifier: "P", ID: "1234567"}, From: Party{Qualifier: "C", ID: "CAREFLOW01"},
			MessageID: "CF-ST-1", RelatesToMessageID: "PH-CHG-1",
			SentTime: UTCTime{time.Date(2024, 3, 14, 9, 0, 0, 0, chicago)},
		},
		Body: Body{Status: &Status{Code: "000"}},
	}
	out, err := Encode(m)
	require.NoError(t, err)
	s := string(out)
	assert.Contains(t, s, `<Message xmlns="http://www.ncpdp.org/schema/SCRIPT" DatatypesVersion="20170715" TransportVersion="20170715" TransactionDomain="SCRIPT" TransactionVersion="20170715" StructuresVersion="20170715" ECLVersion="20170715">`)
	assert.Contains(t, s, "<SentTime>2024-03-14T15:00:00Z</SentTime>")
	assert.Contains(t, s, "<Body><Status><Code>000</Code></Status></Body>")
	assert.Empty(t, m.DatatypesVersion, "the caller's message is not modified")
	back := mustDecode(t, out)
	assert.Equal(t, TypeStatus, back.Type())
	assert.True(t, back.Header.SentTime.Equal(m.Header.SentTime.Time))
	assert.Equal(t, time.UTC, back.Header.SentTime.Location())
}

// TestEncodeEscapesText keeps markup characters in values as text.
func TestEncodeEscapesText(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "newrx.xml"))
	m.Body.NewRx.MedicationPrescribed.Sig.SigText = `Take 1 <tablet> & "rinse"`
	m.Body.NewRx.Patient.HumanPatient.Name.LastName = "Núñez"
	out, err := Encode(m)
	require.NoError(t, err)
	back := mustDecode(t, out)
	assert.Equal(t, `Take 1 <tablet> & "rinse"`, back.Body.NewRx.MedicationPrescribed.Sig.SigText)
	assert.Equal(t, "Núñez", back.Body.NewRx.Patient.HumanPatient.Name.LastName)
}

// TestEncodeRejectsInvalid validates before writing.
func TestEncodeRejectsInvalid(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "newrx.xml"))
	m.Header.MessageID = ""
	_, err := Encode(m)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Header.MessageID"))

	_, err = Encode(&Message{Header: m.Header})
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, KindMessageType, de.Kind)
}
