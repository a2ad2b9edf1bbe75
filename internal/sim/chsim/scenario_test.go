package chsim_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestActiveScenario(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	resp, err := newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberActive, "pid-active"))
	require.NoError(t, err)
	assert.Equal(t, clearinghouse.PayloadType271, resp.PayloadType)
	assert.Equal(t, "pid-active", resp.PayloadID)
	assert.Equal(t, "CHSIM", resp.SenderID, "the clearinghouse answers as the request's receiver")
	assert.Equal(t, "CAREFLOW", resp.ReceiverID)
	assert.Equal(t, "Success", resp.ErrorCode)
	assert.Equal(t, fixedNow, resp.TimeStamp)

	x := readX12(t, resp.Payload)
	checkEnvelope(t, x)
	isa := x.segs[0]
	assert.Equal(t, "CHSIM          ", isa[6], "ISA sender and receiver are swapped")
	assert.Equal(t, "CAREFLOW       ", isa[8])
	assert.Equal(t, "000000101", isa[13], "ISA13 echoes the 270")
	assert.Equal(t, "T", isa[15], "usage indicator echoes the 270")
	assert.Equal(t, "250304", isa[9])
	assert.Equal(t, []string{"GS", "HB", "CHSIM", "CAREFLOW", "20250304", "1506", "101", "X", "005010X279A1"}, x.segs[1])
	assert.Equal(t, []string{"ST", "271", "0001", "005010X279A1"}, x.segs[2])
	for _, want := range []string{
		"BHT*0022*11*REF101*20250304*1506",
		"HL*1**20*1", "NM1*PR*2*ACME HEALTH*****PI*ACME01",
		"HL*2*1*21*1", "NM1*1P*2*SIM CLINIC*****XX*1234567893",
		"HL*3*2*22*0", "TRN*2*TRACE101*9CAREFLOW1",
		"NM1*IL*1*DOE*JANE****MI*ACTIVE001", "DMG*D8*19800102*F", "DTP*346*D8*20250101",
		"EB*1*IND*30*C1*GOLD PPO",
		"EB*B*IND*30*C1**27*25*****Y", "EB*B*IND*98*C1**27*25*****Y",
		"EB*A*IND*30*C1****.2****Y",
		"EB*C*IND*30*C1**23*1500*****Y", "EB*C*IND*30*C1**29*500*****Y",
	} {
		assert.True(t, x.has(want), "271 has %s", want)
	}
	assert.Empty(t, x.find("AAA", ""))
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Inquiries)
	assert.Equal(t, map[string]int{chsim.MemberActive: 1}, st.InquiriesByMember)
}

func TestOtherScenarios(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	cases := []struct {
		member  string
		present []string
		absent  []string // segment IDs with this first element, "ID*first"
	}{
		{chsim.MemberInactive, []string{"EB*6*IND*30*C1*GOLD PPO", "NM1*IL*1*DOE*JANE****MI*INACTIVE01"}, []string{"EB*1", "EB*B", "AAA*"}},
		{chsim.MemberNotFound, []string{"AAA*N**75*C", "TRN*2*TRACE101*9CAREFLOW1"}, []string{"EB*", "DMG*"}},
		{"SOMEONE123", []string{"AAA*N**72*C", "NM1*IL*1*DOE*JANE****MI*SOMEONE123"}, []string{"EB*"}},
		{"active001", []string{"EB*B*IND*98*C1**27*25*****Y"}, []string{"AAA*"}}, // ids are case-insensitive
	}
	for _, tc := range cases {
		t.Run(tc.member, func(t *testing.T) {
			resp, err := c.RealTime(context.Background(), request(tc.member, "pid-"+tc.member))
			require.NoError(t, err)
			x := readX12(t, resp.Payload)
			checkEnvelope(t, x)
			for _, want := range tc.present {
				assert.True(t, x.has(want), "271 has %s", want)
			}
			for _, a := range tc.absent {
				id, first, _ := cut(a)
				assert.Empty(t, x.find(id, first), "271 has no %s", a)
			}
		})
	}
	// AAA comes right after the subscriber's NM1, inside loop 2100C.
	resp, err := c.RealTime(context.Background(), request(chsim.MemberNotFound, "pid-order"))
	require.NoError(t, err)
	x := readX12(t, resp.Payload)
	for i, s := range x.segs {
		if s[0] == "AAA" {
			assert.Equal(t, "NM1*IL*1*DOE*JANE****MI*NOTFOUND01", joined(x.segs[i-1]))
		}
	}
}

