package hl7

import (
	"encoding/base64"
	"strings"
	"testing"
)

const lenientHead = "MSH|^~\\&|LAB|LABFAC|CAREFLOW|CLINIC|20260101120000||ORU^R01|1|P|2.5.1\rPID|1||MRN1^^^H^MR\rOBR|1|PLC1|FIL1|NBS^Newborn screen^L\r"

// oneOBX parses an ORU whose single OBX is obx and returns that observation.
func oneOBX(t *testing.T, obx string) Observation {
	t.Helper()
	u, err := ParseORU(mustParse(t, lenientHead+obx+"\r"))
	if err != nil {
		t.Fatalf("the message was rejected: %v", err)
	}
	if len(u.Orders) != 1 || len(u.Orders[0].Observations) != 1 {
		t.Fatalf("observations: %+v", u.Orders)
	}
	return u.Orders[0].Observations[0]
}

func hasWarning(o Observation, field int, reason string) bool {
	for _, w := range o.Warnings {
		if w.Field == field && w.Reason == reason && w.Segment == 4 {
			return true
		}
	}
	return false
}

// An "ask at order entry" answer (OBX-11 O, OBX-29 QST) without OBX-2 is kept as text.
func TestLenientEmptyOBX2KeptAsText(t *testing.T) {
	o := oneOBX(t, "OBX|1||57718-9^Sample quality^LN||Acceptable||||||O|||||||||||||||||QST")
	if o.Value.Text != "Acceptable" || !hasWarning(o, 2, WarnNoValueType) {
		t.Fatalf("value %+v warnings %v", o.Value, o.Warnings)
	}
}

func TestLenientNMComparatorLess(t *testing.T) {
	o := oneOBX(t, "OBX|1|NM|2093-3^Cholesterol^LN||<2.22|mmol/L|||||F")
	n, cmp, ok := o.Value.Quantity()
	if !ok || cmp != "<" || n != 2.22 || o.Value.Comparator != "<" || o.Value.Number != nil || o.Value.Text != "<2.22" {
		t.Fatalf("value %+v", o.Value)
	}
	if !hasWarning(o, 5, WarnNMComparator) {
		t.Fatalf("warnings %v", o.Warnings)
	}
}

func TestLenientNMComparatorGreaterAndOrEqual(t *testing.T) {
	for in, want := range map[string]string{">10": ">", ">= 10": ">=", "<=0.5": "<="} {
		o := oneOBX(t, "OBX|1|NM|X^Y^L||"+in+"||||||F")
		if _, cmp, ok := o.Value.Quantity(); !ok || cmp != want || o.Value.Structured == nil || o.Value.Structured.Comparator != want {
			t.Errorf("%q: %+v", in, o.Value)
		}
	}
}

func TestLenientNMStrayWhitespace(t *testing.T) {
	o := oneOBX(t, "OBX|1|NM|X^Y^L||0 .07||||||F")
	if o.Value.Number == nil || *o.Value.Number != 0.07 || !hasWarning(o, 5, WarnNMWhitespace) {
		t.Fatalf("value %+v warnings %v", o.Value, o.Warnings)
	}
}

func TestLenientNMRangeAndRatio(t *testing.T) {
	o := oneOBX(t, "OBX|1|NM|X^Y^L||2-5||||||F")
	s := o.Value.Structured
	if s == nil || s.Num1 != 2 || s.Separator != "-" || s.Num2 == nil || *s.Num2 != 5 || !hasWarning(o, 5, WarnNMRange) {
		t.Fatalf("value %+v", o.Value)
	}
	o = oneOBX(t, "OBX|1|NM|X^Y^L||1:128||||||F")
	if s := o.Value.Structured; s == nil || s.Separator != ":" || *s.Num2 != 128 {
		t.Fatalf("value %+v", o.Value)
	}
}

func TestLenientNMNotANumberKeptAsText(t *testing.T) {
	for _, in := range []string{"see note", "1e5", "POS"} {
		o := oneOBX(t, "OBX|1|NM|X^Y^L||"+in+"||||||F")
		if o.Value.Text != in || o.Value.Number != nil || !hasWarning(o, 5, WarnValueAsText) {
			t.Errorf("%q: %+v %v", in, o.Value, o.Warnings)
		}
	}
}

