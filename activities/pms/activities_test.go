package pms_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	pmsact "github.com/careflow/engine/activities/pms"
	"github.com/careflow/engine/clients/pms"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/sim/pmssim"
	"github.com/careflow/engine/internal/vendorrate"
)

func startPMS(t *testing.T) (*pmssim.Server, *pmsact.Activities) {
	t.Helper()
	srv, err := pmssim.Start(pmssim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c, err := pms.New(srv.URL, &http.Client{Timeout: 5 * time.Second})
	require.NoError(t, err)
	return srv, &pmsact.Activities{PMS: c, Records: audit.NewMemory()}
}

func execute(t *testing.T, acts *pmsact.Activities, name string, in, out any) error {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(name, in)
	if err != nil {
		return err
	}
	return v.Get(out)
}

func errType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

func TestReadWriteWithIfMatch(t *testing.T) {
	srv, acts := startPMS(t)
	var got pmsact.AppointmentResult
	require.NoError(t, execute(t, acts, pmsact.ReadAppointmentName, pmsact.ReadInput{ID: "appt-1004", LinkTo: "appointment:x"}, &got))
	assert.Equal(t, 1, got.Appointment.Version)
	wid, err := acts.Records.(audit.Store).LookupCrosswalk(t.Context(), crosswalk.PMSAppointment, "appt-1004")
	require.NoError(t, err)
	assert.Equal(t, "appointment:x", wid)

	a := got.Appointment
	a.Note = "engine"
	var out pmsact.AppointmentResult
	require.NoError(t, execute(t, acts, pmsact.WriteAppointmentName, pmsact.WriteInput{Appointment: a}, &out))
	assert.Equal(t, 2, out.Appointment.Version)
	assert.Equal(t, pms.EngineWriter, out.Appointment.UpdatedBy, "the echo marker")

	// The same stale version again: 412, typed and not retried.
	err = execute(t, acts, pmsact.WriteAppointmentName, pmsact.WriteInput{Appointment: a}, &out)
	require.Error(t, err)
	assert.Equal(t, pmsact.ErrTypeVersionConflict, errType(err))
	cur, _ := srv.Sim.Appointment("appt-1004")
	assert.Equal(t, 2, cur.Version, "nothing overwritten")
}

func TestCreateIsIdempotentByEngineID(t *testing.T) {
	srv, acts := startPMS(t)
	a := pms.Appointment{AppointmentID: "ehr-appt-9", PatientID: "pat-1", ProviderID: "prac-1",
		ScheduledTime: time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute), Duration: 30, Status: pms.StatusConfirmed}
	var first, second pmsact.AppointmentResult
	require.NoError(t, execute(t, acts, pmsact.CreateAppointmentName, pmsact.CreateInput{Appointment: a}, &first))
	require.NoError(t, execute(t, acts, pmsact.CreateAppointmentName, pmsact.CreateInput{Appointment: a}, &second))
	assert.Equal(t, first.Appointment.Version, second.Appointment.Version)
	assert.Len(t, srv.Sim.History("ehr-appt-9"), 1, "a retried create makes no second appointment")
}

func TestErrorsAreClassified(t *testing.T) {
	srv, acts := startPMS(t)
	var out pmsact.AppointmentResult
	err := execute(t, acts, pmsact.ReadAppointmentName, pmsact.ReadInput{ID: "nope"}, &out)
	assert.Equal(t, pmsact.ErrTypeNotFound, errType(err))

	srv.Sim.InjectFault(pmssim.Fault{Op: "get", Kind: "503", Count: 1})
	err = execute(t, acts, pmsact.ReadAppointmentName, pmsact.ReadInput{ID: "appt-1001"}, &out)
	require.Error(t, err)
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		assert.False(t, ae.NonRetryable(), "a 5xx is left to Temporal's retry")
	}

	var page pmsact.ListResult
	require.NoError(t, execute(t, acts, pmsact.ListChangesName, pmsact.ListInput{}, &page))
	assert.NotEmpty(t, page.Appointments)
}

// countingPMS counts the reads that reached the PMS.
type countingPMS struct {
	pmsact.Client
	gets int
}

func (c *countingPMS) Get(ctx context.Context, id string) (pms.Appointment, error) {
	c.gets++
	return c.Client.Get(ctx, id)
}

func TestLocalReadOverTheVendorRateIsDeferredBeforeTheCall(t *testing.T) {
	_, acts := startPMS(t)
	c := &countingPMS{Client: acts.PMS}
	acts.PMS, acts.Limit = c, vendorrate.New(1)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	_, err := env.ExecuteLocalActivity(acts.ReadPMSAppointment, pmsact.ReadInput{ID: "appt-1004"})
	require.NoError(t, err)
	_, err = env.ExecuteLocalActivity(acts.ReadPMSAppointment, pmsact.ReadInput{ID: "appt-1004"})
	assert.Equal(t, vendorrate.ErrTypeDeferred, errType(err), "the second call in the same second waits for no turn locally")
	assert.Equal(t, 1, c.gets, "the deferred call never reached the PMS")
}
