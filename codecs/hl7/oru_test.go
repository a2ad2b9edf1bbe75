package hl7

import (
	"reflect"
	"strings"
	"testing"
)

func f64(f float64) *float64 { return &f }

var doctor = Provider{ID: "1234567893", Family: "SMITH", Given: "JOHN", Middle: "A", Prefix: "DR", AssigningAuthority: "NPI"}

func parseORUFile(t *testing.T, name string) ORU {
	t.Helper()
	u, err := ParseORU(mustParseFile(t, name))
	if err != nil {
		t.Fatalf("ParseORU(%s): %v", name, err)
	}
	return u
}

func TestParseORUCriticalPotassium(t *testing.T) {
	u := parseORUFile(t, "oru_r01_critical_potassium.hl7")
	if u.Header.ControlID != "LAB20240315-0002" || u.Header.SendingApplication != "LIS" || u.Header.Structure != "ORU_R01" {
		t.Errorf("header = %+v", u.Header)
	}
	wantPatient := Patient{
		Identifiers: []CX{{ID: "MRN100234", AssigningAuthority: "CLINIC01", TypeCode: "MR"}},
		Names:       []PersonName{{Family: "DOE", Given: "JANE", Middle: "Q"}},
		BirthDate:   "19800412", Sex: "F",
	}
	if !reflect.DeepEqual(u.Patient, wantPatient) {
		t.Errorf("patient = %+v", u.Patient)
	}
	if u.Visit.Class != "O" {
		t.Errorf("visit = %+v", u.Visit)
	}
	if len(u.Orders) != 1 {
		t.Fatalf("%d orders", len(u.Orders))
	}
	o := u.Orders[0]
	if o.PlacerOrderNumber() != "PON-2024-0001" || o.Common.Control != "RE" || o.Common.Status != "CM" ||
		o.Common.FillerOrderNumber != (EI{ID: "FON-88002", Namespace: "CENTRALLAB"}) || o.Common.OrderingProvider != doctor {
		t.Errorf("ORC = %+v", o.Common)
	}
	wantReq := Request{
		SetID: "1", PlacerOrderNumber: EI{ID: "PON-2024-0001", Namespace: "CAREFLOW"}, FillerOrderNumber: EI{ID: "FON-88002", Namespace: "CENTRALLAB"},
		Service:    CWE{Code: "2823-3", Text: "Potassium [Moles/volume] in Serum or Plasma", System: "LN"},
		ObservedAt: "20240315084500-0500", OrderingProvider: doctor, ReportedAt: "20240315094400-0500", ResultStatus: "F",
	}
	if !reflect.DeepEqual(o.Request, wantReq) {
		t.Errorf("OBR =\n%+v\nwant\n%+v", o.Request, wantReq)
	}
	want := Observation{
		SetID: "1",
		Code:  CWE{Code: "2823-3", Text: "Potassium [Moles/volume] in Serum or Plasma", System: "LN"},
		Value: Value{Type: "NM", Text: "6.8", Number: f64(6.8)},
		Units: CWE{Code: "mmol/L", Text: "millimole per liter", System: "UCUM"}, ReferenceRange: "3.5-5.1",
		AbnormalFlags: []string{"HH"}, Status: ResultFinal, ObservedAt: "20240315084500-0500",
		Notes: []string{"Specimen not hemolyzed. Repeat analysis confirms value."},
	}
	if len(o.Observations) != 1 || !reflect.DeepEqual(o.Observations[0], want) {
		t.Fatalf("OBX = %+v", o.Observations)
	}
	if !o.Observations[0].Critical() {
		t.Error("6.8 HH not critical")
	}
}

