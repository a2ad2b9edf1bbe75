package hl7

import (
	"math/rand/v2"
	"testing"
)

func TestUnescape(t *testing.T) {
	std := DefaultDelims()
	trunc := std
	trunc.Truncation = '#'
	custom := Delims{'#', '*', '!', '@', '%', 0}
	tests := []struct {
		name string
		d    Delims
		in   string
		want string
	}{
		{"plain", std, "no escapes", "no escapes"},
		{"field", std, `a\F\b`, "a|b"},
		{"component", std, `a\S\b`, "a^b"},
		{"subcomponent", std, `a\T\b`, "a&b"},
		{"repetition", std, `a\R\b`, "a~b"},
		{"escape", std, `a\E\b`, `a\b`},
		{"all adjacent", std, `\F\\S\\T\\R\\E\`, `|^&~\`},
		{"hex", std, `\X41\\X4243\`, "ABC"},
		{"hex lower-case digits", std, `\X0d0a\`, "\r\n"},
		{"hex odd length passes through", std, `\X414\`, `\X414\`},
		{"hex bad digit passes through", std, `\X4G\`, `\X4G\`},
		{"highlight passes through", std, `\H\bold\N\`, `\H\bold\N\`},
		{"formatting passes through", std, `a\.br\b\.sp2\`, `a\.br\b\.sp2\`},
		{"unknown passes through", std, `\Q\`, `\Q\`},
		{"empty sequence passes through", std, `a\\b`, `a\\b`},
		{"unterminated", std, `a\F`, `a\F`},
		{"truncation undeclared", std, `\P\`, `\P\`},
		{"truncation declared", trunc, `\P\`, "#"},
		{"custom delimiters", custom, `@F@@S@@T@@R@@E@\`, `#*%!@\`},
		{"custom hex", custom, `@X7C@`, "|"},
		{"custom ignores backslash", custom, `\F\`, `\F\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.UnescapeText(tt.in); got != tt.want {
				t.Errorf("UnescapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	std := DefaultDelims()
	trunc := std
	trunc.Truncation = '#'
	custom := Delims{'#', '*', '!', '@', '%', 0}
	tests := []struct {
		name string
		d    Delims
		in   string
		want string
	}{
		{"plain", std, "6.8 mmol/L", "6.8 mmol/L"},
		{"delimiters", std, `a|b^c&d~e\f`, `a\F\b\S\c\T\d\R\e\E\f`},
		{"line breaks", std, "l1\r\nl2", `l1\X0D\\X0A\l2`},
		{"hash is plain without truncation", std, "#1", "#1"},
		{"hash escaped with truncation", trunc, "#1", `\P\1`},
		{"custom", custom, `#*%!@|^`, `@F@@S@@T@@R@@E@|^`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.EscapeText(tt.in)
			if got != tt.want {
				t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := tt.d.UnescapeText(got); back != tt.in {
				t.Errorf("round trip gave %q", back)
			}
		})
	}
}

// Random text over an alphabet rich in delimiters survives escaping.
func TestEscapeRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("|^~\\&#*!@%XHN.br0A\r\n é")
	for _, d := range []Delims{DefaultDelims(), {'|', '^', '~', '\\', '&', '#'}, {'#', '*', '!', '@', '%', 0}} {
		for i := 0; i < 2000; i++ {
			b := make([]byte, r.IntN(24))
			for j := range b {
				b[j] = alphabet[r.IntN(len(alphabet))]
			}
			s := string(b)
			e := d.EscapeText(s)
			for k := 0; k < len(e); k++ {
				if c := e[k]; c == d.Field || c == d.Component || c == d.Repetition || c == d.Subcomponent || c == '\r' || c == '\n' {
					t.Fatalf("escaped %q still holds delimiter %q", s, c)
				}
			}
			if got := d.UnescapeText(e); got != s {
				t.Fatalf("round trip of %q via %q gave %q", s, e, got)
			}
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", `a|b^c&d~e\f`, "\r\n", "#", `\H\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range []Delims{DefaultDelims(), {'|', '^', '~', '\\', '&', '#'}, {'#', '*', '!', '@', '%', 0}} {
			if got := d.UnescapeText(d.EscapeText(s)); got != s {
				t.Fatalf("round trip of %q gave %q", s, got)
			}
			// Unescaping arbitrary wire text must not panic.
			_ = d.UnescapeText(s)
		}
	})
}

func TestDelimsValidate(t *testing.T) {
	if err := DefaultDelims().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Delims{}).Validate(); err == nil {
		t.Fatal("zero delims validated")
	}
	if got := (Delims{'|', '^', '~', '\\', '&', '#'}).EncodingCharacters(); got != `^~\&#` {
		t.Fatalf("EncodingCharacters = %q", got)
	}
}
