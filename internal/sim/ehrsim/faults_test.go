package ehrsim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInjected412ThenReReadSucceeds exercises the re-read-and-retry loop a client needs for 412.
func TestInjected412ThenReReadSucceeds(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpUpdate, Kind: ehrsim.FaultConflict, Count: 2})

	for attempt := 1; ; attempt++ {
		require.LessOrEqual(t, attempt, 3, "the fault should be used up after two conflicts")
		rep := f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil)
		rep.body["status"] = "arrived"
		up := f.do(t, "PUT", "/fhir/Appointment/appt-1001", tok, rep.body, "If-Match", rep.header.Get("ETag"))
		if up.status == http.StatusOK {
			assert.Equal(t, 3, attempt)
			break
		}
		assert.Equal(t, http.StatusPreconditionFailed, up.status)
		assert.Equal(t, "conflict", issueCode(t, up))
	}
	assert.Len(t, f.srv.Sim.History("Appointment", "appt-1001"), 2, "injected conflicts store nothing")
	st := f.srv.Sim.Stats()
	assert.Equal(t, 2, st.Conflicts)
	assert.Equal(t, 2, st.FaultsTriggered)
	assert.Equal(t, 1, st.Updates)
	assert.Empty(t, f.srv.Sim.Faults())
}

// TestWildcard412WaitsForAnUpdate checks that a "*" conflict fault skips reads.
func TestWildcard412WaitsForAnUpdate(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpAny, Kind: ehrsim.FaultConflict, Count: 1})
	rep := f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil)
	require.Equal(t, http.StatusOK, rep.status)
	up := f.do(t, "PUT", "/fhir/Appointment/appt-1001", tok, rep.body, "If-Match", rep.header.Get("ETag"))
	assert.Equal(t, http.StatusPreconditionFailed, up.status)
}

// TestServerErrorAndRateLimitFaults checks that 500 and 429 faults execute nothing and are used up.
func TestServerErrorAndRateLimitFaults(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpRead, Kind: ehrsim.FaultServerError, Count: 1})
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpSearch, Kind: ehrsim.FaultRateLimit, Count: 1})

	rep := f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil)
	assert.Equal(t, http.StatusInternalServerError, rep.status)
	assert.Equal(t, "exception", issueCode(t, rep))
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil).status)

	rep = f.do(t, "GET", "/fhir/Coverage?patient=pat-1001", tok, nil)
	assert.Equal(t, http.StatusTooManyRequests, rep.status)
	assert.Equal(t, "throttled", issueCode(t, rep))
	assert.Equal(t, "1", rep.header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/fhir/Coverage?patient=pat-1001", tok, nil).status)

	st := f.srv.Sim.Stats()
	assert.Equal(t, 2, st.FaultsTriggered)
	assert.Equal(t, 1, st.Reads)
	assert.Equal(t, 1, st.Searches)
}

// TestFaultsDoNotHideAuthentication checks that faults apply only after authentication.
func TestFaultsDoNotHideAuthentication(t *testing.T) {
	f := start(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpRead, Kind: ehrsim.FaultServerError, Count: 1})
	assert.Equal(t, http.StatusUnauthorized, f.do(t, "GET", "/fhir/Patient/pat-1001", "", nil).status)
	assert.Len(t, f.srv.Sim.Faults(), 1, "an unauthenticated request does not use the fault")
}

// TestTokenEndpointFaults checks token faults and that they leave the jti unused.
func TestTokenEndpointFaults(t *testing.T) {
	f := start(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpToken, Kind: ehrsim.FaultServerError, Count: 1})
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpToken, Kind: ehrsim.FaultRateLimit, Count: 1})
	a := f.assertion(t, rsaClient, f.claims(rsaClient))
	assert.Equal(t, http.StatusInternalServerError, f.requestToken(t, a, allScopes).status)
	assert.Equal(t, http.StatusTooManyRequests, f.requestToken(t, a, allScopes).status)
	// The faulted attempts never consumed the jti, so the retry succeeds.
	res := f.requestToken(t, a, allScopes)
	assert.Equal(t, http.StatusOK, res.status, res.body)
	assert.Equal(t, 1, f.srv.Sim.Stats().TokensIssued)
}

