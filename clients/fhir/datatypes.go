package fhir

import (
	"encoding/json"
	"strings"
	"time"
)

// Meta is the resource metadata the server maintains.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated DateTime `json:"lastUpdated,omitempty"`
	Profile     []string `json:"profile,omitempty"`
}

// Coding is a code from a code system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given by codings and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Code returns the code of the first coding in system, or "" when there is none.
func (c CodeableConcept) Code(system string) string {
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd.Code
		}
	}
	return ""
}

// Identifier is a business identifier (MRN, member id, order number).
type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// SearchToken renders the identifier as a FHIR token search value "system|value".
func (i Identifier) SearchToken() string {
	if i.System == "" {
		return i.Value
	}
	return i.System + "|" + i.Value
}

// Reference points at another resource, relatively ("Patient/123") or by identifier.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Ref returns a relative literal reference "resourceType/id".
func Ref(resourceType, id string) Reference {
	return Reference{Reference: resourceType + "/" + id}
}

// Target splits a literal reference into resource type and id. It accepts relative
// ("Patient/1"), versioned ("Patient/1/_history/2") and absolute URLs; ok is false for
// contained ("#x"), urn: and identifier-only references.
func (r Reference) Target() (resourceType, id string, ok bool) {
	ref := r.Reference
	if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "urn:") {
		return "", "", false
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(strings.TrimSuffix(ref, "/"), "/")
	if len(parts) < 2 {
		return "", "", false
	}
	resourceType, id = parts[len(parts)-2], parts[len(parts)-1]
	if !validType(resourceType) || !validID(id) {
		return "", "", false
	}
	return resourceType, id, true
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
	Period *Period  `json:"period,omitempty"`
}

// ContactPoint is a phone number, e-mail address or similar.
type ContactPoint struct {
	System string  `json:"system,omitempty"`
	Value  string  `json:"value,omitempty"`
	Use    string  `json:"use,omitempty"`
	Rank   int     `json:"rank,omitempty"`
	Period *Period `json:"period,omitempty"`
}

// Period is a time range; either end may be open.
type Period struct {
	Start DateTime `json:"start,omitempty"`
	End   DateTime `json:"end,omitempty"`
}

// Quantity is a measured amount. Value is a json.Number so a result such as "7.10" keeps
// its trailing zero: in FHIR decimals, precision is significant.
type Quantity struct {
	Value      json.Number `json:"value,omitempty"`
	Comparator string      `json:"comparator,omitempty"`
	Unit       string      `json:"unit,omitempty"`
	System     string      `json:"system,omitempty"`
	Code       string      `json:"code,omitempty"`
}

// DateTime is a FHIR date, dateTime or instant kept as its wire text, because FHIR allows
// partial dates ("2024", "2024-05") that time.Time cannot round-trip.
type DateTime string

// DateTimeOf formats t as a FHIR instant (RFC 3339 with a zone, fractional seconds only
// when non-zero).
func DateTimeOf(t time.Time) DateTime {
	return DateTime(t.Format(time.RFC3339Nano))
}

// Time parses the value; partial dates yield the first instant they cover, in UTC.
func (d DateTime) Time() (time.Time, error) {
	s := string(d)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalidArg("unparseable FHIR dateTime")
}
