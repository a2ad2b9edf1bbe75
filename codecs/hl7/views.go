package hl7

import "strings"

// Patient is the typed view of PID.
type Patient struct {
	// Identifiers are PID-3's repetitions (medical record number and others).
	Identifiers []CX
	// Names are PID-5's repetitions.
	Names []PersonName
	// BirthDate is PID-7 as sent (YYYYMMDD or longer); ParseTime reads it.
	BirthDate string
	// Sex is PID-8 (HL7 table 0001: F, M, O, U, A, N).
	Sex string
}

func (d *Delims) patient(s *Segment) Patient {
	p := Patient{BirthDate: d.comp(nth(s.Field(7), d.Repetition, 1), 1), Sex: d.comp(s.Field(8), 1)}
	for _, r := range splitReps(s.Field(3), d) {
		p.Identifiers = append(p.Identifiers, d.cx(r))
	}
	for _, r := range splitReps(s.Field(5), d) {
		p.Names = append(p.Names, d.xpn(r))
	}
	return p
}

func (m *Message) addPID(p Patient) {
	d := &m.Delims
	ids := make([]string, len(p.Identifiers))
	for i, id := range p.Identifiers {
		ids[i] = d.encodeCX(id)
	}
	names := make([]string, len(p.Names))
	for i, n := range p.Names {
		names[i] = d.encodeXPN(n)
	}
	m.add("PID", "1", "", joinRaw(d.Repetition, ids...), "", joinRaw(d.Repetition, names...), "",
		d.EscapeText(p.BirthDate), d.EscapeText(p.Sex))
}

// Visit is the typed view of PV1.
type Visit struct {
	// Class is PV1-2 (HL7 table 0004: I inpatient, O outpatient, E emergency).
	Class string
	// Location is PV1-3, the assigned patient location.
	Location Location
	// Attending is PV1-7's first repetition.
	Attending Provider
	// VisitNumber is PV1-19 (its id, component 1).
	VisitNumber string
}

func (d *Delims) visit(s *Segment) Visit {
	return Visit{
		Class:       d.comp(s.Field(2), 1),
		Location:    d.pl(nth(s.Field(3), d.Repetition, 1)),
		Attending:   d.xcn(nth(s.Field(7), d.Repetition, 1)),
		VisitNumber: d.comp(nth(s.Field(19), d.Repetition, 1), 1),
	}
}

// CommonOrder is the typed view of ORC.
type CommonOrder struct {
	// Control is ORC-1 (HL7 table 0119: NW new, CA cancel, RE observations follow, ...).
	Control string
	// PlacerOrderNumber is ORC-2, the orderer's number for the order.
	PlacerOrderNumber EI
	// FillerOrderNumber is ORC-3, the laboratory's number for the order.
	FillerOrderNumber EI
	// Status is ORC-5 (HL7 table 0038: CM complete, IP in process, ...).
	Status string
	// TransactionTime is ORC-9 as sent.
	TransactionTime string
	// OrderingProvider is ORC-12's first repetition.
	OrderingProvider Provider
}

func (d *Delims) commonOrder(s *Segment) CommonOrder {
	return CommonOrder{
		Control:           d.comp(s.Field(1), 1),
		PlacerOrderNumber: d.ei(s.Field(2)),
		FillerOrderNumber: d.ei(s.Field(3)),
		Status:            d.comp(s.Field(5), 1),
		TransactionTime:   d.comp(s.Field(9), 1),
		OrderingProvider:  d.xcn(nth(s.Field(12), d.Repetition, 1)),
	}
}

// Request is the typed view of OBR, the observation request.
type Request struct {
	// SetID is OBR-1.
	SetID string
	// PlacerOrderNumber is OBR-2.
	PlacerOrderNumber EI
	// FillerOrderNumber is OBR-3.
	FillerOrderNumber EI
	// Service is OBR-4, the universal service identifier (a LOINC test).
	Service CWE
	// Priority is OBR-5 (kept in v2.5.1 for backward compatibility).
	Priority string
	// ObservedAt is OBR-7, the observation (collection) time as sent.
	ObservedAt string
	// OrderingProvider is OBR-16's first repetition.
	OrderingProvider Provider
	// ReportedAt is OBR-22, when results were reported or status changed.
	ReportedAt string
	// ResultStatus is OBR-25 (HL7 table 0123: P preliminary, F final, C corrected, ...).
	ResultStatus string
}

func (d *Delims) request(s *Segment) Request {
	return Request{
		SetID:             d.comp(s.Field(1), 1),
		PlacerOrderNumber: d.ei(s.Field(2)),
		FillerOrderNumber: d.ei(s.Field(3)),
		Service:           d.cwe(s.Field(4)),
		Priority:          d.comp(s.Field(5), 1),
		ObservedAt:        d.comp(s.Field(7), 1),
		OrderingProvider:  d.xcn(nth(s.Field(16), d.Repetition, 1)),
		ReportedAt:        d.comp(s.Field(22), 1),
		ResultStatus:      d.comp(s.Field(25), 1),
	}
}

// note returns NTE-3, the comment, with its repetitions joined by "\n".
func (d *Delims) note(s *Segment) string {
	reps := splitReps(s.Field(3), d)
	for i := range reps {
		reps[i] = d.UnescapeText(reps[i])
	}
	return strings.Join(reps, "\n")
}

// addNTEs appends one NTE per note, lines becoming repetitions of NTE-3.
func (m *Message) addNTEs(notes []string) {
	d := &m.Delims
	for i, n := range notes {
		lines := strings.Split(n, "\n")
		for j := range lines {
			lines[j] = d.EscapeText(lines[j])
		}
		m.add("NTE", itoa(i+1), "", strings.Join(lines, string(d.Repetition)))
	}
}

// itoa formats small positive set ids without strconv's allocation for
// the common one-digit case.
func itoa(n int) string {
	if n >= 0 && n < 10 {
		return "0123456789"[n : n+1]
	}
	return formatNM(float64(n))
}

// checkType reports a *ParseError unless MSH-9 names the wanted type and
// trigger.
func (m *Message) checkType(typ, trigger string) error {
	h := m.Header()
	if h.MessageType != typ || h.TriggerEvent != trigger {
		return &ParseError{Segment: 1, Field: 9, Reason: "message is not " + typ + "^" + trigger}
	}
	return nil
}
