package hl7

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// charsetMessage is an ORU with non-ASCII names and result text; MSH-18 is filled in per case.
func charsetMessage(msh18 string) string {
	return "MSH|^~\\&|LAB|LABFAC|CAREFLOW|CLINIC|20260101120000||ORU^R01^ORU_R01|CS1|P|2.5.1||||||" + msh18 + "\r" +
		"PID|1||MRN1^^^HOSP^MR||Müller^Jürgen||19700101|M\r" +
		"OBR|1|PLC1|FIL1|2823-3^Potassium^LN|||20260101110000|||||||||||||||20260101115000|||F\r" +
		"OBX|1|ST|2823-3^Potassium^LN||Probe hämolysiert||||||F\r"
}

// greekMessage carries text only 8859/7 holds.
const greekText = "Παπαδόπουλος"

func TestDecodeCharsetEverySupportedSet(t *testing.T) {
	cases := []struct {
		msh18 string
		text  string // non-ASCII text the set can hold
		enc   func(string) []byte
	}{
		{"8859/1", "Probe hämolysiert Peña Müller", mustCharmap(charmap.ISO8859_1)},
		{"8859/2", "Dvořák Łódź", mustCharmap(charmap.ISO8859_2)},
		{"8859/3", "Ħal Għargħur", mustCharmap(charmap.ISO8859_3)},
		{"8859/4", "Ģirts Ļaudis", mustCharmap(charmap.ISO8859_4)},
		{"8859/5", "Иванов", mustCharmap(charmap.ISO8859_5)},
		{"8859/6", "محمد", mustCharmap(charmap.ISO8859_6)},
		{"8859/7", greekText, mustCharmap(charmap.ISO8859_7)},
		{"8859/8", "כהן", mustCharmap(charmap.ISO8859_8)},
		{"8859/9", "Şahin Öztürk", mustCharmap(charmap.ISO8859_9)},
		{"8859/15", "Œuvre 12€", mustCharmap(charmap.ISO8859_15)},
		{"UNICODE UTF-8", "Müller 李 😀", func(s string) []byte { return []byte(s) }},
		{"UNICODE UTF-16", "Müller 李 😀", utf16Bytes(unicode.LittleEndian)},
		{"UNICODE UTF-16", "Müller 李", utf16Bytes(unicode.BigEndian)},
		{"ASCII", "plain text", func(s string) []byte { return []byte(s) }},
	}
	for _, c := range cases {
		t.Run(c.msh18+"/"+c.text, func(t *testing.T) {
			src := strings.Replace(charsetMessage(c.msh18), "Probe hämolysiert", c.text, 1)
			src = strings.Replace(src, "Müller^Jürgen", c.text+"^X", 1)
			raw := c.enc(src)
			d, err := DecodeCharset(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Warnings) != 0 {
				t.Fatalf("warnings: %v", d.Warnings)
			}
			if !utf8.Valid(d.Message) {
				t.Fatal("decoded message is not UTF-8")
			}
			m, err := Parse(d.Message)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Get("OBX-5"); got != c.text || m.Get("PID-5.1") != c.text {
				t.Fatalf("OBX-5 = %q, want %q", got, c.text)
			}
			if got := m.Get("MSH-18"); got != CharsetUTF8 && got != CharsetASCII {
				t.Fatalf("MSH-18 after decoding = %q", got)
			}
			// The acknowledgment goes back in the sender's set and reads back the same.
			back, err := d.Charset.Encode([]byte("MSA|AA|" + c.text))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, c.enc("MSA|AA|"+c.text)) {
				t.Fatalf("ACK bytes %q, want %q", back, c.enc("MSA|AA|"+c.text))
			}
		})
	}
}

func TestDecodeCharsetLatin1IsNotReplacementCharacters(t *testing.T) {
	raw := mustCharmap(charmap.ISO8859_1)(charsetMessage("8859/1"))
	d, err := DecodeCharset(raw)
	if err != nil {
		t.Fatal(err)
	}
	oru, err := ParseORU(mustParse(t, string(d.Message)))
	if err != nil {
		t.Fatal(err)
	}
	if got := oru.Orders[0].Observations[0].Value.Text; got != "Probe hämolysiert" || strings.ContainsRune(got, utf8.RuneError) {
		t.Fatalf("text %q", got)
	}
	if oru.Patient.Names[0].Family != "Müller" {
		t.Fatalf("family %q", oru.Patient.Names[0].Family)
	}
}

