package hl7

import "strings"

// CWE is a coded value (HL7 CE, CWE or CNE): a code, its display text and
// the coding system, with an optional alternate coding.
type CWE struct {
	// Code is component 1, e.g. LOINC "2823-3".
	Code string
	// Text is component 2, the display text.
	Text string
	// System is component 3, e.g. "LN" for LOINC or "HL70078".
	System string
	// AltCode, AltText and AltSystem are components 4-6.
	AltCode, AltText, AltSystem string
	// OriginalText is CWE component 9.
	OriginalText string
}

// IsZero reports whether no component is set.
func (c CWE) IsZero() bool { return c == CWE{} }

func (d *Delims) cwe(rep string) CWE {
	return CWE{
		Code: d.comp(rep, 1), Text: d.comp(rep, 2), System: d.comp(rep, 3),
		AltCode: d.comp(rep, 4), AltText: d.comp(rep, 5), AltSystem: d.comp(rep, 6),
		OriginalText: d.comp(rep, 9),
	}
}

func (d *Delims) encodeCWE(c CWE) string {
	return d.join(d.Component, c.Code, c.Text, c.System, c.AltCode, c.AltText, c.AltSystem, "", "", c.OriginalText)
}

// EI is an entity identifier, such as a placer or filler order number.
type EI struct {
	// ID is component 1, the identifier itself.
	ID string
	// Namespace is component 2, the assigning application.
	Namespace string
	// UniversalID and UniversalIDType are components 3 and 4.
	UniversalID, UniversalIDType string
}

func (d *Delims) ei(rep string) EI {
	return EI{ID: d.comp(rep, 1), Namespace: d.comp(rep, 2), UniversalID: d.comp(rep, 3), UniversalIDType: d.comp(rep, 4)}
}

func (d *Delims) encodeEI(e EI) string {
	return d.join(d.Component, e.ID, e.Namespace, e.UniversalID, e.UniversalIDType)
}

// CX is an identifier with its assigning authority, such as a medical record number.
type CX struct {
	// ID is component 1.
	ID string
	// AssigningAuthority is component 4 (its namespace id, subcomponent 1).
	AssigningAuthority string
	// TypeCode is component 5 (HL7 table 0203: MR, PI, SS, ...).
	TypeCode string
}

func (d *Delims) cx(rep string) CX {
	return CX{ID: d.comp(rep, 1), AssigningAuthority: d.comp(rep, 4), TypeCode: d.comp(rep, 5)}
}

func (d *Delims) encodeCX(c CX) string {
	return d.join(d.Component, c.ID, "", "", c.AssigningAuthority, c.TypeCode)
}

// PersonName is an XPN person name.
type PersonName struct {
	// Family is component 1 (its surname, subcomponent 1).
	Family string
	// Given and Middle are components 2 and 3.
	Given, Middle string
	// Suffix and Prefix are components 4 and 5.
	Suffix, Prefix string
}

func (d *Delims) xpn(rep string) PersonName {
	return PersonName{Family: d.comp(rep, 1), Given: d.comp(rep, 2), Middle: d.comp(rep, 3), Suffix: d.comp(rep, 4), Prefix: d.comp(rep, 5)}
}

func (d *Delims) encodeXPN(n PersonName) string {
	return d.join(d.Component, n.Family, n.Given, n.Middle, n.Suffix, n.Prefix)
}

// Provider is an XCN composite id and name, such as an ordering provider.
type Provider struct {
	// ID is component 1, e.g. an NPI.
	ID string
	// Family is component 2 (its surname, subcomponent 1).
	Family string
	// Given and Middle are components 3 and 4.
	Given, Middle string
	// Suffix and Prefix are components 5 and 6.
	Suffix, Prefix string
	// AssigningAuthority is component 9 (namespace id), e.g. "NPI".
	AssigningAuthority string
}

// IsZero reports whether no component is set.
func (p Provider) IsZero() bool { return p == Provider{} }

func (d *Delims) xcn(rep string) Provider {
	return Provider{
		ID: d.comp(rep, 1), Family: d.comp(rep, 2), Given: d.comp(rep, 3), Middle: d.comp(rep, 4),
		Suffix: d.comp(rep, 5), Prefix: d.comp(rep, 6), AssigningAuthority: d.comp(rep, 9),
	}
}

func (d *Delims) encodeXCN(p Provider) string {
	return d.join(d.Component, p.ID, p.Family, p.Given, p.Middle, p.Suffix, p.Prefix, "", "", p.AssigningAuthority)
}

// Location is a PL person location (PV1-3).
type Location struct {
	// PointOfCare, Room and Bed are components 1-3.
	PointOfCare, Room, Bed string
	// Facility is component 4 (namespace id).
	Facility string
}

func (d *Delims) pl(rep string) Location {
	return Location{PointOfCare: d.comp(rep, 1), Room: d.comp(rep, 2), Bed: d.comp(rep, 3), Facility: d.comp(rep, 4)}
}

// join escapes each part and joins them with sep, leaving out empty trailing
// parts as HL7 recommends.
func (d *Delims) join(sep byte, parts ...string) string {
	n := len(parts)
	for n > 0 && parts[n-1] == "" {
		n--
	}
	switch n {
	case 0:
		return ""
	case 1:
		return d.EscapeText(parts[0])
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(d.EscapeText(parts[i]))
	}
	return b.String()
}

// joinRaw joins parts already in wire form with sep, leaving out empty
// trailing parts.
func joinRaw(sep byte, parts ...string) string {
	n := len(parts)
	for n > 0 && parts[n-1] == "" {
		n--
	}
	return strings.Join(parts[:n], string(sep))
}