// cut splits "ID*first" into its parts.
func cut(s string) (id, first string, ok bool) {
	for i := range len(s) {
		if s[i] == '*' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestMalformedScenario(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	resp, err := newClient(srv, testUser, testPass).RealTime(context.Background(), request(chsim.MemberMalformed, "pid-bad"))
	require.NoError(t, err, "the envelope is fine; the X12 inside is not")
	x := readX12(t, resp.Payload)
	assert.Empty(t, x.find("SE", ""))
	assert.Empty(t, x.find("IEA", ""))
	last := x.segs[len(x.segs)-1]
	assert.Equal(t, []string{"NM1", "PR", ""}, last, "cut off inside the payer name")
}

func TestCustomDelimiters(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	style := x12Style{elem: "|", comp: ">", rep: "!", seg: "~", eol: "\r\n"}
	req := clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: "pid-delims",
		Payload: []byte(make270(chsim.MemberActive, "000000777", "777", style))}
	resp, err := newClient(srv, testUser, testPass).RealTime(context.Background(), req)
	require.NoError(t, err)
	x := readX12(t, resp.Payload)
	assert.Equal(t, byte('|'), x.elem, "answers in the 270's delimiters")
	assert.Equal(t, byte('>'), x.comp)
	assert.Equal(t, byte('!'), x.rep)
	checkEnvelope(t, x)
	assert.True(t, x.has("EB*B*IND*30*C1**27*25*****Y"))
	assert.Equal(t, "000000777", x.segs[0][13])
}

func TestServerErrorScenario(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	for range 2 {
		_, err := c.RealTime(context.Background(), request(chsim.MemberServerError, "pid-500"))
		e := chError(t, err)
		assert.Equal(t, http.StatusInternalServerError, e.HTTPStatus)
		assert.True(t, e.Retryable)
		assert.Equal(t, "Receiver", e.Code)
	}
	st := srv.Sim.Stats()
	assert.Equal(t, 2, st.InquiriesByMember[chsim.MemberServerError], "a failed answer is not replayed")
	assert.Zero(t, st.Replays)
}

func TestSlowScenarioAndRetry(t *testing.T) {
	srv := startSim(t, chsim.Options{SlowDelay: 300 * time.Millisecond})
	c := newClient(srv, testUser, testPass)
	// The client gives up long before the payer answers.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.RealTime(ctx, request(chsim.MemberSlow, "pid-slow"))
	e := chError(t, err)
	assert.Equal(t, clearinghouse.CodeTimeout, e.Code)
	assert.True(t, e.Retryable)

	// The retry with the same PayloadID joins the same inquiry.
	resp, err := c.RealTime(context.Background(), request(chsim.MemberSlow, "pid-slow"))
	require.NoError(t, err)
	assert.True(t, readX12(t, resp.Payload).has("EB*1*IND*30*C1*GOLD PPO"))
	st := srv.Sim.Stats()
	assert.Equal(t, 1, st.Inquiries)
	assert.Equal(t, 1, st.Replays)
}

func TestCloseInterruptsSlowInquiry(t *testing.T) {
	srv, err := chsim.Start(chsim.Options{Username: testUser, Password: testPass, SlowDelay: time.Hour})
	require.NoError(t, err)
	c := newClient(srv, testUser, testPass)
	errc := make(chan error, 1)
	go func() {
		_, err := c.RealTime(context.Background(), request(chsim.MemberSlow, "pid-close"))
		errc <- err
	}()
	require.Eventually(t, func() bool { return srv.Sim.Stats().Inquiries == 1 }, 10*time.Second, 5*time.Millisecond)
	srv.Close()
	e := chError(t, <-errc)
	assert.True(t, e.Retryable, "a payer that went away is worth retrying: %v", e)
}
