package apptsync

import "time"

// Policy decides a field changed on both sides to different values.
type Policy int

// Conflict policies.
const (
	// Manual leaves both sides as they are and reports an open Conflict.
	Manual Policy = iota
	// LastWriterWins takes the side with the later UpdatedAt (tie: EHR).
	LastWriterWins
	// EHRWinsClinical takes the EHR's value when it is Clinical, else Manual.
	EHRWinsClinical
)

// Policies is the per-field conflict policy (index by Field).
var Policies = [numFields]Policy{
	FieldStart:      Manual,
	FieldDuration:   Manual,
	FieldProvider:   Manual,
	FieldPatient:    Manual,
	FieldType:       Manual,
	FieldStatus:     EHRWinsClinical,
	FieldDepartment: Manual,
	FieldNote:       LastWriterWins,
}

// Side is one system's current state of the appointment.
type Side struct {
	Snapshot
	// UpdatedAt is the side's last change (PMS updatedAt, FHIR
	// meta.lastUpdated), used by LastWriterWins.
	UpdatedAt time.Time
}

// Winner names the side whose value a field takes.
type Winner int

// Winners.
const (
	WinnerNone Winner = iota
	WinnerEHR
	WinnerPMS
)

// Conflict is a field both sides changed to different values.
type Conflict struct {
	Field Field `json:"field"`
	// Base, EHR and PMS hold the field's values (other fields are the base's).
	Base Snapshot `json:"base"`
	EHR  Snapshot `json:"ehr"`
	PMS  Snapshot `json:"pms"`
	// Winner is the side a policy chose; WinnerNone for an open (manual) conflict.
	Winner Winner `json:"winner"`
}

// Result is the outcome of a Merge.
type Result struct {
	// EHR and PMS are what each side must hold after the sync; fields of an
	// open conflict keep each side's own value.
	EHR, PMS Snapshot
	// WriteEHR and WritePMS say whether the side differs from its target.
	WriteEHR, WritePMS bool
	// Base is the next last-synced snapshot, to commit only once both
	// writes have succeeded (a base ahead of a side would make the next
	// Merge undo the edit). Fields of an open conflict keep the old base,
	// so the next Merge still sees the conflict.
	Base Snapshot
	// Open lists the conflicts that wait for a human, in Fields order.
	Open []Conflict
	// Decided lists the conflicts a policy decided, so none is silent.
	Decided []Conflict
}

// Merge is the three-way merge of the EHR and PMS states against base,
// the last synced snapshot; see the package comment for the policy.
func Merge(base Snapshot, ehr, pms Side) Result {
	r := Result{EHR: ehr.Snapshot, PMS: pms.Snapshot, Base: base}
	for _, f := range Fields {
		eChanged := !base.Equal(ehr.Snapshot, f)
		pChanged := !base.Equal(pms.Snapshot, f)
		switch {
		case !eChanged && !pChanged:
			// Keep each side's spelling (arrived vs checked-in) as it is.
		case eChanged && !pChanged:
			Copy(&r.PMS, ehr.Snapshot, f)
			Copy(&r.Base, ehr.Snapshot, f)
		case !eChanged && pChanged:
			Copy(&r.EHR, pms.Snapshot, f)
			Copy(&r.Base, pms.Snapshot, f)
		case ehr.Snapshot.Equal(pms.Snapshot, f):
			// The same change on both sides is no conflict.
			Copy(&r.Base, ehr.Snapshot, f)
		default:
			c := Conflict{Field: f, Base: base, EHR: base, PMS: base}
			Copy(&c.EHR, ehr.Snapshot, f)
			Copy(&c.PMS, pms.Snapshot, f)
			c.Winner = decide(f, ehr, pms)
			switch c.Winner {
			case WinnerEHR:
				Copy(&r.PMS, ehr.Snapshot, f)
				Copy(&r.Base, ehr.Snapshot, f)
				r.Decided = append(r.Decided, c)
			case WinnerPMS:
				Copy(&r.EHR, pms.Snapshot, f)
				Copy(&r.Base, pms.Snapshot, f)
				r.Decided = append(r.Decided, c)
			default:
				r.Open = append(r.Open, c)
			}
		}
	}
	r.WriteEHR = !r.EHR.EqualAll(ehr.Snapshot)
	r.WritePMS = !r.PMS.EqualAll(pms.Snapshot)
	return r
}

// decide applies field f's policy to a real conflict.
func decide(f Field, ehr, pms Side) Winner {
	switch Policies[f] {
	case LastWriterWins:
		if pms.UpdatedAt.After(ehr.UpdatedAt) {
			return WinnerPMS
		}
		return WinnerEHR
	case EHRWinsClinical:
		if Clinical(ehr.Status) {
			return WinnerEHR
		}
	}
	return WinnerNone
}

// Resolve settles the open conflict on field f with value's field (one
// side's value or an explicit one): both targets and the base take it and
// WriteEHR/WritePMS are set for the side that differs. It reports false,
// changing nothing, when f has no open conflict.
func Resolve(r *Result, f Field, value Snapshot) bool {
	found := false
	open := r.Open[:0]
	for _, c := range r.Open {
		if c.Field != f {
			open = append(open, c)
			continue
		}
		found = true
		r.WriteEHR = r.WriteEHR || !value.Equal(c.EHR, f)
		r.WritePMS = r.WritePMS || !value.Equal(c.PMS, f)
	}
	if !found {
		return false
	}
	r.Open = open
	Copy(&r.EHR, value, f)
	Copy(&r.PMS, value, f)
	Copy(&r.Base, value, f)
	return true
}
