package chsim_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryableFaults(t *testing.T) {
	cases := []struct {
		fault  chsim.Fault
		code   string
		status int
	}{
		{chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultServerError, Count: 1}, "Receiver", 500},
		{chsim.Fault{Op: chsim.OpAny, Kind: chsim.FaultUnavailable, Count: 1}, "Receiver", 503},
		{chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultRateLimit, Count: 1}, "HTTP429", 429},
		{chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultCOREError, Count: 1}, "ReceiverUnavailable", 200},
		{chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultCOREError, Count: 1, ErrorCode: "ServerBusy"}, "ServerBusy", 200},
		{chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultTimeout, Count: 1, Delay: time.Millisecond}, "Receiver", 500},
	}
	for _, tc := range cases {
		t.Run(tc.fault.Kind+"-"+tc.code, func(t *testing.T) {
			srv := startSim(t, chsim.Options{})
			c := newClient(srv, testUser, testPass)
			srv.Sim.InjectFault(tc.fault)
			_, err := c.RealTime(context.Background(), request(chsim.MemberActive, "pid-fault"))
			e := chError(t, err)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.status, e.HTTPStatus)
			assert.True(t, e.Retryable)
			assert.Zero(t, srv.Sim.Stats().Inquiries, "the fault hit before the payer")

			_, err = c.RealTime(context.Background(), request(chsim.MemberActive, "pid-fault"))
			require.NoError(t, err, "the fault is used up")
			st := srv.Sim.Stats()
			assert.Equal(t, 1, st.Inquiries)
			assert.Equal(t, 1, st.FaultsTriggered)
			assert.Empty(t, srv.Sim.Faults())
		})
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultRateLimit, Count: 1})
	_, err := newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberActive, "pid-429"))
	assert.Equal(t, time.Second, chError(t, err).RetryAfter)
}

func TestLostAnswerIsReplayed(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultLost, Count: 1})
	_, err := c.RealTime(context.Background(), request(chsim.MemberActive, "pid-lost"))
	assert.True(t, chError(t, err).Retryable)
	assert.Equal(t, 1, srv.Sim.Stats().Inquiries, "the payer answered despite the 500")

	resp, err := c.RealTime(context.Background(), request(chsim.MemberActive, "pid-lost"))
	require.NoError(t, err)
	assert.True(t, readX12(t, resp.Payload).has("EB*1*IND*30*C1*GOLD PPO"))
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Inquiries)
	assert.Equal(t, 1, st.Replays)
}

func TestClientTimeoutFault(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	// The delay far exceeds the client's deadline; Close cuts it short.
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultTimeout, Count: 1, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := newClient(srv, testUser, testPass).RealTime(ctx, request(chsim.MemberActive, "pid-timeout"))
	e := chError(t, err)
	assert.Equal(t, clearinghouse.CodeTimeout, e.Code)
	assert.True(t, e.Retryable)
}

func TestFaultForOneMemberAndCountZero(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpRealTime, Kind: chsim.FaultServerError, MemberID: chsim.MemberInactive})
	for i := range 3 {
		_, err := c.RealTime(context.Background(), request(chsim.MemberInactive, "pid-inactive"))
		assert.Equal(t, 500, chError(t, err).HTTPStatus, "attempt %d", i)
	}
	_, err := c.RealTime(context.Background(), request(chsim.MemberActive, "pid-other"))
	require.NoError(t, err, "other members are unaffected")
	require.Len(t, srv.Sim.Faults(), 1, "count 0 stays until cleared")

	srv.Sim.ClearFaults()
	_, err = c.RealTime(context.Background(), request(chsim.MemberInactive, "pid-inactive"))
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Sim.Stats().FaultsTriggered)
}

func TestSlowFault(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpAny, Kind: chsim.FaultSlow, Count: 1, Delay: time.Millisecond})
	_, err := newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberActive, "pid-slowf"))
	require.NoError(t, err, "slow requests still succeed")
	assert.Equal(t, 1, srv.Sim.Stats().FaultsTriggered)
}

func TestFaultJSON(t *testing.T) {
	var f chsim.Fault
	require.NoError(t, json.Unmarshal([]byte(`{"op":"realtime","kind":"slow","count":2,"delay":"1.5s","memberId":"ACTIVE001"}`), &f))
	assert.Equal(t, chsim.Fault{Op: "realtime", Kind: "slow", Count: 2, Delay: 1500 * time.Millisecond, MemberID: "ACTIVE001"}, f)
	require.NoError(t, json.Unmarshal([]byte(`{"op":"*","kind":"timeout","delay":2000000}`), &f))
	assert.Equal(t, 2*time.Millisecond, f.Delay)
	assert.Error(t, json.Unmarshal([]byte(`{"op":"*","kind":"slow","delay":"soon"}`), &f))

	b, err := json.Marshal(chsim.Fault{Op: "*", Kind: "core-error", Count: 1, Delay: time.Second, ErrorCode: "ServerBusy"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"op":"*","kind":"core-error","count":1,"delay":"1s","errorCode":"ServerBusy"}`, string(b))

	assert.Error(t, chsim.Fault{Op: "nope", Kind: "500"}.Validate())
	assert.Error(t, chsim.Fault{Op: "*", Kind: "explode"}.Validate())
	assert.Error(t, chsim.Fault{Op: "*", Kind: "slow", Delay: -1}.Validate())
	assert.NoError(t, chsim.Fault{Op: "*", Kind: "lost"}.Validate())
}

func TestInvalidFaultNeverMatches(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpRealTime, Kind: "explode"})
	_, err := newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberActive, "pid-x"))
	require.NoError(t, err)
	assert.Zero(t, srv.Sim.Stats().FaultsTriggered)
}
