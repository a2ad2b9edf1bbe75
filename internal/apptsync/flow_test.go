package apptsync_test

import (
	"testing"

	"github.com/careflow/engine/internal/apptsync"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pmsSide converts a PMS status into the snapshot vocabulary, as the
// activity building the PMS side will: through FHIRStatusFor with the base.
func pmsSide(t *testing.T, base apptsync.Snapshot, pmsStatus string) apptsync.Snapshot {
	t.Helper()
	s := base
	st, err := apptsync.FHIRStatusFor(pmsStatus, base.Status)
	require.NoError(t, err)
	s.Status = st
	return s
}

// TestCheckInFlowsToPMSWithoutRegression walks issue #10's check-in case:
// the EHR's arrived reaches the PMS as checked-in, the PMS's own
// in-progress is no change, and the EHR's fulfilled completes it.
func TestCheckInFlowsToPMSWithoutRegression(t *testing.T) {
	base := baseSnap()
	pmsStatus := "confirmed"

	ehr := base
	ehr.Status = "arrived"
	r := apptsync.Merge(base, side(ehr, t0), side(pmsSide(t, base, pmsStatus), t0))
	require.True(t, r.WritePMS)
	assert.False(t, r.WriteEHR)
	next, err := apptsync.PMSStatusFor(r.PMS.Status, pmsStatus)
	require.NoError(t, err)
	assert.Equal(t, "checked-in", next)
	base, pmsStatus = r.Base, next

	// The clinic starts the visit in the PMS: arrived in FHIR terms, no write.
	pmsStatus = "in-progress"
	r = apptsync.Merge(base, side(ehr, t0), side(pmsSide(t, base, pmsStatus), t0))
	assert.False(t, r.WriteEHR)
	assert.False(t, r.WritePMS, "in-progress is not pulled back to checked-in")

	ehr.Status = "fulfilled"
	r = apptsync.Merge(base, side(ehr, t0), side(pmsSide(t, base, pmsStatus), t0))
	require.True(t, r.WritePMS)
	next, err = apptsync.PMSStatusFor(r.PMS.Status, pmsStatus)
	require.NoError(t, err)
	assert.Equal(t, "completed", next)
}

// TestCancellationEitherSide: a cancellation on one side reaches the other.
func TestCancellationEitherSide(t *testing.T) {
	base := baseSnap()
	r := apptsync.Merge(base, side(base, t0), side(pmsSide(t, base, "cancelled"), t0))
	assert.True(t, r.WriteEHR)
	assert.Equal(t, "cancelled", r.EHR.Status)

	ehr := base
	ehr.Status = "cancelled"
	r = apptsync.Merge(base, side(ehr, t0), side(pmsSide(t, base, "scheduled"), t0))
	assert.True(t, r.WritePMS)
	got, err := apptsync.PMSStatusFor(r.PMS.Status, "scheduled")
	require.NoError(t, err)
	assert.Equal(t, "cancelled", got)
}
