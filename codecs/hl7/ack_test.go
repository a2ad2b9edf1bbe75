package hl7

import (
	"strings"
	"testing"
	"time"
)

func TestParseACKTestdata(t *testing.T) {
	a, err := ParseACK(mustParseFile(t, "ack_ae.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != AckError || a.ControlID != "ORM0001" || a.Text != "Unknown test code" || a.Accepted() || a.Rejected() {
		t.Errorf("ack = %+v", a)
	}
	want := ErrorDetail{Code: CWE{Code: "103", Text: "Table value not found", System: "HL70357"}, Severity: SeverityError, UserMessage: "Unknown test code"}
	if len(a.Errors) != 1 || a.Errors[0] != want || a.Reason() != "Unknown test code" {
		t.Errorf("errors = %+v", a.Errors)
	}
}

func TestBuildACK(t *testing.T) {
	orig := mustParseFile(t, "oru_r01_critical_potassium.hl7")
	now := time.Date(2024, 3, 15, 9, 45, 1, 0, time.FixedZone("", -5*3600))
	m, err := BuildACK(orig, CommitAccept, "", "", now, "ACK-1")
	if err != nil {
		t.Fatal(err)
	}
	want := "MSH|^~\\&|CAREFLOW|CLINIC01|LIS|CENTRALLAB|20240315094501-0500||ACK^R01^ACK|ACK-1|P|2.5.1\rMSA|CA|LAB20240315-0002\r"
	if got := mustEncode(t, m); got != want {
		t.Fatalf("CA:\n got %q\nwant %q", got, want)
	}

	m, err = BuildACK(orig, AckError, ErrCodeUnknownKey, "unknown order", now, "ACK-2")
	if err != nil {
		t.Fatal(err)
	}
	want = "MSH|^~\\&|CAREFLOW|CLINIC01|LIS|CENTRALLAB|20240315094501-0500||ACK^R01^ACK|ACK-2|P|2.5.1\r" +
		"MSA|AE|LAB20240315-0002|unknown order\r" +
		"ERR|||204^Unknown key identifier^HL70357|E||||unknown order\r"
	if got := mustEncode(t, m); got != want {
		t.Fatalf("AE:\n got %q\nwant %q", got, want)
	}
	a, err := ParseACK(mustParse(t, want))
	if err != nil || a.Code != AckError || a.ControlID != "LAB20240315-0002" || a.Errors[0].Code.Code != "204" || a.Reason() != "unknown order" {
		t.Fatalf("parsed AE = %+v, %v", a, err)
	}
}

func TestBuildACKKeepsDelimitersAndEscapes(t *testing.T) {
	orig := mustParseFile(t, "oru_r01_custom_delims.hl7")
	m, err := BuildACK(orig, AckReject, "", "bad | text", time.Unix(0, 0).UTC(), "A^1")
	if err != nil {
		t.Fatal(err)
	}
	wire := mustEncode(t, m)
	want := "MSH#*!@%#CAREFLOW#CLINIC01#LIS#CENTRALLAB#19700101000000+0000##ACK*R01*ACK#A^1#P#2.5.1\r" +
		"MSA#AR#LAB20240315-0002#bad | text\r" +
		"ERR###207*Application internal error*HL70357#E####bad | text\r"
	if wire != want {
		t.Fatalf("AR:\n got %q\nwant %q", wire, want)
	}
	a, err := ParseACK(mustParse(t, wire))
	if err != nil || !a.Rejected() || a.Header.ControlID != "A^1" {
		t.Fatalf("parsed = %+v, %v", a, err)
	}
}

func TestBuildACKWithoutOriginal(t *testing.T) {
	m, err := BuildACK(nil, AckReject, ErrCodeUnsupportedMessage, "not HL7", time.Unix(0, 0).UTC(), "A-9")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseACK(mustParse(t, mustEncode(t, m)))
	if err != nil || a.ControlID != "" || a.Code != AckReject || a.Header.Version != Version || a.Header.TriggerEvent != "" || a.Errors[0].Code.Code != "200" {
		t.Fatalf("ack = %+v, %v", a, err)
	}
	if _, err := BuildACK(nil, "XX", "", "", time.Now(), "A"); err == nil {
		t.Error("unknown code accepted")
	}
	if _, err := BuildACK(nil, AckAccept, "", "", time.Now(), ""); err == nil {
		t.Error("empty control id accepted")
	}
	// A local error code is sent without the HL70357 system.
	m, _ = BuildACK(nil, AckError, "LAB17", "x", time.Unix(0, 0).UTC(), "A")
	if got := m.Raw("ERR-3"); got != "LAB17" {
		t.Errorf("ERR-3 = %q", got)
	}
}

func TestParseACKVariants(t *testing.T) {
	// v2.3 receivers report the code in ERR-1 (ELD) with CE subcomponents.
	a, err := ParseACK(mustParse(t, "MSH|^~\\&|||||||ACK|9|P|2.3\rMSA|AR|C1\rERR|OBX^1^5^102&Data type error&HL70357\r"))
	if err != nil || a.Errors[0].Code != (CWE{Code: "102", Text: "Data type error", System: "HL70357"}) || a.Reason() != "Data type error" {
		t.Fatalf("v2.3 ERR = %+v, %v", a.Errors, err)
	}
	// Application responses such as ORR^O02 carry an MSA too.
	a, err = ParseACK(mustParse(t, "MSH|^~\\&|||||||ORR^O02|9\rMSA|AA|C1|fine\rMSA|AE|C2\r"))
	if err != nil || !a.Accepted() || a.ControlID != "C1" || a.Reason() != "fine" {
		t.Fatalf("ORR = %+v, %v", a, err)
	}
	for _, in := range []string{"MSH|^~\\&|||||||ACK|9\r", "MSH|^~\\&|||||||ACK|9\rMSA|OK|C1\r"} {
		_, err := ParseACK(mustParse(t, in))
		if pe := asParseError(t, err); !strings.Contains(pe.Reason, "MSA") {
			t.Errorf("reason %q", pe.Reason)
		}
	}
}
