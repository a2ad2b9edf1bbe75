package hl7

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseORMTestdata(t *testing.T) {
	o, err := ParseORM(mustParseFile(t, "orm_o01.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Header.ControlID != "ORM0001" || o.Header.ReceivingApplication != "LIS" {
		t.Errorf("header = %+v", o.Header)
	}
	wantIDs := []CX{{ID: "MRN100234", AssigningAuthority: "CLINIC01", TypeCode: "MR"}, {ID: "999001234", AssigningAuthority: "SSA", TypeCode: "SS"}}
	if !reflect.DeepEqual(o.Patient.Identifiers, wantIDs) || o.Patient.Names[0] != (PersonName{Family: "DOE", Given: "JANE", Middle: "Q", Prefix: "MS"}) {
		t.Errorf("patient = %+v", o.Patient)
	}
	wantVisit := Visit{Class: "O", Location: Location{PointOfCare: "CLINIC", Room: "101", Bed: "A", Facility: "CLINIC01"}, Attending: doctor, VisitNumber: "V0001"}
	if o.Visit != wantVisit {
		t.Errorf("visit = %+v", o.Visit)
	}
	if len(o.Orders) != 2 {
		t.Fatalf("%d orders", len(o.Orders))
	}
	for i, code := range []string{"2823-3", "2951-2"} {
		ord := o.Orders[i]
		if ord.PlacerOrderNumber() != "PON-2024-0001" || ord.Common.Control != "NW" || ord.Request.Service.Code != code ||
			ord.Priority != PriorityStat || ord.Common.OrderingProvider != doctor || ord.Common.TransactionTime != "20240315082500-0500" {
			t.Errorf("order %d = %+v", i+1, ord)
		}
	}
	if !reflect.DeepEqual(o.Orders[0].Notes, []string{"On ACE inhibitor & diuretic"}) || o.Orders[1].Notes != nil {
		t.Errorf("notes %q %q", o.Orders[0].Notes, o.Orders[1].Notes)
	}
}

func sampleOrder() OrderInput {
	return OrderInput{
		Envelope: Envelope{
			SendingApplication: "CAREFLOW", SendingFacility: "CLINIC01", ReceivingApplication: "LIS", ReceivingFacility: "CENTRALLAB",
			ControlID: "ORM-42", Time: time.Date(2024, 3, 15, 8, 30, 0, 0, time.FixedZone("", -5*3600)),
		},
		PlacerOrderNumber: "PON-42",
		PlacerNamespace:   "CAREFLOW",
		Patient:           Patient{Identifiers: []CX{{ID: "MRN^1", AssigningAuthority: "CLINIC01", TypeCode: "MR"}}},
		OrderingProvider:  Provider{ID: "1234567893", Family: "SMITH", AssigningAuthority: "NPI"},
		Tests:             []CWE{{Code: "2823-3", Text: "Potassium"}, {Code: "2951-2", Text: "Sodium", System: "LN"}},
		Priority:          PriorityStat,
		Notes:             []string{"Fasting\nsince midnight"},
	}
}

func TestBuildORM(t *testing.T) {
	m, err := BuildORM(sampleOrder())
	if err != nil {
		t.Fatal(err)
	}
	wire := mustEncode(t, m)
	want := "MSH|^~\\&|CAREFLOW|CLINIC01|LIS|CENTRALLAB|20240315083000-0500||ORM^O01^ORM_O01|ORM-42|P|2.5.1\r" +
		"PID|1||MRN\\S\\1^^^CLINIC01^MR\r" +
		"PV1|1|O\r" +
		"ORC|NW|PON-42^CAREFLOW|||||||20240315083000-0500|||1234567893^SMITH^^^^^^^NPI\r" +
		"TQ1|1||||||||S^Stat^HL70485\r" +
		"OBR|1|PON-42^CAREFLOW||2823-3^Potassium^LN|S|||||||||||1234567893^SMITH^^^^^^^NPI\r" +
		"NTE|1||Fasting~since midnight\r" +
		"ORC|NW|PON-42^CAREFLOW|||||||20240315083000-0500|||1234567893^SMITH^^^^^^^NPI\r" +
		"TQ1|1||||||||S^Stat^HL70485\r" +
		"OBR|2|PON-42^CAREFLOW||2951-2^Sodium^LN|S|||||||||||1234567893^SMITH^^^^^^^NPI\r"
	if wire != want {
		t.Fatalf("wire:\n got %q\nwant %q", wire, want)
	}
	o, err := ParseORM(mustParse(t, wire))
	if err != nil {
		t.Fatal(err)
	}
	if o.Patient.Identifiers[0].ID != "MRN^1" || o.Orders[0].Notes[0] != "Fasting\nsince midnight" || o.Orders[1].Request.SetID != "2" {
		t.Errorf("view = %+v", o)
	}
}

func TestBuildORMDefaultsAndDelimiters(t *testing.T) {
	in := sampleOrder()
	in.Priority, in.Notes = "", nil
	in.Delims = Delims{'#', '*', '!', '@', '%', 0}
	in.OrderedAt = time.Date(2024, 3, 15, 7, 0, 0, 0, time.UTC)
	m, err := BuildORM(in)
	if err != nil {
		t.Fatal(err)
	}
	wire := mustEncode(t, m)
	if !strings.HasPrefix(wire, "MSH#*!@%#CAREFLOW#") || !strings.Contains(wire, "PID#1##MRN^1***CLINIC01*MR\r") {
		t.Fatalf("wire %q", wire)
	}
	o, err := ParseORM(mustParse(t, wire))
	if err != nil {
		t.Fatal(err)
	}
	if o.Orders[0].Priority != PriorityRoutine || o.Visit.Class != "O" || o.Orders[0].Common.TransactionTime != "20240315070000+0000" {
		t.Errorf("defaults: %+v", o.Orders[0])
	}
}

func TestBuildORMValidation(t *testing.T) {
	const phi = "SECRETDOE"
	in := OrderInput{Patient: Patient{Names: []PersonName{{Family: phi}}}, Tests: []CWE{{Text: phi}}, Priority: "Z"}
	_, err := BuildORM(in)
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	// control id, time, placer, patient id, provider id, test code, priority
	if len(ve.Problems) != 7 || strings.Contains(err.Error(), phi) {
		t.Fatalf("problems = %q", ve.Problems)
	}
}

func TestParseORMPriorityAndErrors(t *testing.T) {
	const head = "MSH|^~\\&|||||||ORM^O01|1|P|2.5.1\r"
	tests := []struct{ in, want string }{
		{head + "ORC|NW|P|||||^^^^^A\rOBR|1|P\r", "A"},
		{head + "ORC|NW|P|||||^^^^^A\rOBR|1|P||X|R\r", "R"},
		{head + "ORC|NW|P|||||^^^^^A\rTQ1|1||||||||S\rOBR|1|P||X|R\r", "S"},
		{head + "ORC|NW|P\rOBR|1|P\r", ""},
	}
	for _, tt := range tests {
		o, err := ParseORM(mustParse(t, tt.in))
		if err != nil || o.Orders[0].Priority != tt.want {
			t.Errorf("priority = %q, %v; want %q", o.Orders[0].Priority, err, tt.want)
		}
	}
	bad := []struct {
		in      string
		segment int
	}{
		{"MSH|^~\\&|||||||ORU^R01|1\rORC|NW\r", 1},
		{head + "PID|1\r", 0},
		{head + "OBR|1|P\rORC|NW|P\r", 2},
		{head + "TQ1|1\rORC|NW|P\r", 2},
	}
	for _, tt := range bad {
		_, err := ParseORM(mustParse(t, tt.in))
		if pe := asParseError(t, err); pe.Segment != tt.segment {
			t.Errorf("segment %d, want %d (%v)", pe.Segment, tt.segment, err)
		}
	}
	// NTE after an order-level OBX annotates the OBX, not the order.
	o, err := ParseORM(mustParse(t, head+"ORC|NW|P\rOBR|1|P\rNTE|1||order\rOBX|1|ST|Q||A||||||F\rNTE|1||answer\r"))
	if err != nil || !reflect.DeepEqual(o.Orders[0].Notes, []string{"order"}) {
		t.Errorf("notes %q, %v", o.Orders[0].Notes, err)
	}
}
