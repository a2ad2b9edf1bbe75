package hl7

import "strings"

// Abnormal flags of OBX-8 (HL7 table 0078).
const (
	FlagNormal           = "N"
	FlagLow              = "L"
	FlagHigh             = "H"
	FlagCriticalLow      = "LL"
	FlagCriticalHigh     = "HH"
	FlagAbnormal         = "A"
	FlagCriticalAbnormal = "AA"
)

// IsCriticalFlag reports whether an OBX-8 flag marks a critical (panic)
// value: HH, LL or AA.
func IsCriticalFlag(flag string) bool {
	return flag == FlagCriticalHigh || flag == FlagCriticalLow || flag == FlagCriticalAbnormal
}

// Observation result statuses of OBX-11 (HL7 table 0085).
const (
	ResultPreliminary  = "P"
	ResultFinal        = "F"
	ResultCorrected    = "C"
	ResultCannotObtain = "X"
	ResultDeleted      = "D"
	ResultWrongPatient = "W"
)

// resultStatuses is HL7 table 0085 in full.
var resultStatuses = map[string]bool{
	"C": true, "D": true, "F": true, "I": true, "N": true, "O": true,
	"P": true, "R": true, "S": true, "U": true, "W": true, "X": true,
}

// ORU is the typed view of an ORU^R01 result message with one patient.
type ORU struct {
	// Header is MSH.
	Header Header
	// Patient is PID; zero when the message has none.
	Patient Patient
	// Visit is PV1; zero when the message has none.
	Visit Visit
	// Orders are the ORDER_OBSERVATION groups in message order.
	Orders []OrderResult
	// ParseWarnings are message-level leniencies; Warnings adds every observation's.
	ParseWarnings []Warning
}

// OrderResult is one ORDER_OBSERVATION group: an optional ORC, an OBR, its
// notes and its observations.
type OrderResult struct {
	// Common is the ORC segment; zero when the group has none.
	Common CommonOrder
	// Request is the OBR segment.
	Request Request
	// Notes are the NTE segments between the OBR and the first OBX.
	Notes []string
	// Observations are the OBX segments with their notes.
	Observations []Observation
}

// PlacerOrderNumber returns ORC-2's id, or OBR-2's when ORC-2 is empty.
func (r OrderResult) PlacerOrderNumber() string {
	if r.Common.PlacerOrderNumber.ID != "" {
		return r.Common.PlacerOrderNumber.ID
	}
	return r.Request.PlacerOrderNumber.ID
}

// Observation is the typed view of one OBX with the NTE segments after it.
type Observation struct {
	// SetID is OBX-1.
	SetID string
	// Code is OBX-3, the observation identifier (a LOINC code).
	Code CWE
	// SubID is OBX-4, which tells apart observations sharing a code.
	SubID string
	// Value is OBX-5 decoded according to OBX-2.
	Value Value
	// Units is OBX-6, e.g. "mmol/L" in UCUM.
	Units CWE
	// ReferenceRange is OBX-7, e.g. "3.5-5.1".
	ReferenceRange string
	// AbnormalFlags are OBX-8's repetitions (H, L, HH, LL, A, AA, N, ...).
	AbnormalFlags []string
	// Status is OBX-11 (P preliminary, F final, C corrected, X cannot be obtained, ...).
	Status string
	// ObservedAt is OBX-14 as sent.
	ObservedAt string
	// Notes are the NTE segments after the OBX.
	Notes []string
	// Warnings record leniency applied to this OBX (a value kept as text, a
	// comparator read from an NM, an unknown status); the message is never
	// rejected for them.
	Warnings []Warning
}

// Critical reports whether any abnormal flag marks a critical value.
func (o Observation) Critical() bool {
	for _, f := range o.AbnormalFlags {
		if IsCriticalFlag(f) {
			return true
		}
	}
	return false
}

