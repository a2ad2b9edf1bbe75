package x12

import (
	"strconv"
	"strings"
	"time"
)

// maxDecimalDigits bounds X12 numeric (R) values; the standard allows 18.
const maxDecimalDigits = 18

// decimalParts splits an X12 decimal ("-12.5", ".5", "100") into sign,
// integer and fraction digits, rejecting anything else (exponents, "NaN",
// "+", separators) that strconv would accept.
func decimalParts(s string) (neg bool, whole, frac string, ok bool) {
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	whole, frac, _ = strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return false, "", "", false
	}
	if (whole != "" && !isDigits(whole)) || (frac != "" && !isDigits(frac)) {
		return false, "", "", false
	}
	if len(whole)+len(frac) > maxDecimalDigits {
		return false, "", "", false
	}
	return neg, whole, frac, true
}

// parseMoney converts a decimal dollar amount to exact cents. More than two
// fraction digits are accepted only when the extra digits are zeros; money is
// never rounded silently.
func parseMoney(s string) (Money, bool) {
	neg, whole, frac, ok := decimalParts(s)
	if !ok {
		return 0, false
	}
	for len(frac) > 2 {
		if frac[len(frac)-1] != '0' {
			return 0, false
		}
		frac = frac[:len(frac)-1]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	// 16 whole digits (plus two cents) stay below the int64 limit.
	if len(whole) > 16 {
		return 0, false
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return Money(n), true
}

// parseDecimal converts an X12 decimal to float64, for percentages and
// quantities where exactness does not matter.
func parseDecimal(s string) (float64, bool) {
	if _, _, _, ok := decimalParts(s); !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// parseDTP reads a DTP segment's D8 or RD8 date into a DateRange.
func parseDTP(s *Segment) (DateRange, error) {
	dr := DateRange{Qualifier: s.Element(1)}
	if dr.Qualifier == "" {
		return dr, segErr(s, 1, "date qualifier is missing")
	}
	var ok bool
	switch s.Element(2) {
	case "D8":
		dr.Start, ok = parseD8(s.Element(3))
		dr.End = dr.Start
	case "RD8":
		from, to, found := strings.Cut(s.Element(3), "-")
		if found {
			dr.Start, ok = parseD8(from)
			if ok {
				dr.End, ok = parseD8(to)
			}
		}
		ok = ok && !dr.End.Before(dr.Start)
	default:
		return dr, segErr(s, 2, "unsupported date format qualifier")
	}
	if !ok {
		return dr, segErr(s, 3, "invalid date")
	}
	return dr, nil
}

// parseD8 parses CCYYMMDD as a UTC date.
func parseD8(v string) (time.Time, bool) {
	if len(v) != 8 || !isDigits(v) {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", v)
	return t, err == nil
}
