package ehrsim

import (
	"errors"
	"strings"
	"time"
)

// FHIR R4 date search (http://hl7.org/fhir/R4/search.html#date) on meta.lastUpdated: a
// search value stands for the whole range its precision implies ("2026-03-02" is that day,
// "2026-03-02T10:00:00Z" that second), and the prefix compares the resource's instant with
// that range.

// datePrefixes are the prefixes the simulator implements; ap (approximately) is refused.
var datePrefixes = []string{"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"}

// dateLayouts are the date and dateTime precisions a search value may have, finest last.
var dateLayouts = []struct {
	layout string
	width  func(time.Time) time.Time
}{
	{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
	{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
}

// parseDateSearch splits a _lastUpdated value into its prefix and the range [lo, hi) it
// stands for. Dates without a time zone are taken as UTC (the spec leaves it to the server).
func parseDateSearch(v string) (prefix string, lo, hi time.Time, err error) {
	prefix = "eq"
	for _, p := range datePrefixes {
		if rest, ok := strings.CutPrefix(v, p); ok {
			prefix, v = p, rest
			break
		}
	}
	if strings.HasPrefix(v, "ap") {
		return "", lo, hi, errors.New("_lastUpdated prefix ap is not supported")
	}
	if !strings.Contains(v, ".") {
		for _, l := range dateLayouts {
			if t, perr := time.Parse(l.layout, v); perr == nil {
				return prefix, t, l.width(t), nil
			}
		}
	} else if t, perr := time.Parse(time.RFC3339Nano, v); perr == nil {
		// Fractional seconds: the range is one unit of the last digit given.
		frac := v[strings.IndexByte(v, '.')+1:]
		digits := strings.IndexFunc(frac, func(r rune) bool { return r < '0' || r > '9' })
		if digits < 0 {
			digits = len(frac)
		}
		unit := time.Second
		for range digits {
			unit /= 10
		}
		return prefix, t, t.Add(max(unit, time.Nanosecond)), nil
	}
	return "", lo, hi, errors.New("_lastUpdated must be a FHIR date or dateTime with an optional prefix (eq, ne, gt, lt, ge, le, sa, eb)")
}

// lastUpdatedCriterion tests meta.lastUpdated against one search value.
func lastUpdatedCriterion(v string) (criterion, error) {
	prefix, lo, hi, err := parseDateSearch(v)
	if err != nil {
		return nil, err
	}
	return func(d map[string]any) bool {
		meta, _ := d["meta"].(map[string]any)
		t, err := time.Parse(time.RFC3339Nano, str(meta["lastUpdated"]))
		if err != nil {
			return false
		}
		// The resource's instant is a point; compare it with the value's range.
		switch prefix {
		case "ne":
			return t.Before(lo) || !t.Before(hi)
		case "gt", "sa":
			return !t.Before(hi)
		case "ge":
			return !t.Before(lo)
		case "lt", "eb":
			return t.Before(lo)
		case "le":
			return t.Before(hi)
		}
		return !t.Before(lo) && t.Before(hi)
	}, nil
}

// lastUpdatedOf is a stored version's meta.lastUpdated, for _sort.
func lastUpdatedOf(m match) time.Time { return m.rec.current().updated }