// ParseORU reads the typed ORU^R01 view of m. It fails with a *ParseError
// when MSH-9 is not ORU^R01, when the message carries more than one patient
// or no OBR, or when an OBX comes before any OBR. How single values are
// written never fails it: an OBX-5 that does not fit OBX-2 (or has no
// OBX-2) is kept as text, an NM with a comparator or range becomes a
// structured value, and an OBX-11 outside table 0085 is kept as sent, each
// with a Warning on the observation. Observations inside a SPECIMEN group
// (after SPM) are skipped.
func ParseORU(m *Message) (ORU, error) {
	var u ORU
	if err := m.checkType("ORU", "R01"); err != nil {
		return u, err
	}
	u.Header = m.Header()
	d := &m.Delims
	var (
		cur        *OrderResult
		obs        *Observation
		pendingORC *CommonOrder
		patient    bool
		specimen   bool // inside a SPECIMEN group, whose OBX describe the specimen
	)
	for i := 1; i < len(m.Segments); i++ {
		s := &m.Segments[i]
		switch s.Name {
		case "PID":
			if patient || cur != nil {
				return u, &ParseError{Segment: i + 1, Reason: "more than one patient in an ORU^R01 is not supported"}
			}
			u.Patient, patient = d.patient(s), true
		case "PV1":
			u.Visit = d.visit(s)
		case "ORC":
			if pendingORC != nil {
				return u, &ParseError{Segment: i + 1, Reason: "ORC not followed by an OBR"}
			}
			c := d.commonOrder(s)
			pendingORC = &c
		case "OBR":
			u.Orders = append(u.Orders, OrderResult{Request: d.request(s)})
			cur, obs, specimen = &u.Orders[len(u.Orders)-1], nil, false
			if pendingORC != nil {
				cur.Common, pendingORC = *pendingORC, nil
			}
		case "OBX":
			if specimen {
				continue
			}
			if cur == nil {
				return u, &ParseError{Segment: i + 1, Reason: "OBX before any OBR"}
			}
			o, err := d.observation(s, i+1)
			if err != nil {
				return u, err
			}
			cur.Observations = append(cur.Observations, o)
			obs = &cur.Observations[len(cur.Observations)-1]
		case "NTE":
			switch {
			case specimen:
			case obs != nil:
				obs.Notes = append(obs.Notes, d.note(s))
			case cur != nil:
				cur.Notes = append(cur.Notes, d.note(s))
			}
		case "SPM":
			specimen = true
		}
	}
	if pendingORC != nil {
		return u, &ParseError{Reason: "ORC not followed by an OBR"}
	}
	if len(u.Orders) == 0 {
		return u, &ParseError{Reason: "ORU^R01 without an OBR segment"}
	}
	return u, nil
}

// observation decodes one OBX segment at position pos.
func (d *Delims) observation(s *Segment, pos int) (Observation, error) {
	o := Observation{
		SetID:          d.comp(s.Field(1), 1),
		Code:           d.cwe(s.Field(3)),
		SubID:          d.comp(s.Field(4), 1),
		Units:          d.cwe(s.Field(6)),
		ReferenceRange: d.comp(s.Field(7), 1),
		Status:         d.comp(s.Field(11), 1),
		ObservedAt:     d.comp(nth(s.Field(14), d.Repetition, 1), 1),
	}
	for _, r := range splitReps(s.Field(8), d) {
		if f := d.comp(r, 1); f != "" {
			o.AbnormalFlags = append(o.AbnormalFlags, f)
		}
	}
	if !resultStatuses[o.Status] {
		o.Warnings = append(o.Warnings, Warning{Segment: pos, Field: 11, Reason: WarnUnknownStatus})
	}
	typ := strings.TrimSpace(d.comp(s.Field(2), 1))
	v, warns := d.decodeLenient(typ, s.Field(5))
	for _, w := range warns {
		field := 5
		if w == WarnNoValueType {
			field = 2
		}
		o.Warnings = append(o.Warnings, Warning{Segment: pos, Field: field, Reason: w})
	}
	o.Value = v
	return o, nil
}