func TestParseORUNormal(t *testing.T) {
	u := parseORUFile(t, "oru_r01_normal.hl7")
	obs := u.Orders[0].Observations
	if len(obs) != 4 {
		t.Fatalf("%d observations", len(obs))
	}
	wantText := []string{"4.2", "140", "98", "0.90"}
	wantNum := []float64{4.2, 140, 98, 0.9}
	for i, o := range obs {
		if o.Value.Text != wantText[i] || o.Value.Number == nil || *o.Value.Number != wantNum[i] {
			t.Errorf("OBX %d value = %+v", i+1, o.Value)
		}
		if o.Critical() || !reflect.DeepEqual(o.AbnormalFlags, []string{FlagNormal}) || o.Status != ResultFinal {
			t.Errorf("OBX %d flags %v status %q", i+1, o.AbnormalFlags, o.Status)
		}
	}
	if u.Orders[0].Request.Service.Code != "24323-8" || u.Orders[0].Request.ResultStatus != "F" {
		t.Errorf("OBR = %+v", u.Orders[0].Request)
	}
}

func TestParseORUCorrected(t *testing.T) {
	u := parseORUFile(t, "oru_r01_corrected.hl7")
	o := u.Orders[0]
	if o.Request.ResultStatus != ResultCorrected || o.PlacerOrderNumber() != "PON-2024-0001" {
		t.Errorf("OBR = %+v", o.Request)
	}
	x := o.Observations[0]
	if x.Status != ResultCorrected || *x.Value.Number != 5.9 || x.Critical() || x.AbnormalFlags[0] != FlagHigh {
		t.Errorf("OBX = %+v", x)
	}
	// NTE-3 repetitions are lines.
	if want := []string{"Corrected result: previously reported as 6.8 mmol/L.\nRecalibration of analyzer 3."}; !reflect.DeepEqual(x.Notes, want) {
		t.Errorf("notes = %q", x.Notes)
	}
}

func TestParseORUMultipleGroups(t *testing.T) {
	u := parseORUFile(t, "oru_r01_multi.hl7")
	if len(u.Orders) != 2 {
		t.Fatalf("%d orders", len(u.Orders))
	}
	cbc, ua := u.Orders[0], u.Orders[1]
	if cbc.PlacerOrderNumber() != "PON-2024-0003" || ua.PlacerOrderNumber() != "PON-2024-0004" {
		t.Errorf("placers %q %q", cbc.PlacerOrderNumber(), ua.PlacerOrderNumber())
	}
	if !reflect.DeepEqual(cbc.Notes, []string{"Drawn from left arm."}) {
		t.Errorf("CBC notes = %q", cbc.Notes)
	}
	// The SPECIMEN group's OBX is not a result of the CBC.
	if len(cbc.Observations) != 3 || cbc.Observations[1].Value.Text != "10.9" || cbc.Observations[1].AbnormalFlags[0] != FlagLow {
		t.Fatalf("CBC = %+v", cbc.Observations)
	}
	if len(ua.Observations) != 4 {
		t.Fatalf("UA = %+v", ua.Observations)
	}
	color := ua.Observations[0].Value
	wantColor := CWE{Code: "371244009", Text: "Yellow", System: "SCT", AltCode: "YEL", AltText: "Yellow", AltSystem: "L"}
	if color.Type != "CWE" || color.Coded == nil || *color.Coded != wantColor || color.Text != "Yellow" || color.Number != nil {
		t.Errorf("CWE value = %+v", color)
	}
	if v := ua.Observations[1].Value; v.Type != "ST" || v.Text != "Clear" {
		t.Errorf("ST value = %+v", v)
	}
	if v := ua.Observations[2].Value; v.Type != "CE" || v.Coded.Code != "260385009" || v.Text != "Negative" {
		t.Errorf("CE value = %+v", v)
	}
	tx := ua.Observations[3]
	if tx.Value.Text != "Microscopy performed.\nNo casts seen.\nFew epithelial cells." || !reflect.DeepEqual(tx.Notes, []string{"Reviewed by pathologist"}) {
		t.Errorf("TX = %+v", tx)
	}
}