// TestUnauthorizedFaultForcesRefresh simulates a token the server stopped honouring.
func TestUnauthorizedFaultForcesRefresh(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpAny, Kind: ehrsim.FaultUnauthorized, Count: 1})
	rep := f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil)
	assert.Equal(t, http.StatusUnauthorized, rep.status)
	assert.Equal(t, "security", issueCode(t, rep))
	assert.Equal(t, http.StatusOK, f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil).status)
}

// TestSlowFaultDelaysThenAnswers checks slow answers and a client timing out on them.
func TestSlowFaultDelaysThenAnswers(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpRead, Kind: ehrsim.FaultSlow, Count: 1, Delay: 50 * time.Millisecond})
	rep := f.do(t, "GET", "/fhir/Patient/pat-1001", tok, nil)
	assert.Equal(t, http.StatusOK, rep.status)
	assert.Equal(t, 1, f.srv.Sim.Stats().FaultsTriggered)

	// A client that gives up first sees a timeout, not an answer.
	f.srv.Sim.InjectFault(ehrsim.Fault{Op: ehrsim.OpRead, Kind: ehrsim.FaultSlow, Count: 1, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", f.srv.FHIRBaseURL+"/Patient/pat-1001", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err = httpClient.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestFaultValidate covers fault validation.
func TestFaultValidate(t *testing.T) {
	assert.NoError(t, ehrsim.Fault{Op: "update", Kind: "412"}.Validate())
	assert.Error(t, ehrsim.Fault{Op: "read", Kind: "412"}.Validate())
	assert.Error(t, ehrsim.Fault{Op: "delete", Kind: "500"}.Validate())
	assert.Error(t, ehrsim.Fault{Op: "read", Kind: "418"}.Validate())
	assert.Error(t, ehrsim.Fault{Op: "read", Kind: "slow", Delay: -1}.Validate())
}

// TestControlRoutes drives the /_sim control API as another process would.
func TestControlRoutes(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	rep := f.do(t, "POST", "/_sim/faults", "", `{"op":"create","kind":"500","count":1,"delay":"10ms"}`)
	require.Equal(t, http.StatusCreated, rep.status, string(rep.raw))
	assert.Equal(t, "10ms", rep.body["delay"])
	assert.Equal(t, http.StatusBadRequest, f.do(t, "POST", "/_sim/faults", "", `{"op":"read","kind":"412"}`).status)

	list := f.do(t, "GET", "/_sim/faults", "", nil)
	var faults []ehrsim.Fault
	require.NoError(t, json.Unmarshal(list.raw, &faults))
	require.Len(t, faults, 1)
	assert.Equal(t, ehrsim.Fault{Op: "create", Kind: "500", Count: 1, Delay: 10 * time.Millisecond}, faults[0])
	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/_sim/faults", "", nil).status)
	assert.Empty(t, f.srv.Sim.Faults())

	put := f.do(t, "PUT", "/_sim/resources/Patient/pat-9", "",
		`{"resourceType":"Patient","id":"pat-9","name":[{"family":"Testpatient"}]}`)
	require.Equal(t, http.StatusOK, put.status, string(put.raw))
	got := f.do(t, "GET", "/_sim/resources/Patient/pat-9", "", nil)
	assert.Equal(t, "1", got.body["meta"].(map[string]any)["versionId"])
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/_sim/resources/Patient/nope", "", nil).status)
	assert.Equal(t, http.StatusBadRequest,
		f.do(t, "PUT", "/_sim/resources/Patient/pat-9", "", `{"resourceType":"Coverage"}`).status)

	f.do(t, "GET", "/fhir/Patient/pat-9", tok, nil)
	stats := f.do(t, "GET", "/_sim/stats", "", nil)
	assert.EqualValues(t, 1, stats.body["readsByType"].(map[string]any)["Patient"])
	assert.EqualValues(t, 1, stats.body["tokensIssued"])

	assert.Equal(t, http.StatusNoContent, f.do(t, "DELETE", "/_sim/tokens", "", nil).status)
	assert.Equal(t, http.StatusUnauthorized, f.do(t, "GET", "/fhir/Patient/pat-9", tok, nil).status)
}
