package apptsync

import (
	"errors"
	"strconv"
	"time"
)

// Snapshot is the synced fields of one appointment, in a side-neutral form:
// ids are the EHR's (the caller maps PMS ids through the crosswalk), the
// status is FHIR vocabulary (a PMS status enters through FHIRStatusFor with
// the base status, so lossy rows do not look like changes).
type Snapshot struct {
	// Start is FHIR Appointment.start, PMS scheduledTime.
	Start time.Time `json:"start"`
	// Duration is FHIR minutesDuration (or end - start), PMS duration, in minutes.
	Duration int `json:"duration"`
	// Provider is the Practitioner id of the practitioner participant; the
	// PMS providerId goes through the crosswalk.
	Provider string `json:"provider"`
	// Patient is the Patient id of the patient participant; the PMS
	// patientId goes through the crosswalk.
	Patient string `json:"patient"`
	// Type is FHIR appointmentType's code, PMS appointmentType.
	Type string `json:"type"`
	// Status is FHIR Appointment.status (see the package's table).
	Status string `json:"status"`
	// Department is the PMS department; on the FHIR side the caller keeps
	// it where its EHR does (a Location participant or specialty).
	Department string `json:"department"`
	// Note is FHIR Appointment.comment, PMS note.
	Note string `json:"note"`
}

// Field names one synced field.
type Field int

// The synced fields, in the order Merge reports them.
const (
	FieldStart Field = iota
	FieldDuration
	FieldProvider
	FieldPatient
	FieldType
	FieldStatus
	FieldDepartment
	FieldNote
	numFields
)

// Fields lists every synced field in order.
var Fields = [numFields]Field{FieldStart, FieldDuration, FieldProvider, FieldPatient, FieldType, FieldStatus, FieldDepartment, FieldNote}

var fieldNames = [numFields]string{"start", "duration", "provider", "patient", "type", "status", "department", "note"}

// String is the field's JSON name.
func (f Field) String() string {
	if f < 0 || f >= numFields {
		return "field(" + strconv.Itoa(int(f)) + ")"
	}
	return fieldNames[f]
}

// MarshalText writes the field's name.
func (f Field) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads a field name.
func (f *Field) UnmarshalText(b []byte) error {
	for i, n := range fieldNames {
		if n == string(b) {
			*f = Field(i)
			return nil
		}
	}
	return ErrUnknownField
}

// ErrUnknownField is returned for a field name outside Fields.
var ErrUnknownField = errors.New("apptsync: unknown field")

// Equal reports whether field f is the same in a and b (statuses by SameStatus,
// times by instant).
func (a Snapshot) Equal(b Snapshot, f Field) bool {
	switch f {
	case FieldStart:
		return a.Start.Equal(b.Start)
	case FieldDuration:
		return a.Duration == b.Duration
	case FieldProvider:
		return a.Provider == b.Provider
	case FieldPatient:
		return a.Patient == b.Patient
	case FieldType:
		return a.Type == b.Type
	case FieldStatus:
		return SameStatus(a.Status, b.Status)
	case FieldDepartment:
		return a.Department == b.Department
	case FieldNote:
		return a.Note == b.Note
	}
	return true
}

// EqualAll reports whether every field is Equal.
func (a Snapshot) EqualAll(b Snapshot) bool {
	for _, f := range Fields {
		if !a.Equal(b, f) {
			return false
		}
	}
	return true
}

// Copy sets field f of dst to src's value.
func Copy(dst *Snapshot, src Snapshot, f Field) {
	switch f {
	case FieldStart:
		dst.Start = src.Start
	case FieldDuration:
		dst.Duration = src.Duration
	case FieldProvider:
		dst.Provider = src.Provider
	case FieldPatient:
		dst.Patient = src.Patient
	case FieldType:
		dst.Type = src.Type
	case FieldStatus:
		dst.Status = src.Status
	case FieldDepartment:
		dst.Department = src.Department
	case FieldNote:
		dst.Note = src.Note
	}
}