func TestParseORUStructuredNumeric(t *testing.T) {
	u := parseORUFile(t, "oru_r01_sn.hl7")
	want := []struct {
		text string
		sn   SN
		num  *float64
	}{
		{">60", SN{Comparator: ">", Num1: 60}, nil},
		{"1:128", SN{Num1: 1, Separator: ":", Num2: f64(128)}, nil},
		{"2+", SN{Num1: 2, Separator: "+"}, nil},
		{"<0.01", SN{Comparator: "<", Num1: 0.01}, nil},
		{"10-20", SN{Num1: 10, Separator: "-", Num2: f64(20)}, nil},
	}
	obs := u.Orders[0].Observations
	if len(obs) != len(want) {
		t.Fatalf("%d observations", len(obs))
	}
	for i, w := range want {
		v := obs[i].Value
		if v.Type != "SN" || v.Text != w.text || v.Structured == nil || !reflect.DeepEqual(*v.Structured, w.sn) || !reflect.DeepEqual(v.Number, w.num) {
			t.Errorf("OBX %d = %+v %+v", i+1, v, v.Structured)
		}
	}
	if !reflect.DeepEqual(obs[1].Notes, []string{"Titer suggests recent infection."}) || len(obs[0].Notes) != 0 {
		t.Errorf("notes %q %q", obs[0].Notes, obs[1].Notes)
	}
	if !reflect.DeepEqual(u.Orders[0].Notes, []string{"eGFR calculated with CKD-EPI 2021."}) {
		t.Errorf("order notes %q", u.Orders[0].Notes)
	}
	// A plain SN number (no comparator) is numeric.
	m := mustParse(t, "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rOBR|1|P1\rOBX|1|SN|X||=^7.5||||||F\r")
	u2, err := ParseORU(m)
	if err != nil || u2.Orders[0].Observations[0].Value.Number == nil || *u2.Orders[0].Observations[0].Value.Number != 7.5 {
		t.Fatalf("SN =7.5: %+v %v", u2, err)
	}
}

func TestParseORUEscapesAndTruncation(t *testing.T) {
	m := mustParseFile(t, "oru_r01_preliminary_escapes.hl7")
	if m.Delims.Truncation != '#' {
		t.Fatalf("delims %+v", m.Delims)
	}
	u, err := ParseORU(m)
	if err != nil {
		t.Fatal(err)
	}
	o := u.Orders[0]
	if o.Request.ResultStatus != ResultPreliminary || o.Observations[0].Status != ResultPreliminary {
		t.Errorf("status %q %q", o.Request.ResultStatus, o.Observations[0].Status)
	}
	if got := o.Observations[0].Value.Text; got != "Gram positive cocci in clusters & chains" {
		t.Errorf("ST = %q", got)
	}
	wantNotes := []string{
		"Field | component ^ sub & rep ~ escape \\ hash # crlf \r\n end",
		`\H\Preliminary\N\ result.\.br\Final to follow.`,
	}
	if !reflect.DeepEqual(o.Observations[0].Notes, wantNotes) {
		t.Errorf("notes = %q", o.Observations[0].Notes)
	}
}

// The same message in |^~\& and in #*!@% delimiters reads the same.
func TestParseORUCustomDelimitersMatchStandard(t *testing.T) {
	custom := mustParseFile(t, "oru_r01_custom_delims.hl7")
	if custom.Delims != (Delims{'#', '*', '!', '@', '%', 0}) {
		t.Fatalf("delims %+v", custom.Delims)
	}
	a, b := parseORUFile(t, "oru_r01_custom_delims.hl7"), parseORUFile(t, "oru_r01_critical_potassium.hl7")
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("custom-delimiter view differs:\n%+v\n%+v", a, b)
	}
	if custom.Get("OBX-8") != "HH" || custom.Get("PID-3.4") != "CLINIC01" {
		t.Error("path access with custom delimiters")
	}
}

