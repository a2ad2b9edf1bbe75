package x12

import (
	"strings"
	"unicode/utf8"
)

// validator collects field problems while normalizing request values in
// place, so Build270 reports every problem at once.
type validator struct {
	d    Delimiters
	errs []FieldError
}

func (v *validator) add(field, reason string) {
	v.errs = append(v.errs, FieldError{Field: field, Reason: reason})
}

// err returns the collected problems as a *ValidationError, or nil.
func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}

// textRule says how one outgoing text value is checked and normalized.
type textRule struct {
	min, max int
	required bool
	// upper upper-cases the value; payers match names case-insensitively,
	// but many only document upper case.
	upper bool
}

// text trims and folds *s to the X12 character set and checks it against r.
// It reports whether the value is usable (an empty optional value is).
func (v *validator) text(field string, s *string, r textRule) bool {
	val := strings.TrimSpace(*s)
	if val == "" {
		if r.required {
			v.add(field, "is required")
			return false
		}
		*s = ""
		return true
	}
	folded, ok := foldASCII(val)
	if !ok {
		v.add(field, "has characters outside the X12 character set")
		return false
	}
	if r.upper {
		folded = strings.ToUpper(folded)
	}
	if v.d.contains(folded) {
		v.add(field, "contains a delimiter character")
		return false
	}
	if len(folded) < r.min || len(folded) > r.max {
		v.add(field, "has an invalid length")
		return false
	}
	*s = folded
	return true
}

// foldASCII returns s with Latin-1 letters folded to their ASCII base
// ("José" -> "Jose"), and false when s holds anything else outside printable
// ASCII: X12's basic and extended character sets are ASCII only.
func foldASCII(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			ascii = false
			break
		}
	}
	if ascii {
		return s, true
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "", false
		case r >= 0x20 && r <= 0x7E:
			b.WriteRune(r)
		case r >= 0xC0 && r <= 0xFF && latin1Fold[r-0xC0] != "":
			b.WriteString(latin1Fold[r-0xC0])
		default:
			return "", false
		}
	}
	return b.String(), true
}

// latin1Fold maps U+00C0..U+00FF to ASCII; "" marks the two symbols in that
// range (multiplication and division signs), which are rejected.
var latin1Fold = [64]string{
	"A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
	"D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAlnumString reports whether s is non-empty and all ASCII letters or digits.
func isAlnumString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// validNPI checks a National Provider Identifier: ten digits whose last is the
// Luhn check digit computed over the prefix 80840 and the first nine.
func validNPI(npi string) bool {
	if len(npi) != 10 || !isDigits(npi) {
		return false
	}
	// 24 is the Luhn contribution of the constant prefix 80840.
	sum := 24
	for i := 8; i >= 0; i-- {
		d := int(npi[i] - '0')
		if (8-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10-sum%10)%10 == int(npi[9]-'0')
}
