package apptsync

import (
	"strconv"
	"time"
)

// Echo markers the engine puts on its own writes.
const (
	// PMSMarker is the PMS updatedBy value of the engine's writes.
	PMSMarker = "careflow"
	// FHIRTagSystem and FHIRTagCode form the meta.tag the engine sets on
	// the FHIR Appointments it writes.
	FHIRTagSystem = "https://careflow.dev/fhir/CodeSystem/sync"
	FHIRTagCode   = "careflow-write"
)

// Seen is what the sync knows of one side's versions.
type Seen struct {
	// Synced is the version last merged ("" for none); At is its
	// updatedAt / meta.lastUpdated.
	Synced string
	At     time.Time
	// Written is the version the engine's last write produced ("" for none).
	Written string
}

// Verdict classifies an incoming change notification.
type Verdict int

// Verdicts.
const (
	// Change is a change to merge.
	Change Verdict = iota
	// Echo is the engine's own write coming back.
	Echo
	// Stale is a version already merged or older.
	Stale
)

// Classify decides what an incoming version (PMS version, FHIR
// meta.versionId) updated at at, carrying the engine's marker or not, is.
// Versions that are both integers compare numerically (PMS versions,
// HAPI versionIds); opaque ones (Medplum's UUIDs) compare by equality and
// by at.
func Classify(s Seen, version string, at time.Time, marked bool) Verdict {
	if marked && version != "" && version == s.Written {
		return Echo
	}
	if s.Synced == "" {
		return Change
	}
	if version == s.Synced {
		return Stale
	}
	if a, err1 := strconv.ParseInt(version, 10, 64); err1 == nil {
		if b, err2 := strconv.ParseInt(s.Synced, 10, 64); err2 == nil {
			if a < b {
				return Stale
			}
			return Change
		}
	}
	if !at.IsZero() && !s.At.IsZero() && at.Before(s.At) {
		return Stale
	}
	return Change
}
