package hl7

import (
	"errors"
	"time"
)

// dtmLayout is the precision the builders write: seconds with the zone
// offset, which every v2.x receiver accepts.
const dtmLayout = "20060102150405-0700"

// FormatTime formats t as an HL7 DTM/TS with seconds and zone offset,
// e.g. "20240315083000-0500".
func FormatTime(t time.Time) string {
	return t.Format(dtmLayout)
}

var errBadDTM = errors.New("hl7: invalid date/time")

// ParseTime parses an HL7 DTM or TS component 1:
// YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. Parts left out take their
// lowest value; loc applies when no offset is given (nil means UTC). The
// error does not quote s.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	// Split off the zone offset.
	body := s
	for i := 4; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' {
			body = s[:i]
			z := s[i+1:]
			if len(z) != 4 || !digits(z) {
				return time.Time{}, errBadDTM
			}
			hh, mm := atoi2(z[0:2]), atoi2(z[2:4])
			if hh > 14 || mm > 59 {
				return time.Time{}, errBadDTM
			}
			off := (hh*60 + mm) * 60
			if s[i] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
			break
		}
	}
	frac := ""
	if len(body) > 14 {
		if body[14] != '.' || len(body) < 16 || len(body) > 19 || !digits(body[15:]) {
			return time.Time{}, errBadDTM
		}
		frac, body = body[15:], body[:14]
	}
	switch len(body) {
	case 4, 6, 8, 10, 12, 14:
	default:
		return time.Time{}, errBadDTM
	}
	if !digits(body) {
		return time.Time{}, errBadDTM
	}
	part := func(at, def int) int {
		if len(body) < at+2 {
			return def
		}
		return atoi2(body[at : at+2])
	}
	year := atoi2(body[0:2])*100 + atoi2(body[2:4])
	mon, day, hour, min, sec := part(4, 1), part(6, 1), part(8, 0), part(10, 0), part(12, 0)
	nsec := 0
	for i, scale := 0, 100000000; i < len(frac); i, scale = i+1, scale/10 {
		nsec += int(frac[i]-'0') * scale
	}
	if mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, errBadDTM
	}
	// time.Date normalizes 31 February into March; a different day means
	// the date does not exist. The clock is not compared because a local
	// time inside a daylight-saving gap is legitimately moved.
	if time.Date(year, time.Month(mon), day, 12, 0, 0, 0, time.UTC).Day() != day {
		return time.Time{}, errBadDTM
	}
	return time.Date(year, time.Month(mon), day, hour, min, sec, nsec, loc), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi2 converts two ASCII digits already checked by digits.
func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