func TestParseORUErrors(t *testing.T) {
	const head = "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\r"
	const phi = "SECRETDOE"
	tests := []struct {
		name, in       string
		segment, field int
	}{
		{"wrong type", "MSH|^~\\&|||||||ORM^O01|1\rOBR|1\r", 1, 9},
		{"no OBR", head + "PID|1||" + phi + "\r", 0, 0},
		{"OBX before OBR", head + "PID|1\rOBX|1|NM|K||1||||||F\r", 3, 0},
		{"two patients", head + "PID|1\rOBR|1|P\rPID|2||" + phi + "\rOBR|1|Q\r", 4, 0},
		{"ORC without OBR", head + "ORC|RE|P\rORC|RE|Q\rOBR|1|Q\r", 3, 0},
		{"trailing ORC", head + "OBR|1|P\rORC|RE|Q\r", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseORU(mustParse(t, tt.in))
			pe := asParseError(t, err)
			if pe.Segment != tt.segment || pe.Field != tt.field {
				t.Errorf("location %d/%d, want %d/%d (%v)", pe.Segment, pe.Field, tt.segment, tt.field, err)
			}
			if strings.Contains(err.Error(), phi) {
				t.Errorf("error leaks content: %v", err)
			}
		})
	}
}

func TestBuildORURoundTrip(t *testing.T) {
	in := sampleResultInput()
	m, err := BuildORU(in)
	if err != nil {
		t.Fatal(err)
	}
	wire := mustEncode(t, m)
	back, err := ParseString(wire)
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseORU(back)
	if err != nil {
		t.Fatal(err)
	}
	h := u.Header
	if h.ControlID != "R-1" || h.MessageType != "ORU" || h.TriggerEvent != "R01" || h.Structure != "ORU_R01" || h.Version != Version ||
		h.Time != "20240315094500-0500" || h.SendingApplication != "LIS" || h.ReceivingFacility != "CLINIC01" || h.ProcessingID != "P" {
		t.Errorf("header = %+v", h)
	}
	if !reflect.DeepEqual(u.Patient, in.Patient) {
		t.Errorf("patient = %+v", u.Patient)
	}
	// The builder fills ORC-1, ORC-2, OBR-1 and OBX-1 defaults.
	want := in.Orders
	want[0].Common.Control = "RE"
	want[0].Common.PlacerOrderNumber = want[0].Request.PlacerOrderNumber
	want[0].Request.SetID = "1"
	for i := range want[0].Observations {
		want[0].Observations[i].SetID = itoa(i + 1)
	}
	if !reflect.DeepEqual(u.Orders, want) {
		t.Fatalf("orders:\n got %+v\nwant %+v", u.Orders, want)
	}
	if !strings.Contains(wire, "\rOBX|1|NM|2823-3^Potassium^LN||6.80|mmol/L^^UCUM|3.5-5.1|HH|||F|||20240315084500-0500\r") {
		t.Errorf("OBX wire form: %q", wire)
	}
}

