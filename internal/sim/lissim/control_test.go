package lissim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call makes one control request and decodes a JSON answer into out (when not nil).
func call(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := (&http.Client{Timeout: waitFor}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil && len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return resp.StatusCode
}

func TestControlRoutes(t *testing.T) {
	eng := startEngine(t, nil)
	srv := startSim(t, fastOptions(""))
	base := srv.ControlURL + "/_sim"

	var scenarios []ScenarioInfo
	require.Equal(t, http.StatusOK, call(t, "GET", base+"/scenarios", "", &scenarios))
	assert.Len(t, scenarios, len(allScenarios))

	assert.Equal(t, http.StatusBadRequest, call(t, "POST", base+"/faults", `{"ack":"maybe"}`, nil))
	assert.Equal(t, http.StatusBadRequest, call(t, "POST", base+"/faults", `{"nope":1}`, nil))
	assert.Equal(t, http.StatusCreated, call(t, "POST", base+"/faults", `{"ack":"AE","count":1}`, nil))
	var faults []Fault
	require.Equal(t, http.StatusOK, call(t, "GET", base+"/faults", "", &faults))
	assert.Equal(t, []Fault{{Ack: FaultAE, Count: 1}}, faults)
	c := newClient(t, srv.Addr, 5*time.Second)
	assert.Equal(t, hl7.AckError, sendORM(t, c, "ORD-C1", LOINCGlucose).Code)
	assert.Equal(t, http.StatusCreated, call(t, "POST", base+"/faults", `{"ack":"AR"}`, nil))
	assert.Equal(t, http.StatusNoContent, call(t, "DELETE", base+"/faults", "", nil))
	assert.Empty(t, srv.Sim.Faults())

	// Without an engine address results cannot go anywhere: 409.
	assert.Equal(t, http.StatusConflict, call(t, "POST", base+"/results", `{"placerOrderNumber":"ORD-C2"}`, nil))
	assert.Equal(t, http.StatusBadRequest, call(t, "POST", base+"/results", `{"placerOrderNumber":"ORD-C2","scenario":"x"}`, nil))
	assert.Equal(t, http.StatusBadRequest, call(t, "POST", base+"/results", `{}`, nil))

	require.Equal(t, http.StatusOK, call(t, "PUT", base+"/engine", `{"addr":"`+eng.Addr+`"}`, nil))
	assert.Equal(t, eng.Addr, srv.Sim.EngineAddr())
	var res struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	require.Equal(t, http.StatusOK, call(t, "POST", base+"/results", `{"placerOrderNumber":"ORD-C2","scenario":"duplicate"}`, &res))
	require.Len(t, res.Deliveries, 2)
	assert.Equal(t, "AA", res.Deliveries[1].AckCode)
	assert.Len(t, eng.received(), 2)

	var st Stats
	require.Equal(t, http.StatusOK, call(t, "GET", base+"/stats", "", &st))
	assert.Equal(t, 2, st.ResultsSent)
	assert.Equal(t, 1, st.AcksSent["AE"])
	var orders []OrderView
	require.Equal(t, http.StatusOK, call(t, "GET", base+"/orders", "", &orders))
	require.Len(t, orders, 1)
	assert.Equal(t, "ORD-C1", orders[0].PlacerOrderNumber)
	assert.Equal(t, []string{"AE"}, orders[0].AckCodes)
}
