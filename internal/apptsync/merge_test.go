package apptsync_test

import (
	"testing"
	"time"

	"github.com/careflow/engine/internal/apptsync"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func baseSnap() apptsync.Snapshot {
	return apptsync.Snapshot{
		Start: t0, Duration: 30, Provider: "prac-1", Patient: "pat-1", Type: "follow-up",
		Status: "booked", Department: "cardiology", Note: "",
	}
}

func side(s apptsync.Snapshot, at time.Time) apptsync.Side {
	return apptsync.Side{Snapshot: s, UpdatedAt: at}
}

func TestMergeOneSidedChangesAreTaken(t *testing.T) {
	base := baseSnap()
	ehr, pms := base, base
	ehr.Start = t0.Add(time.Hour)
	pms.Note = "wheelchair"
	r := apptsync.Merge(base, side(ehr, t0), side(pms, t0))
	assert.Empty(t, r.Open)
	assert.Empty(t, r.Decided)
	assert.True(t, r.WriteEHR)
	assert.True(t, r.WritePMS)
	assert.Equal(t, t0.Add(time.Hour), r.PMS.Start)
	assert.Equal(t, "wheelchair", r.EHR.Note)
	assert.True(t, r.EHR.EqualAll(r.PMS))
	assert.True(t, r.Base.EqualAll(r.EHR))
}

func TestMergeNothingChangedWritesNothing(t *testing.T) {
	base := baseSnap()
	r := apptsync.Merge(base, side(base, t0), side(base, t0))
	assert.False(t, r.WriteEHR)
	assert.False(t, r.WritePMS)
}

func TestMergeEqualConcurrentChangeIsNoConflict(t *testing.T) {
	base := baseSnap()
	ehr, pms := base, base
	ehr.Status, pms.Status = "cancelled", "cancelled"
	ehr.Duration, pms.Duration = 45, 45
	r := apptsync.Merge(base, side(ehr, t0), side(pms, t0))
	assert.Empty(t, r.Open)
	assert.Empty(t, r.Decided)
	assert.False(t, r.WriteEHR)
	assert.False(t, r.WritePMS)
	assert.Equal(t, "cancelled", r.Base.Status)
}

func TestMergeManualFieldsAreOpenAndNotOverwritten(t *testing.T) {
	for _, f := range []apptsync.Field{apptsync.FieldStart, apptsync.FieldDuration, apptsync.FieldProvider} {
		base := baseSnap()
		ehr, pms := base, base
		switch f {
		case apptsync.FieldStart:
			ehr.Start, pms.Start = t0.Add(time.Hour), t0.Add(2*time.Hour)
		case apptsync.FieldDuration:
			ehr.Duration, pms.Duration = 45, 60
		case apptsync.FieldProvider:
			ehr.Provider, pms.Provider = "prac-2", "prac-3"
		}
		ehr.Note = "also a note" // a one-sided change still flows
		r := apptsync.Merge(base, side(ehr, t0), side(pms, t0.Add(time.Minute)))
		require.Len(t, r.Open, 1, f.String())
		assert.Equal(t, f, r.Open[0].Field)
		assert.Equal(t, apptsync.WinnerNone, r.Open[0].Winner)
		assert.True(t, r.EHR.Equal(ehr, f), "EHR keeps its %s", f)
		assert.True(t, r.PMS.Equal(pms, f), "PMS keeps its %s", f)
		assert.True(t, r.Base.Equal(base, f), "base keeps the old %s", f)
		assert.False(t, r.WriteEHR, "nothing to write to the EHR")
		assert.True(t, r.WritePMS, "the note still goes to the PMS")
		assert.Equal(t, "also a note", r.PMS.Note)

		// The conflict stays open on the next merge, and Resolve settles it.
		r2 := apptsync.Merge(r.Base, side(r.EHR, t0), side(r.PMS, t0))
		require.Len(t, r2.Open, 1)
		assert.False(t, apptsync.Resolve(&r2, apptsync.FieldNote, pms), "no open conflict on the note")
		require.True(t, apptsync.Resolve(&r2, f, pms))
		assert.Empty(t, r2.Open)
		assert.True(t, r2.WriteEHR, "the chosen PMS value goes to the EHR")
		assert.False(t, r2.WritePMS)
		assert.True(t, r2.EHR.Equal(pms, f))
		// After both writes the next merge is quiet.
		r3 := apptsync.Merge(r2.Base, side(r2.EHR, t0), side(r2.PMS, t0))
		assert.Empty(t, r3.Open)
		assert.False(t, r3.WriteEHR)
		assert.False(t, r3.WritePMS)
	}
}

func TestMergeStatusPolicy(t *testing.T) {
	base := baseSnap()
	ehr, pms := base, base
	ehr.Status, pms.Status = "noshow", "cancelled"
	r := apptsync.Merge(base, side(ehr, t0), side(pms, t0.Add(time.Hour)))
	require.Len(t, r.Decided, 1, "EHR wins clinical status, and says so")
	assert.Equal(t, apptsync.WinnerEHR, r.Decided[0].Winner)
	assert.Equal(t, "noshow", r.PMS.Status)

	ehr.Status, pms.Status = "cancelled", "arrived"
	r = apptsync.Merge(base, side(ehr, t0), side(pms, t0))
	require.Len(t, r.Open, 1, "a non-clinical EHR status against a PMS arrival is manual")
	assert.Equal(t, "cancelled", r.EHR.Status)
	assert.Equal(t, "arrived", r.PMS.Status)

	// arrived and checked-in are one state for the PMS: no conflict.
	ehr.Status, pms.Status = "checked-in", "arrived"
	r = apptsync.Merge(base, side(ehr, t0), side(pms, t0))
	assert.Empty(t, r.Open)
	assert.Empty(t, r.Decided)
}

func TestMergeNoteLastWriterWins(t *testing.T) {
	base := baseSnap()
	ehr, pms := base, base
	ehr.Note, pms.Note = "from the EHR", "from the PMS"
	r := apptsync.Merge(base, side(ehr, t0), side(pms, t0.Add(time.Second)))
	require.Len(t, r.Decided, 1)
	assert.Equal(t, apptsync.WinnerPMS, r.Decided[0].Winner)
	assert.Equal(t, "from the PMS", r.EHR.Note)
	r = apptsync.Merge(base, side(ehr, t0.Add(time.Second)), side(pms, t0))
	assert.Equal(t, "from the EHR", r.PMS.Note)
	r = apptsync.Merge(base, side(ehr, t0), side(pms, t0))
	assert.Equal(t, "from the EHR", r.PMS.Note, "a tie goes to the EHR, deterministically")
}

func TestFieldText(t *testing.T) {
	for _, f := range apptsync.Fields {
		b, err := f.MarshalText()
		require.NoError(t, err)
		var g apptsync.Field
		require.NoError(t, g.UnmarshalText(b))
		assert.Equal(t, f, g)
	}
	var g apptsync.Field
	assert.ErrorIs(t, g.UnmarshalText([]byte("colour")), apptsync.ErrUnknownField)
}

func TestClassify(t *testing.T) {
	at := t0
	s := apptsync.Seen{Synced: "7", At: at, Written: "8"}
	assert.Equal(t, apptsync.Echo, apptsync.Classify(s, "8", at.Add(time.Second), true))
	assert.Equal(t, apptsync.Change, apptsync.Classify(s, "8", at.Add(time.Second), false), "an unmarked version 8 is someone else's")
	assert.Equal(t, apptsync.Stale, apptsync.Classify(s, "7", at, false))
	assert.Equal(t, apptsync.Stale, apptsync.Classify(s, "6", at.Add(-time.Minute), false))
	assert.Equal(t, apptsync.Change, apptsync.Classify(s, "9", at.Add(time.Minute), true), "a later marked version is not the write we remember")
	assert.Equal(t, apptsync.Change, apptsync.Classify(apptsync.Seen{}, "1", at, false))

	// Opaque FHIR versionIds (UUIDs) order by meta.lastUpdated.
	u := apptsync.Seen{Synced: "a1b2", At: at, Written: "c3d4"}
	assert.Equal(t, apptsync.Echo, apptsync.Classify(u, "c3d4", at, true))
	assert.Equal(t, apptsync.Stale, apptsync.Classify(u, "a1b2", at, false))
	assert.Equal(t, apptsync.Stale, apptsync.Classify(u, "ffff", at.Add(-time.Second), false))
	assert.Equal(t, apptsync.Change, apptsync.Classify(u, "eeee", at.Add(time.Second), false))
}