func TestDecodeCharsetWindows1252MislabelledAs8859_1(t *testing.T) {
	raw := mustCharmap(charmap.Windows1252)(strings.Replace(charsetMessage("8859/1"), "Probe hämolysiert", "“hämolysiert” 5€", 1))
	d, err := DecodeCharset(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustParse(t, string(d.Message)).Get("OBX-5"); got != "“hämolysiert” 5€" {
		t.Fatalf("OBX-5 = %q", got)
	}
}

func TestDecodeCharsetEmptyMSH18FallsBackToLatin1WithWarning(t *testing.T) {
	raw := mustCharmap(charmap.ISO8859_1)(charsetMessage(""))
	d, err := DecodeCharset(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Warnings) != 1 || d.Warnings[0] != WarnCharsetFallback {
		t.Fatalf("warnings %v", d.Warnings)
	}
	if got := mustParse(t, string(d.Message)).Get("OBX-5"); got != "Probe hämolysiert" {
		t.Fatalf("OBX-5 = %q", got)
	}
	if d.Charset.Name != CharsetLatin1 {
		t.Fatalf("answer charset %q", d.Charset.Name)
	}
	// Valid UTF-8 without MSH-18 passes untouched, without warnings.
	d, err = DecodeCharset([]byte(charsetMessage("")))
	if err != nil || len(d.Warnings) != 0 || string(d.Message) != charsetMessage("") {
		t.Fatalf("utf-8 undeclared: %v %v", err, d.Warnings)
	}
}

func TestDecodeCharsetDeclaredUTF8ButLatin1(t *testing.T) {
	raw := mustCharmap(charmap.ISO8859_1)(charsetMessage("UNICODE UTF-8"))
	d, err := DecodeCharset(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Warnings) != 1 || d.Warnings[0] != WarnCharsetInvalid || !utf8.Valid(d.Message) {
		t.Fatalf("warnings %v", d.Warnings)
	}
}

func TestDecodeCharsetUnknownNamesMSH18(t *testing.T) {
	_, err := DecodeCharset([]byte(charsetMessage("KLINGON")))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Segment != 1 || pe.Field != 18 {
		t.Fatalf("err %v", err)
	}
}

func TestLookupCharsetSpellings(t *testing.T) {
	for in, want := range map[string]string{"ISO-8859-1": "8859/1", "iso8859-15": "8859/15", "UTF-8": CharsetUTF8,
		"windows-1252": "8859/1", "UNICODE UTF-16": CharsetUTF16, "ASCII": CharsetASCII, "": ""} {
		c, ok := LookupCharset(in)
		if !ok || c.Name != want {
			t.Errorf("LookupCharset(%q) = %q %v, want %q", in, c.Name, ok, want)
		}
	}
	for _, n := range CharsetNames {
		if c, ok := LookupCharset(n); !ok || c.Name != n {
			t.Errorf("table name %q not found", n)
		}
	}
}

func TestCharsetEncodeUnsupportedRunesNeverFail(t *testing.T) {
	for _, n := range CharsetNames {
		c, _ := LookupCharset(n)
		out, err := c.Encode([]byte("MSA|AE|李 😀"))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if bytes.IndexByte(out, 0x0B) >= 0 || bytes.IndexByte(out, 0x1C) >= 0 {
			t.Fatalf("%s: block character in output", n)
		}
	}
}

func mustCharmap(cm *charmap.Charmap) func(string) []byte {
	return func(s string) []byte {
		b, err := cm.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return b
	}
}

func utf16Bytes(order unicode.Endianness) func(string) []byte {
	return func(s string) []byte {
		b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return b
	}
}

// FuzzDecodeCharset feeds random bytes under every MSH-18 value: the decoder
// never panics, and what it returns is valid UTF-8 that re-encodes without error.
func FuzzDecodeCharset(f *testing.F) {
	f.Add([]byte("Probe h\xe4molysiert"), uint8(1))
	f.Add([]byte("\xff\xfeM\x00S\x00H\x00"), uint8(12))
	f.Add([]byte{0xc3}, uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, pick uint8) {
		names := append([]string{""}, CharsetNames...)
		name := names[int(pick)%len(names)]
		for _, raw := range [][]byte{body, append([]byte(charsetMessage(name)), body...)} {
			d, err := DecodeCharset(raw)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T", err)
				}
				continue
			}
			if !utf8.Valid(d.Message) {
				t.Fatal("decoded message is not UTF-8")
			}
			if _, err := d.Charset.Encode(d.Message); err != nil {
				t.Fatalf("re-encoding: %v", err)
			}
		}
	})
}

// BenchmarkDecodeCharsetLatin1 measures the 8859/1 to UTF-8 step every such inbound message takes.
func BenchmarkDecodeCharsetLatin1(b *testing.B) {
	raw := mustCharmap(charmap.ISO8859_1)(strings.Repeat(charsetMessage("8859/1"), 4))
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeCharset(raw); err != nil {
			b.Fatal(err)
		}
	}
}
