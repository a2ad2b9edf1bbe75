package chsim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/careflow/engine/internal/sim/simkit/simkittest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// control sends a JSON control request without credentials.
var control = simkittest.Control

func TestControlAPI(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	base := srv.URL + "/_sim"

	assert.Equal(t, http.StatusBadRequest, control(t, http.MethodPost, base+"/faults", `{"op":"nope","kind":"500"}`, nil))
	assert.Equal(t, http.StatusBadRequest, control(t, http.MethodPost, base+"/faults", `{"op":"*","kind":"500","bogus":1}`, nil))
	assert.Equal(t, http.StatusCreated, control(t, http.MethodPost, base+"/faults",
		`{"op":"realtime","kind":"500","count":1,"memberId":"ACTIVE001"}`, nil))
	var faults []chsim.Fault
	assert.Equal(t, http.StatusOK, control(t, http.MethodGet, base+"/faults", "", &faults))
	require.Len(t, faults, 1)
	assert.Equal(t, chsim.MemberActive, faults[0].MemberID)

	_, err := c.RealTime(context.Background(), request(chsim.MemberActive, "pid-ctl"))
	assert.Equal(t, 500, chError(t, err).HTTPStatus)
	assert.Equal(t, http.StatusCreated, control(t, http.MethodPost, base+"/faults", `{"op":"*","kind":"429"}`, nil))
	assert.Equal(t, http.StatusNoContent, control(t, http.MethodDelete, base+"/faults", "", nil))
	_, err = c.RealTime(context.Background(), request(chsim.MemberActive, "pid-ctl"))
	require.NoError(t, err)

	var st chsim.Stats
	assert.Equal(t, http.StatusOK, control(t, http.MethodGet, base+"/stats", "", &st))
	assert.Equal(t, 1, st.Inquiries)
	assert.Equal(t, map[string]int{chsim.MemberActive: 1}, st.InquiriesByMember)
	assert.Equal(t, 1, st.FaultsTriggered)

	var sc []chsim.Scenario
	assert.Equal(t, http.StatusOK, control(t, http.MethodGet, base+"/scenarios", "", &sc))
	assert.Equal(t, chsim.Scenarios(), sc)
	assert.Equal(t, chsim.MemberActive, sc[0].MemberID)
}
