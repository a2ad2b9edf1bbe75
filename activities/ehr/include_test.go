package ehr_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/ehrsim/ehrsimtest"
)

// countingEHR is the EHR simulator behind a front that counts FHIR requests and, when
// dropInclude is set, removes _include from every query, as a server that ignores it.
type countingEHR struct {
	sim  *ehrsim.Sim
	acts *ehr.Activities
	mu   sync.Mutex
	reqs []string
}

func (c *countingEHR) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.reqs
	c.reqs = nil
	return out
}

func startCountingEHR(t *testing.T, now time.Time, dropInclude bool) *countingEHR {
	t.Helper()
	key, _ := ehrsimtest.Keys()
	sim, err := ehrsim.New(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	require.NoError(t, sim.RegisterClient("careflow-test", key.Public()))
	require.NoError(t, sim.Seed(ehrsim.DefaultSeed()...))
	require.NoError(t, sim.Seed(ehrsim.LivedInSeed(now)...))
	c := &countingEHR{sim: sim}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/fhir/") {
			if dropInclude {
				q := r.URL.Query()
				q.Del("_include")
				r.URL.RawQuery = q.Encode()
			}
			c.mu.Lock()
			c.reqs = append(c.reqs, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/fhir/"))
			c.mu.Unlock()
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	fc, err := fhir.New(fhir.Config{BaseURL: srv.URL + "/fhir", TokenURL: srv.URL + "/auth/token", ClientID: "careflow-test", PrivateKey: key})
	require.NoError(t, err)
	c.acts = &ehr.Activities{FHIR: fc, Records: audit.NewMemory(), Now: func() time.Time { return now },
		Payers: ehr.PayerCrosswalk{IDSystem: ehrsim.PayerIDSystem}}
	return c
}

// TestLoadCheckInReadsInTwoRequests: the appointment is read, then one Coverage search brings
// the coverages with the patient, their payers and subscribers included, where reading them one
// by one took five requests or more (Appointment, Patient, Coverage search, then an Organization
// and a subscriber per chosen coverage).
func TestLoadCheckInReadsInTwoRequests(t *testing.T) {
	e := startCountingEHR(t, time.Now(), false)
	for _, appt := range []string{"appt-1001", ehrsim.ApptDependent, ehrsim.ApptSecondary} {
		var c ehr.CheckInContext
		require.NoError(t, execute(t, e.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: appt}, &c))
		require.NotNil(t, c.Coverage, appt)
		require.Empty(t, c.Coverage.Problem, appt)
		require.Equal(t, []string{"GET Appointment/" + appt, "GET Coverage"}, e.requests(), appt)
	}
	// Without coverage nothing brings the patient along: it is read.
	var c ehr.CheckInContext
	require.NoError(t, execute(t, e.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-2001"}, &c))
	require.Equal(t, []string{"GET Appointment/appt-2001", "GET Coverage", "GET Patient/pat-2001"}, e.requests())
}

// TestLoadCheckInWithoutIncludeGivesTheSameContext: an EHR that ignores _include (FHIR allows
// it) gives the same CheckInContext through plain reads of whatever was not included.
func TestLoadCheckInWithoutIncludeGivesTheSameContext(t *testing.T) {
	now := time.Now()
	with := startCountingEHR(t, now, false)
	without := startCountingEHR(t, now, true)
	// Subscriber gone and payer Organization gone: the problems and fallbacks must match too.
	for _, e := range []*countingEHR{with, without} {
		cv, _ := e.sim.Resource("Coverage", "cov-4004")
		delete(cv, "meta")
		cv["subscriber"] = map[string]any{"reference": "Patient/pat-gone"}
		require.NoError(t, e.sim.Seed(cv))
		cv, _ = e.sim.Resource("Coverage", "cov-1004")
		delete(cv, "meta")
		cv["payor"] = []any{map[string]any{"reference": "Organization/org-gone", "display": "Gone Health"}}
		require.NoError(t, e.sim.Seed(cv))
	}
	for _, appt := range []string{"appt-1001", "appt-1004", "appt-2001", ehrsim.ApptTwoCoverages, ehrsim.ApptDependent,
		ehrsim.ApptSecondary, ehrsim.ApptLivedInContacts} {
		var a, b ehr.CheckInContext
		require.NoError(t, execute(t, with.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: appt}, &a))
		require.NoError(t, execute(t, without.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: appt}, &b))
		require.Equal(t, a, b, appt)
		withReqs, withoutReqs := with.requests(), without.requests()
		if a.Coverage != nil {
			require.Less(t, len(withReqs), len(withoutReqs), "%s: %v vs %v", appt, withReqs, withoutReqs)
		}
		require.Contains(t, withoutReqs, "GET Patient/"+a.PatientID, appt)
	}
	var dep ehr.CheckInContext
	require.NoError(t, execute(t, without.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: ehrsim.ApptDependent}, &dep))
	require.Equal(t, ehr.ProblemSubscriberUnreadable, dep.Coverage.Problem)
	var gone ehr.CheckInContext
	require.NoError(t, execute(t, without.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: "appt-1004"}, &gone))
	require.Equal(t, "Gone Health", gone.Coverage.PayerName, "a missing Organization leaves the reference's display")

	for _, e := range []*countingEHR{with, without} {
		for _, id := range []string{"appt-9999", "appt-3001"} {
			var c ehr.CheckInContext
			err := execute(t, e.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: id}, &c)
			requireNotFound(t, err, id)
		}
	}
}

// TestLoadCheckInWhenTheServerRefusesInclude: a strict server answering _include with 400 is
// asked again without it, and the rest is read.
func TestLoadCheckInWhenTheServerRefusesInclude(t *testing.T) {
	e := startCountingEHR(t, time.Now(), false)
	strict := *e.acts
	strict.FHIR = refusingInclude{e.acts.FHIR}
	var a, b ehr.CheckInContext
	require.NoError(t, execute(t, e.acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: ehrsim.ApptSecondary}, &a))
	require.NoError(t, execute(t, &strict, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: ehrsim.ApptSecondary}, &b))
	require.Equal(t, a, b)
}

// refusingInclude is an EHR that answers any search with _include 400, as a strict server
// that does not support it.
type refusingInclude struct{ ehr.FHIR }

func (r refusingInclude) SearchIncluding(ctx context.Context, resourceType string, q url.Values) (fhir.SearchResult, error) {
	if q.Has("_include") {
		return fhir.SearchResult{}, &fhir.Error{Op: "search", ResourceType: resourceType, Status: http.StatusBadRequest, Code: "not-supported"}
	}
	return r.FHIR.SearchIncluding(ctx, resourceType, q)
}

func requireNotFound(t *testing.T, err error, msg string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr, msg)
	require.Equal(t, ehr.ErrTypeNotFound, appErr.Type(), msg)
}
