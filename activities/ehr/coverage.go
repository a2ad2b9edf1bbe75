package ehr

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/careflow/engine/clients/fhir"
)

// SelectCoverages chooses, the way a billing office does, which of a patient's Coverage
// resources apply to an appointment starting at apptStart (RFC 3339), best first:
//
//   - only status "active";
//   - only those whose period covers the appointment's date; either end may be open, and no
//     period at all covers every date. Date-only bounds compare with the appointment's date in
//     its own time zone (an end of 2024-12-31 covers the whole of that day); dateTime bounds
//     compare instants; partial dates (2024, 2024-12) cover their whole year or month;
//   - lowest Coverage.order first (1 is the primary); coverages without an order come after
//     every ordered one;
//   - then the most recently started (a coverage without a period start counts as oldest);
//   - then by id, so that the choice never depends on the order the EHR listed them in.
//
// The first result is the primary coverage, the second (if any) the secondary. An
// unparseable appointment start selects by status and order only.
func SelectCoverages(covs []fhir.Coverage, apptStart string) []fhir.Coverage {
	at, atErr := time.Parse(time.RFC3339, apptStart)
	day := ""
	if len(apptStart) >= 10 {
		day = apptStart[:10]
	}
	var out []fhir.Coverage
	for _, c := range covs {
		if c.Status != "active" {
			continue
		}
		if atErr == nil && c.Period != nil && !periodCovers(*c.Period, at, day) {
			continue
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b fhir.Coverage) int {
		if oa, ob := orderKey(a), orderKey(b); oa != ob {
			return cmp.Compare(oa, ob)
		}
		// Later start first.
		if sa, sb := startKey(a), startKey(b); sa != sb {
			return strings.Compare(sb, sa)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// orderKey puts coverages without an order after every ordered one.
func orderKey(c fhir.Coverage) int {
	if c.Order > 0 {
		return c.Order
	}
	return int(^uint(0) >> 1)
}

// startKey is the period start as a sortable UTC text; "" (no start) sorts as oldest.
func startKey(c fhir.Coverage) string {
	if c.Period == nil || c.Period.Start == "" {
		return ""
	}
	t, err := c.Period.Start.Time()
	if err != nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// periodCovers reports whether p covers the appointment at instant at on local date day.
func periodCovers(p fhir.Period, at time.Time, day string) bool {
	if p.Start != "" && !boundBefore(string(p.Start), at, day) {
		return false
	}
	if p.End != "" && !boundAfter(string(p.End), at, day) {
		return false
	}
	return true
}

// boundBefore reports whether the start bound b is at or before the appointment.
func boundBefore(b string, at time.Time, day string) bool {
	if len(b) <= 10 {
		// Date or partial date: compare its first day with the appointment's local date.
		return padStart(b) <= day
	}
	t, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		return true // an unreadable bound does not exclude the coverage
	}
	return !t.After(at)
}

// boundAfter reports whether the end bound b is at or after the appointment.
func boundAfter(b string, at time.Time, day string) bool {
	if len(b) <= 10 {
		// A partial end covers its whole year or month: 2024 -> 2024-12-31, 2024-02 -> 2024-02-31
		// (no date sorts after the month's last day and before the next month).
		return padEnd(b) >= day
	}
	t, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		return true
	}
	return !t.Before(at)
}

func padStart(b string) string {
	switch len(b) {
	case 4:
		return b + "-01-01"
	case 7:
		return b + "-01"
	}
	return b
}

func padEnd(b string) string {
	switch len(b) {
	case 4:
		return b + "-12-31"
	case 7:
		return b + "-31"
	}
	return b
}