func TestLenientBadSNKeptAsText(t *testing.T) {
	for _, in := range []string{"!^5", "^1^^2", ">"} {
		o := oneOBX(t, "OBX|1|SN|X^Y^L||"+in+"||||||F")
		if len(o.Warnings) == 0 {
			t.Errorf("%q: no warning, %+v", in, o.Value)
		}
	}
	// A flat SN (">10" in component 1) still reads as a bound.
	o := oneOBX(t, "OBX|1|SN|X^Y^L||>10||||||F")
	if _, cmp, ok := o.Value.Quantity(); !ok || cmp != ">" {
		t.Fatalf("flat SN %+v", o.Value)
	}
}

func TestLenientUnknownStatusKept(t *testing.T) {
	for _, st := range []string{"Q", ""} {
		o := oneOBX(t, "OBX|1|NM|X^Y^L||1||||||"+st)
		if o.Status != st || !hasWarning(o, 11, WarnUnknownStatus) {
			t.Errorf("%q: %+v", st, o)
		}
	}
}

func TestValueTypesDecoded(t *testing.T) {
	if o := oneOBX(t, "OBX|1|FT|X^Y^L||Line one\\.br\\Line \\H\\two\\N\\||||||F"); o.Value.Text != "Line one\nLine two" || !strings.Contains(o.Value.Formatted, `\.br\`) {
		t.Errorf("FT %+v", o.Value)
	}
	if o := oneOBX(t, "OBX|1|CNE|X^Y^L||260373001^Detected^SCT||||||F"); o.Value.Coded == nil || o.Value.Coded.Code != "260373001" || o.Value.Text != "Detected" {
		t.Errorf("CNE %+v", o.Value)
	}
	if o := oneOBX(t, "OBX|1|CE|X^Y^L||POS^Positive^L||||||F"); o.Value.Coded == nil || o.Value.Text != "Positive" {
		t.Errorf("CE %+v", o.Value)
	}
	for _, c := range []struct{ typ, v string }{{"DT", "20260101"}, {"DTM", "202601011230-0500"}, {"TS", "20260101123000"}, {"TM", "1230"}} {
		o := oneOBX(t, "OBX|1|"+c.typ+"|X^Y^L||"+c.v+"||||||F")
		if o.Value.Text != c.v || len(o.Warnings) != 0 {
			t.Errorf("%s %+v %v", c.typ, o.Value, o.Warnings)
		}
	}
	if o := oneOBX(t, "OBX|1|DT|X^Y^L||yesterday||||||F"); o.Value.Text != "yesterday" || !hasWarning(o, 5, WarnBadDate) {
		t.Errorf("bad DT %+v", o.Value)
	}
	if o := oneOBX(t, "OBX|1|ST|X^Y^L||a~b||||||F"); o.Value.Text != "a\nb" {
		t.Errorf("ST repetitions %+v", o.Value)
	}
}

func TestRepeatedOBX5(t *testing.T) {
	o := oneOBX(t, "OBX|1|CWE|X^Y^L||A^Alpha^L~B^Beta^L~C^Gamma^L||||||F")
	if o.Value.Text != "Alpha" || len(o.Value.More) != 2 || o.Value.More[1].Coded.Code != "C" {
		t.Fatalf("%+v", o.Value)
	}
	o = oneOBX(t, "OBX|1|NM|X^Y^L||1~<2||||||F")
	if len(o.Value.More) != 1 || o.Value.More[0].Comparator != "<" {
		t.Fatalf("%+v", o.Value)
	}
}

func TestEncapsulatedAndReferencedDocuments(t *testing.T) {
	pdf := []byte("%PDF-1.4 pathology report")
	enc := base64.StdEncoding.EncodeToString(pdf)
	u, err := ParseORU(mustParse(t, lenientHead+
		"OBX|1|ED|11526-1^Pathology study^LN||LAB^AP^PDF^Base64^"+enc+"||||||F\r"+
		"OBX|2|RP|11526-1^Pathology study^LN||https://lab.example/doc/1^LAB^AP^PDF||||||F\r"))
	if err != nil {
		t.Fatal(err)
	}
	ed, rp := u.Orders[0].Observations[0].Value, u.Orders[0].Observations[1].Value
	if ed.Document == nil || ed.Text != "" || ed.Document.Subtype != "PDF" {
		t.Fatalf("ED %+v", ed)
	}
	if b, err := ed.Document.Bytes(); err != nil || string(b) != string(pdf) {
		t.Fatalf("ED bytes %q %v", b, err)
	}
	if rp.Document == nil || rp.Document.Pointer != "https://lab.example/doc/1" {
		t.Fatalf("RP %+v", rp)
	}
	docs, err := u.DetachDocuments(func(d DetachedDocument) (string, error) { return "doc-" + itoa(d.Observation), nil })
	if err != nil || len(docs) != 2 || string(docs[0].Document.Data) != enc {
		t.Fatalf("detached %v %v", docs, err)
	}
	if d := u.Orders[0].Observations[0].Value.Document; d.Data != "" || d.Ref != "doc-0" {
		t.Fatalf("left in the ORU: %+v", d)
	}
}

func TestBeyondJudgesCriticalOnNumbersAndBounds(t *testing.T) {
	low, high := 2.5, 6.0
	cases := map[string][2]bool{"6.8": {false, true}, "2.0": {true, false}, "<2.0": {true, false}, "<3": {false, false},
		">6": {false, true}, ">5": {false, false}, "2-5": {false, false}, "text": {false, false}}
	for in, want := range cases {
		o := oneOBX(t, "OBX|1|NM|2823-3^K^LN||"+in+"||||||F")
		b, a := o.Value.Beyond(&low, &high)
		if b != want[0] || a != want[1] {
			t.Errorf("%q: below %v above %v, want %v", in, b, a, want)
		}
	}
}

// A 95-OBX newborn screening panel with one odd value keeps the other 94 exact.
func TestLenientOneOddOBXNeverLosesTheRest(t *testing.T) {
	var b strings.Builder
	b.WriteString(lenientHead)
	for i := 1; i <= 95; i++ {
		v := "1.5"
		if i == 90 {
			v = "<0.1"
		}
		b.WriteString("OBX|" + itoa(i) + "|NM|X" + itoa(i) + "^Analyte^L||" + v + "||||||F\r")
	}
	b.WriteString("OBX|96||Q^Question^L||Answer||||||O\r")
	u, err := ParseORU(mustParse(t, b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(u.Orders[0].Observations); n != 96 {
		t.Fatalf("%d observations", n)
	}
	if w := u.Warnings(); len(w) != 2 {
		t.Fatalf("warnings %v", w)
	}
}

// FuzzLenientOBX5 runs the lenient value decoder over random values of every
// type: it never panics, and every value it does not decode keeps its text.
func FuzzLenientOBX5(f *testing.F) {
	for _, s := range []string{"<2.22", "0 .07", "2-5", "1:128", ">= 10", "A^B^L~C", "\\.br\\", "LAB^AP^PDF^Base64^QUJD", "-", "<", "1-", "--1"} {
		f.Add(s, uint8(0))
	}
	types := []string{"", "NM", "SN", "ST", "TX", "FT", "CWE", "CE", "CNE", "DT", "DTM", "TS", "TM", "ED", "RP", "XX"}
	f.Fuzz(func(t *testing.T, raw string, pick uint8) {
		if strings.ContainsAny(raw, "\r\n|") {
			return
		}
		typ := types[int(pick)%len(types)]
		d := DefaultDelims()
		v, warns := d.decodeLenient(typ, raw)
		if raw != "" && v.Text == "" && v.Document == nil && v.Coded == nil && len(v.More) == 0 && len(warns) == 0 && strings.Trim(raw, " ^&~") != "" && typ != "CWE" && typ != "CE" && typ != "CNE" {
			t.Fatalf("value %q of %s lost without a warning: %+v", raw, typ, v)
		}
		_, _, _ = v.Quantity()
		lo, hi := 1.0, 2.0
		v.Beyond(&lo, &hi)
		if v.Document != nil {
			_, _ = v.Document.Bytes()
		}
	})
}
