package hl7

import "time"

// Order priorities (HL7 table 0485, also OBR-5).
const (
	PriorityStat     = "S"
	PriorityASAP     = "A"
	PriorityRoutine  = "R"
	PriorityPreop    = "P"
	PriorityCallback = "C"
	PriorityTiming   = "T"
)

var priorityText = map[string]string{
	PriorityStat: "Stat", PriorityASAP: "ASAP", PriorityRoutine: "Routine",
	PriorityPreop: "Preop", PriorityCallback: "Callback", PriorityTiming: "Timing critical",
}

// OrderInput is what BuildORM needs to place one laboratory order.
type OrderInput struct {
	Envelope
	// PlacerOrderNumber is the orderer's number for the order (ORC-2.1 and
	// OBR-2.1 of every test); required.
	PlacerOrderNumber string
	// PlacerNamespace is the placer application (ORC-2.2, OBR-2.2); optional.
	PlacerNamespace string
	// Patient goes to PID; at least one identifier with an ID is required.
	Patient Patient
	// PatientClass is PV1-2; "O" (outpatient) when empty.
	PatientClass string
	// OrderingProvider goes to ORC-12 and OBR-16; its ID is required.
	OrderingProvider Provider
	// Tests are the ordered tests, one ORC/TQ1/OBR group each (OBR-4);
	// System defaults to "LN" (LOINC). At least one is required.
	Tests []CWE
	// Priority is a table 0485 code (TQ1-9 and OBR-5); routine when empty.
	Priority string
	// OrderedAt is ORC-9; the envelope time when zero.
	OrderedAt time.Time
	// Notes become NTE segments after the first OBR.
	Notes []string
}

// BuildORM builds an ORM^O01 new order (ORC-1 NW) for in. Each test gets
// its own ORC, TQ1 and OBR carrying the same placer order number, so results
// for any test find the order. Problems with in are reported together in a
// *ValidationError.
func BuildORM(in OrderInput) (*Message, error) {
	p := &problems{kind: "ORM^O01"}
	if in.PlacerOrderNumber == "" {
		p.add("placer order number is required")
	}
	if len(in.Patient.Identifiers) == 0 || in.Patient.Identifiers[0].ID == "" {
		p.add("patient identifier is required")
	}
	if in.OrderingProvider.ID == "" {
		p.add("ordering provider id is required")
	}
	if len(in.Tests) == 0 {
		p.add("at least one test is required")
	}
	for _, t := range in.Tests {
		if t.Code == "" {
			p.add("every test needs a code")
			break
		}
	}
	prio := in.Priority
	if prio == "" {
		prio = PriorityRoutine
	}
	if priorityText[prio] == "" {
		p.add("priority is not an HL7 table 0485 code")
	}
	m := in.Envelope.start("ORM", "O01", "ORM_O01", p)
	if err := p.err(); err != nil {
		return nil, err
	}
	d := &m.Delims
	class := in.PatientClass
	if class == "" {
		class = "O"
	}
	orderedAt := in.OrderedAt
	if orderedAt.IsZero() {
		orderedAt = in.Envelope.Time
	}
	placer := d.encodeEI(EI{ID: in.PlacerOrderNumber, Namespace: in.PlacerNamespace})
	provider := d.encodeXCN(in.OrderingProvider)
	prioCWE := d.encodeCWE(CWE{Code: prio, Text: priorityText[prio], System: "HL70485"})

	m.addPID(in.Patient)
	m.add("PV1", "1", d.EscapeText(class))
	for i, t := range in.Tests {
		if t.System == "" {
			t.System = "LN"
		}
		m.add("ORC", "NW", placer, "", "", "", "", "", "", d.EscapeText(FormatTime(orderedAt)), "", "", provider)
		m.add("TQ1", "1", "", "", "", "", "", "", "", prioCWE)
		m.add("OBR", itoa(i+1), placer, "", d.encodeCWE(t), prio,
			"", "", "", "", "", "", "", "", "", "", provider)
		if i == 0 {
			m.addNTEs(in.Notes)
		}
	}
	return m, nil
}

// ORM is the typed view of an ORM^O01 order message.
type ORM struct {
	// Header is MSH.
	Header Header
	// Patient is PID; zero when the message has none.
	Patient Patient
	// Visit is PV1; zero when the message has none.
	Visit Visit
	// Orders are the ORDER groups in message order.
	Orders []Order
}

// Order is one ORDER group of an ORM^O01: an ORC with its OBR.
type Order struct {
	// Common is the ORC segment.
	Common CommonOrder
	// Request is the OBR segment; zero when the group has none.
	Request Request
	// Priority is TQ1-9, else OBR-5, else ORC-7 component 6.
	Priority string
	// Notes are the NTE segments after the OBR.
	Notes []string
}

// PlacerOrderNumber returns ORC-2's id, or OBR-2's when ORC-2 is empty.
func (o Order) PlacerOrderNumber() string {
	if o.Common.PlacerOrderNumber.ID != "" {
		return o.Common.PlacerOrderNumber.ID
	}
	return o.Request.PlacerOrderNumber.ID
}

// ParseORM reads the typed ORM^O01 view of m. It fails with a *ParseError
// when MSH-9 is not ORM^O01, when the message has no ORC, or when an OBR
// or TQ1 comes before any ORC.
func ParseORM(m *Message) (ORM, error) {
	var o ORM
	if err := m.checkType("ORM", "O01"); err != nil {
		return o, err
	}
	o.Header = m.Header()
	d := &m.Delims
	var cur *Order
	inDetail := false // NTE after an OBR belongs to the order
	fromTQ1 := false  // TQ1-9 outranks OBR-5, which outranks ORC-7.6
	for i := 1; i < len(m.Segments); i++ {
		s := &m.Segments[i]
		switch s.Name {
		case "PID":
			o.Patient = d.patient(s)
		case "PV1":
			o.Visit = d.visit(s)
		case "ORC":
			o.Orders = append(o.Orders, Order{Common: d.commonOrder(s)})
			cur, inDetail, fromTQ1 = &o.Orders[len(o.Orders)-1], false, false
			if tq := nth(s.Field(7), d.Repetition, 1); tq != "" {
				cur.Priority = d.comp(tq, 6)
			}
		case "TQ1":
			if cur == nil {
				return o, &ParseError{Segment: i + 1, Reason: "TQ1 before any ORC"}
			}
			if p := d.comp(nth(s.Field(9), d.Repetition, 1), 1); p != "" {
				cur.Priority, fromTQ1 = p, true
			}
		case "OBR":
			if cur == nil {
				return o, &ParseError{Segment: i + 1, Reason: "OBR before any ORC"}
			}
			cur.Request, inDetail = d.request(s), true
			if !fromTQ1 && cur.Request.Priority != "" {
				cur.Priority = cur.Request.Priority
			}
		case "NTE":
			if inDetail {
				cur.Notes = append(cur.Notes, d.note(s))
			}
		case "OBX", "DG1", "CTD", "SPM", "FT1", "CTI", "BLG":
			// Order detail segments the view does not model; an NTE after
			// them annotates them, not the order.
			inDetail = false
		}
	}
	if len(o.Orders) == 0 {
		return o, &ParseError{Reason: "ORM^O01 without an ORC segment"}
	}
	return o, nil
}
