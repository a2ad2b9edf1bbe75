package fhir

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Contact selection follows the FHIR R4 rules for ContactPoint and HumanName rather than the
// order a chart happens to list them in: a lived-in chart keeps ended numbers and former names
// next to current ones, and a text sent to a number the patient no longer owns is a privacy
// incident. Every process reads contacts through these functions.

// Contains reports whether at lies inside the period. Open ends are unbounded, and an end
// given as a partial date covers the whole day, month or year it names (FHIR: the end is
// inclusive at its precision). An unparseable bound excludes the instant: a contact or coverage
// whose dates cannot be read is not taken as current.
func (p *Period) Contains(at time.Time) bool {
	if p == nil {
		return true
	}
	if p.Start != "" {
		s, err := p.Start.Time()
		if err != nil || at.Before(s) {
			return false
		}
	}
	if p.End != "" {
		e, err := p.End.endInstant()
		if err != nil || !at.Before(e) {
			return false
		}
	}
	return true
}

// endInstant returns the first instant after the value's precision: 2024-12-31 -> 2025-01-01T00:00Z.
func (d DateTime) endInstant() (time.Time, error) {
	t, err := d.Time()
	if err != nil {
		return t, err
	}
	switch len(string(d)) {
	case len("2006"):
		return t.AddDate(1, 0, 0), nil
	case len("2006-01"):
		return t.AddDate(0, 1, 0), nil
	case len("2006-01-02"):
		return t.AddDate(0, 0, 1), nil
	}
	return t.Add(time.Nanosecond), nil
}

// Channels a contact point can be selected for.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// ContactPointsAt returns the patient's contact points usable on channel at the given instant,
// best first: entries of another channel, without a value, with use "old" or whose period has
// ended or not started are left out; the rest are ordered by rank (1 is most preferred, unranked
// last), keeping the chart's order among equals. For SMS only a system "sms" entry, or a
// system "phone" entry with use "mobile", qualifies: a home or work line cannot take a text.
func (p Patient) ContactPointsAt(channel string, at time.Time) []ContactPoint {
	var out []ContactPoint
	for _, t := range p.Telecom {
		if strings.TrimSpace(t.Value) == "" || t.Use == "old" || !t.Period.Contains(at) {
			continue
		}
		switch channel {
		case ChannelSMS:
			if t.System != "sms" && (t.System != "phone" || t.Use != "mobile") {
				continue
			}
		case ChannelEmail:
			if t.System != "email" {
				continue
			}
		default:
			continue
		}
		out = append(out, t)
	}
	slices.SortStableFunc(out, func(a, b ContactPoint) int { return cmp.Compare(rankKey(a.Rank), rankKey(b.Rank)) })
	return out
}

// rankKey orders unranked entries (rank 0: absent) after every ranked one.
func rankKey(rank int) int {
	if rank <= 0 {
		return int(^uint(0) >> 1)
	}
	return rank
}

// MobileAt returns the number to text the patient at, and false when the chart has no current
// mobile number.
func (p Patient) MobileAt(at time.Time) (string, bool) {
	cps := p.ContactPointsAt(ChannelSMS, at)
	if len(cps) == 0 {
		return "", false
	}
	return strings.TrimSpace(cps[0].Value), true
}

// EmailAt returns the patient's current e-mail address, and false when there is none.
func (p Patient) EmailAt(at time.Time) (string, bool) {
	cps := p.ContactPointsAt(ChannelEmail, at)
	if len(cps) == 0 {
		return "", false
	}
	return strings.TrimSpace(cps[0].Value), true
}

// greetingUses is the order names are chosen in to address the patient; "old" is never used
// and "anonymous" is not a name to greet anyone by.
var greetingUses = []string{"usual", "official", "", "temp", "nickname", "maiden"}

// legalUses is the order names are chosen in for messages to other systems (an HL7 order's PID-5):
// the official name first.
var legalUses = []string{"official", "usual", "", "temp", "maiden", "nickname"}

// GreetingNameAt returns the name to address the patient by at the given instant: "usual", then
// "official", then a name without a use, never an "old" name nor one whose period excludes the
// instant; ok is false when no such name has a given or family part.
func (p Patient) GreetingNameAt(at time.Time) (HumanName, bool) { return p.nameAt(at, greetingUses) }

// LegalNameAt returns the patient's current official name (then usual, then unspecified), for
// messages that identify the patient to another system.
func (p Patient) LegalNameAt(at time.Time) (HumanName, bool) { return p.nameAt(at, legalUses) }

func (p Patient) nameAt(at time.Time, uses []string) (HumanName, bool) {
	for _, use := range uses {
		for _, n := range p.Name {
			if n.Use == use && n.Period.Contains(at) && (len(n.Given) > 0 || n.Family != "") {
				return n, true
			}
		}
	}
	return HumanName{}, false
}

// FirstNameAt returns the first given name the patient is addressed by, or "".
func (p Patient) FirstNameAt(at time.Time) string {
	if n, ok := p.GreetingNameAt(at); ok && len(n.Given) > 0 {
		return n.Given[0]
	}
	return ""
}

// PreferredLanguage returns the language code (BCP 47, e.g. "es") of the patient's preferred
// Patient.communication, then of the first one listed; "" when the chart names none.
func (p Patient) PreferredLanguage() string {
	code := func(c PatientCommunication) string {
		for _, cd := range c.Language.Coding {
			if cd.Code != "" {
				return cd.Code
			}
		}
		return ""
	}
	for _, c := range p.Communication {
		if c.Preferred != nil && *c.Preferred {
			if l := code(c); l != "" {
				return l
			}
		}
	}
	for _, c := range p.Communication {
		if l := code(c); l != "" {
			return l
		}
	}
	return ""
}
