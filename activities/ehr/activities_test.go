package ehr_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

// startEHR runs the EHR simulator with its default seed and a FHIR client registered with it.
func startEHR(t *testing.T) (*ehrsim.Server, *ehr.Activities) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	srv, err := ehrsim.Start(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	require.NoError(t, srv.Sim.RegisterClient("careflow-test", key.Public()))
	require.NoError(t, srv.Sim.Seed(ehrsim.DefaultSeed()...))
	c, err := fhir.New(fhir.Config{BaseURL: srv.FHIRBaseURL, TokenURL: srv.TokenURL, ClientID: "careflow-test", PrivateKey: key})
	require.NoError(t, err)
	return srv, &ehr.Activities{FHIR: c, Records: audit.NewMemory()}
}

func execute(t *testing.T, acts *ehr.Activities, name string, in, out any) error {
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

func TestLoadCheckInReadsCoverageAndPayer(t *testing.T) {
	_, acts := startEHR(t)
	var c ehr.CheckInContext
	require.NoError(t, execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-1001"}, &c))
	require.Equal(t, "pat-1001", c.PatientID)
	require.NotEmpty(t, c.PatientFirstName)
	require.NotEmpty(t, c.PatientMobile)
	require.Empty(t, c.PatientLanguage, "pat-1001's chart names no language")
	require.NotNil(t, c.Coverage)
	require.Equal(t, "ACTIVE001", c.Coverage.MemberID)
	require.Equal(t, "SIMPAYER01", c.Coverage.PayerID)
	require.NotEmpty(t, c.Coverage.SubscriberLastName)
	require.NotEmpty(t, c.Coverage.SubscriberBirthDate)

	var none ehr.CheckInContext
	require.NoError(t, execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-2001"}, &none))
	require.Nil(t, none.Coverage, "appt-2001's patient has no coverage on file")
}

func TestLoadCheckInNotFound(t *testing.T) {
	_, acts := startEHR(t)
	for _, id := range []string{"appt-9999", "appt-3001"} {
		var c ehr.CheckInContext
		err := execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: id}, &c)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, id)
		require.Equal(t, ehr.ErrTypeNotFound, appErr.Type(), id)
	}
}

func TestMarkArrivedSurvivesConflictAndEncounterIsIdempotent(t *testing.T) {
	srv, acts := startEHR(t)
	srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpUpdate, Kind: ehrsim.FaultConflict, Count: 2})
	var arrived ehr.MarkArrivedResult
	// A lost If-Match race is transient: Temporal's retry reads the appointment again,
	// re-checks the guards and writes against the new version.
	for attempt := 1; attempt <= 2; attempt++ {
		err := execute(t, acts, ehr.MarkArrivedName, ehr.MarkArrivedInput{AppointmentID: "appt-1001"}, &arrived)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, "attempt %d", attempt)
		require.False(t, appErr.NonRetryable(), "a 412 is retried")
	}
	require.NoError(t, execute(t, acts, ehr.MarkArrivedName, ehr.MarkArrivedInput{AppointmentID: "appt-1001"}, &arrived))
	appt, ok := srv.Sim.Resource("Appointment", "appt-1001")
	require.True(t, ok)
	require.Equal(t, "arrived", appt["status"])
	require.GreaterOrEqual(t, srv.Sim.Stats().Conflicts, 2)

	in := ehr.CreateEncounterInput{AppointmentID: "appt-1001", PatientID: "pat-1001", IdempotencyKey: "checkin:appt-1001/encounter"}
	var first, second ehr.CreateEncounterResult
	require.NoError(t, execute(t, acts, ehr.CreateEncounterName, in, &first))
	require.NoError(t, execute(t, acts, ehr.CreateEncounterName, in, &second))
	require.NotEmpty(t, first.EncounterID)
	require.Equal(t, first.EncounterID, second.EncounterID, "a retried create finds the first Encounter")
	require.Len(t, srv.Sim.Resources("Encounter"), 1)
}

func TestTransientEHRErrorsAreRetryable(t *testing.T) {
	srv, acts := startEHR(t)
	srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpRead, Kind: ehrsim.FaultServerError, Count: 1})
	var c ehr.CheckInContext
	err := execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-1001"}, &c)
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		require.False(t, appErr.NonRetryable(), "a 500 must stay retryable")
	}
	require.NoError(t, execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-1001"}, &c))
}

func TestTokenEndpointDownIsRetryable(t *testing.T) {
	srv, acts := startEHR(t)
	srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpToken, Kind: ehrsim.FaultServerError, Count: 1})
	var c ehr.CheckInContext
	err := execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-1001"}, &c)
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr) && appErr.NonRetryable(), "a token endpoint outage must stay retryable")
	require.NoError(t, execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-1001"}, &c))
	require.Equal(t, "ACTIVE001", c.Coverage.MemberID)
}

func TestLoadCheckInReadsPreferredLanguage(t *testing.T) {
	srv, acts := startEHR(t)
	require.NoError(t, srv.Sim.Seed(ehrsim.LivedInSeed(time.Now())...))
	var c ehr.CheckInContext
	require.NoError(t, execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: ehrsim.ApptLivedInContacts}, &c))
	require.Equal(t, "es", c.PatientLanguage)
}
