package chsim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepeatedPayloadIDIsReplayed(t *testing.T) {
	clock := fixedNow
	var mu sync.Mutex
	srv := startSim(t, chsim.Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Minute) // every answer would differ if rebuilt
		return clock
	}})
	c := newClient(srv, testUser, testPass)
	first, err := c.RealTime(context.Background(), request(chsim.MemberActive, "checkin-a1-eligibility"))
	require.NoError(t, err)

	// The retry's 270 differs (new control numbers), as a rebuilt one would.
	retry := clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270,
		PayloadID: "checkin-a1-eligibility", Payload: []byte(make270(chsim.MemberActive, "000000999", "999", standard))}
	second, err := c.RealTime(context.Background(), retry)
	require.NoError(t, err)
	assert.Equal(t, first.Payload, second.Payload, "the same answer, not a new one")
	assert.Equal(t, first.TimeStamp, second.TimeStamp)

	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Inquiries)
	assert.Equal(t, 1, st.InquiriesByMember[chsim.MemberActive])
	assert.Equal(t, 1, st.Replays)

	// A new PayloadID is a new inquiry.
	third, err := c.RealTime(context.Background(), request(chsim.MemberActive, "checkin-a2-eligibility"))
	require.NoError(t, err)
	assert.NotEqual(t, first.TimeStamp, third.TimeStamp)
	assert.Equal(t, 2, srv.Sim.Stats().InquiriesByMember[chsim.MemberActive])
}

func TestConcurrentDuplicatesShareOneInquiry(t *testing.T) {
	srv := startSim(t, chsim.Options{SlowDelay: 50 * time.Millisecond})
	c := newClient(srv, testUser, testPass)
	const n = 8
	payloads := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := c.RealTime(context.Background(), request(chsim.MemberSlow, "pid-burst"))
			if assert.NoError(t, err) {
				payloads[i] = resp.Payload
			}
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		assert.Equal(t, payloads[0], payloads[i])
	}
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Inquiries)
	assert.Equal(t, n-1, st.Replays)
}

func TestPayloadIDsAreScopedBySender(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	other := clearinghouse.New(clearinghouse.Config{BaseURL: srv.BaseURL(), Username: testUser, Password: testPass,
		SenderID: "OTHERCLINIC", ReceiverID: "CHSIM"})
	_, err := newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberActive, "same-id"))
	require.NoError(t, err)
	_, err = other.RealTime(context.Background(), request(chsim.MemberActive, "same-id"))
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Sim.Stats().Inquiries)
}