func sampleResultInput() ResultInput {
	return ResultInput{
		Envelope: Envelope{
			SendingApplication: "LIS", SendingFacility: "CENTRALLAB", ReceivingApplication: "CAREFLOW", ReceivingFacility: "CLINIC01",
			ControlID: "R-1", Time: mustTime("20240315094500-0500"),
		},
		Patient:      Patient{Identifiers: []CX{{ID: "MRN1", AssigningAuthority: "CLINIC01", TypeCode: "MR"}}, Names: []PersonName{{Family: "DOE", Given: "JANE"}}, BirthDate: "19800412", Sex: "F"},
		PatientClass: "O",
		Orders: []OrderResult{{
			Request: Request{
				PlacerOrderNumber: EI{ID: "PON-1", Namespace: "CAREFLOW"}, FillerOrderNumber: EI{ID: "FON-1"},
				Service:    CWE{Code: "24323-8", Text: "CMP", System: "LN"},
				ObservedAt: "20240315084500-0500", ReportedAt: "20240315094400-0500", ResultStatus: "F", OrderingProvider: doctor,
			},
			Notes: []string{"line 1\nline 2 with | and ^"},
			Observations: []Observation{
				{Code: CWE{Code: "2823-3", Text: "Potassium", System: "LN"}, Value: Value{Type: "NM", Text: "6.80", Number: f64(6.8)},
					Units: CWE{Code: "mmol/L", System: "UCUM"}, ReferenceRange: "3.5-5.1", AbnormalFlags: []string{"HH"}, Status: "F",
					ObservedAt: "20240315084500-0500", Notes: []string{"Called to DR SMITH"}},
				{Code: CWE{Code: "5778-6", System: "LN"}, Value: Value{Type: "CWE", Text: "Yellow", Coded: &CWE{Code: "371244009", Text: "Yellow", System: "SCT"}}, Status: "F"},
				{Code: CWE{Code: "98979-8", System: "LN"}, Value: Value{Type: "SN", Text: ">60", Structured: &SN{Comparator: ">", Num1: 60}}, Status: "F"},
				{Code: CWE{Code: "11488-4", System: "LN"}, Value: Value{Type: "TX", Text: "a & b\nc ~ d"}, Status: "P"},
				{Code: CWE{Code: "X", System: "L"}, SubID: "1", Value: Value{Type: "NM"}, Status: "X"},
			},
		}},
	}
}

func TestBuildORUValidation(t *testing.T) {
	const phi = "SECRETDOE"
	in := ResultInput{
		Envelope: Envelope{Delims: Delims{'|', '|', '~', '\\', '&', 0}},
		Patient:  Patient{Names: []PersonName{{Family: phi}}},
	}
	_, err := BuildORU(in)
	if err == nil {
		t.Fatal("invalid input built")
	}
	in = sampleResultInput()
	in.ControlID = ""
	in.Orders[0].Request.PlacerOrderNumber.ID = ""
	in.Orders[0].Observations[0].Value = Value{Type: "NM", Text: phi}
	in.Orders[0].Observations[1].Status = "?"
	in.Orders[0].Observations[2].Value.Type = ""
	in.Orders[0].Observations[3].Code.Code = ""
	_, err = BuildORU(in)
	ve, ok := err.(*ValidationError)
	if !ok || len(ve.Problems) != 6 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), phi) {
		t.Fatalf("error leaks content: %v", err)
	}
}

// Delimiters that also occur in times, numbers and versions ('-', '+', '.',
// ':' and '/') must be escaped by every builder.
func TestBuildWithAwkwardDelimiters(t *testing.T) {
	std, err := BuildORU(sampleResultInput())
	if err != nil {
		t.Fatal(err)
	}
	in := sampleResultInput()
	in.Delims = Delims{Field: '-', Component: '+', Repetition: '.', Escape: '/', Subcomponent: ':', Truncation: '#'}
	odd, err := BuildORU(in)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseORU(mustParse(t, mustEncode(t, std)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseORU(mustParse(t, mustEncode(t, odd)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("views differ:\n%+v\n%+v", a, b)
	}
	ackWire := ""
	if ack, err := BuildACK(odd, AckAccept, "", "", in.Time, "A-1"); err != nil {
		t.Fatal(err)
	} else {
		ackWire = mustEncode(t, ack)
	}
	ack, err := ParseACK(mustParse(t, ackWire))
	if err != nil || ack.ControlID != "R-1" || ack.Header.ControlID != "A-1" || ack.Header.Version != Version || ack.Header.Time != "20240315094500-0500" {
		t.Fatalf("ack = %+v, %v", ack, err)
	}
	order := sampleOrder()
	order.Delims = in.Delims
	orm, err := BuildORM(order)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseORM(mustParse(t, mustEncode(t, orm)))
	if err != nil || o.Header.Time != "20240315083000-0500" || o.Orders[0].Common.TransactionTime != "20240315083000-0500" || o.Header.Version != Version {
		t.Fatalf("orm = %+v, %v", o, err)
	}
}
