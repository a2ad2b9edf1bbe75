package pmssim_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedIsLivedIn(t *testing.T) {
	srv, c := start(t, pmssim.Options{})
	ctx := context.Background()
	cancelled, err := c.Get(ctx, "appt-1002")
	require.NoError(t, err)
	assert.Equal(t, pms.StatusCancelled, cancelled.Status)
	assert.NotEmpty(t, cancelled.Note)

	moved, err := c.Get(ctx, "appt-1003")
	require.NoError(t, err)
	assert.Equal(t, 3, moved.Version)
	h := srv.Sim.History("appt-1003")
	require.Len(t, h, 3)
	assert.NotEqual(t, h[0].ScheduledTime, h[1].ScheduledTime)
	assert.NotEqual(t, h[1].ScheduledTime, h[2].ScheduledTime)

	noted, err := c.Get(ctx, "appt-1004")
	require.NoError(t, err)
	assert.Contains(t, noted.Note, "Interpreter")
	assert.True(t, noted.UpdatedAt.Before(time.Now()), "seed changes lie in the past")
	assert.Empty(t, srv.Sim.Webhooks(), "the seed fires no webhooks")
}

func TestClientUpdateWithIfMatchAndConflict(t *testing.T) {
	_, c := start(t, pmssim.Options{})
	ctx := context.Background()
	a, err := c.Get(ctx, "appt-1001")
	require.NoError(t, err)
	a.Note = "bring referral"
	up, err := c.Update(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, a.Version+1, up.Version)
	assert.Equal(t, pms.EngineWriter, up.UpdatedBy, "the engine's marker is stored")
	assert.True(t, up.UpdatedAt.After(a.UpdatedAt))

	a.Note = "stale write"
	_, err = c.Update(ctx, a) // a.Version is now stale
	require.Error(t, err)
	assert.True(t, errors.Is(err, pms.ErrConflict))
	var pe *pms.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 412, pe.HTTPStatus)
	assert.Equal(t, up.Version, pe.CurrentVersion)
	assert.False(t, pe.Retryable())
	assert.NotContains(t, err.Error(), "stale write", "no content in error text")

	cur, err := c.Get(ctx, "appt-1001")
	require.NoError(t, err)
	assert.Equal(t, "bring referral", cur.Note, "a 412 changes nothing")
}

func TestClientCreateAndNotFound(t *testing.T) {
	_, c := start(t, pmssim.Options{Empty: true})
	ctx := context.Background()
	a := pms.Appointment{PatientID: "pms-pat-9", ProviderID: "pms-prov-1", ScheduledTime: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC),
		Duration: 30, AppointmentType: "follow-up", Status: pms.StatusScheduled, Department: "cardiology"}
	created, err := c.Create(ctx, a)
	require.NoError(t, err)
	assert.NotEmpty(t, created.AppointmentID)
	assert.Equal(t, 1, created.Version)
	assert.Equal(t, pms.EngineWriter, created.UpdatedBy)

	_, err = c.Get(ctx, "appt-missing")
	assert.True(t, errors.Is(err, pms.ErrNotFound))
	_, err = c.Update(ctx, pms.Appointment{AppointmentID: "appt-missing", PatientID: "p", ProviderID: "d", ScheduledTime: a.ScheduledTime, Duration: 5, Status: "scheduled", Version: 1})
	assert.True(t, errors.Is(err, pms.ErrNotFound))

	dup := created
	_, err = c.Create(ctx, dup)
	assert.True(t, errors.Is(err, pms.ErrPermanent), "409 on an existing id is permanent")

	bad := a
	bad.Status = "arrived"
	_, err = c.Create(ctx, bad)
	assert.True(t, errors.Is(err, pms.ErrPermanent))
}

func TestClientListPagesWithoutSkipping(t *testing.T) {
	srv, c := start(t, pmssim.Options{})
	ctx := context.Background()
	seen := map[string]int{}
	p, err := c.List(ctx, pms.ListOptions{Limit: 2})
	require.NoError(t, err)
	require.Len(t, p.Appointments, 2)
	for _, a := range p.Appointments {
		seen[a.AppointmentID]++
	}
	// A human edits an appointment of a later page between page reads: it
	// moves to the end of the feed, still after the cursor.
	note := "moved up the list"
	_, err = srv.Sim.Edit("appt-1006", pmssim.Edit{Note: &note})
	require.NoError(t, err)
	for p.NextCursor != "" {
		p, err = c.List(ctx, pms.ListOptions{Limit: 2, Cursor: p.NextCursor})
		require.NoError(t, err)
		for _, a := range p.Appointments {
			seen[a.AppointmentID]++
		}
	}
	assert.Len(t, seen, 6, "every appointment listed")

	// The watermark lists only what changed since it, inclusively.
	edited, _ := srv.Sim.Appointment("appt-1006")
	p, err = c.List(ctx, pms.ListOptions{UpdatedSince: edited.UpdatedAt})
	require.NoError(t, err)
	require.Len(t, p.Appointments, 1)
	assert.Equal(t, "appt-1006", p.Appointments[0].AppointmentID)
	assert.Empty(t, p.NextCursor)
}

func TestClientFaultsAreClassified(t *testing.T) {
	srv, c := start(t, pmssim.Options{})
	ctx := context.Background()

	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpGet, Kind: pmssim.FaultServerError, Count: 1})
	_, err := c.Get(ctx, "appt-1001")
	assert.True(t, errors.Is(err, pms.ErrTransient), "5xx is transient")
	assert.True(t, pms.IsTransient(err))
	_, err = c.Get(ctx, "appt-1001")
	assert.NoError(t, err, "the fault was used up")

	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpList, Kind: pmssim.FaultUnavailable, Count: 1})
	_, err = c.List(ctx, pms.ListOptions{})
	assert.True(t, errors.Is(err, pms.ErrTransient))

	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpCreate, Kind: pmssim.FaultRateLimit, Count: 1})
	_, err = c.Create(ctx, pms.Appointment{PatientID: "p", ProviderID: "d", ScheduledTime: time.Now(), Duration: 10, Status: pms.StatusScheduled})
	assert.True(t, errors.Is(err, pms.ErrTransient), "429 is transient")

	a, err := c.Get(ctx, "appt-1001")
	require.NoError(t, err)
	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpUpdate, Kind: pmssim.FaultStale, Count: 1})
	_, err = c.Update(ctx, a)
	assert.True(t, errors.Is(err, pms.ErrConflict), "injected 412")
	_, err = c.Update(ctx, a)
	assert.NoError(t, err, "the retry with the same version passes once the fault is gone")

	srv.Sim.InjectFault(pmssim.Fault{Op: pmssim.OpGet, Kind: pmssim.FaultSlow, Delay: 2 * time.Second, Count: 1})
	short, err := pms.New(srv.URL, &http.Client{Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	_, err = short.Get(ctx, "appt-1001")
	assert.True(t, errors.Is(err, pms.ErrTransient), "a timeout is transient")
	assert.Equal(t, 5, srv.Sim.Stats().FaultsTriggered)
	assert.Equal(t, 0, srv.Sim.Stats().Creates, "a faulted create stores nothing")
}

func TestClientNetworkFailureIsTransient(t *testing.T) {
	srv, c := start(t, pmssim.Options{})
	srv.Close() // the port now refuses connections
	_, err := c.Get(context.Background(), "appt-1001")
	require.Error(t, err)
	assert.True(t, errors.Is(err, pms.ErrTransient))
	assert.NotContains(t, err.Error(), "pms-pat", "no PHI in the error text")
}
