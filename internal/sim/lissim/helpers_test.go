package lissim

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/transport/mllp"
	"github.com/stretchr/testify/require"
)

// waitFor bounds every eventual condition in these tests; it is a ceiling
// for slow machines, not a timing assertion.
const waitFor = 10 * time.Second

// fastOptions are Options with short delays, so scenarios finish quickly.
func fastOptions(engineAddr string) Options {
	return Options{
		EngineAddr:   engineAddr,
		ResultDelay:  10 * time.Millisecond,
		SlowAckDelay: 200 * time.Millisecond,
		AckTimeout:   500 * time.Millisecond,
		MaxAttempts:  4,
		RetryBackoff: 10 * time.Millisecond,
	}
}

// startSim starts a simulator that is closed when the test ends.
func startSim(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// fakeEngine is an MLLP listener standing in for the engine: it records
// every message and answers with the code reply chooses ("" = no ACK).
type fakeEngine struct {
	Addr string

	mu    sync.Mutex
	raws  [][]byte
	reply func(n int, m *hl7.Message) string
}

// startEngine starts a fake engine that ACKs AA unless reply says otherwise.
func startEngine(t *testing.T, reply func(n int, m *hl7.Message) string) *fakeEngine {
	t.Helper()
	if reply == nil {
		reply = func(int, *hl7.Message) string { return hl7.AckAccept }
	}
	e := &fakeEngine{reply: reply}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.Addr = ln.Addr().String()
	srv := &mllp.Server{Handler: mllp.HandlerFunc(e.handle)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return e
}

func (e *fakeEngine) handle(_ context.Context, msg []byte, _ string) []byte {
	e.mu.Lock()
	e.raws = append(e.raws, msg)
	n := len(e.raws)
	e.mu.Unlock()
	m, err := hl7.Parse(msg)
	if err != nil {
		ack, _ := hl7.BuildACK(nil, hl7.AckReject, hl7.ErrCodeSegmentSequence, "unparsable", time.Now(), "ENG-BAD")
		b, _ := ack.Encode()
		return b
	}
	code := e.reply(n, m)
	if code == "" {
		return nil
	}
	text := ""
	if code != hl7.AckAccept && code != hl7.CommitAccept {
		text = "unknown order"
	}
	ack, err := hl7.BuildACK(m, code, hl7.ErrCodeUnknownKey, text, time.Now(), "ENG"+m.Header().ControlID)
	if err != nil {
		return nil
	}
	b, _ := ack.Encode()
	return b
}

// received returns a copy of every message received so far.
func (e *fakeEngine) received() [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]byte(nil), e.raws...)
}

// waitORUs waits until at least n messages arrived and returns them parsed.
func (e *fakeEngine) waitORUs(t *testing.T, n int) []hl7.ORU {
	t.Helper()
	require.Eventually(t, func() bool { return len(e.received()) >= n }, waitFor, 5*time.Millisecond,
		"engine did not receive %d messages", n)
	var out []hl7.ORU
	for _, raw := range e.received() {
		m, err := hl7.Parse(raw)
		require.NoError(t, err)
		oru, err := hl7.ParseORU(m)
		require.NoError(t, err)
		out = append(out, oru)
	}
	return out
}

// orderInput is a synthetic order for placer with the given tests.
func orderInput(placer string, tests ...string) hl7.OrderInput {
	in := hl7.OrderInput{
		Envelope: hl7.Envelope{SendingApplication: "CAREFLOW", SendingFacility: "CLINIC",
			ReceivingApplication: "LIS", ReceivingFacility: "LAB",
			ControlID: "ORM-" + placer, Time: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)},
		PlacerOrderNumber: placer,
		PlacerNamespace:   "CAREFLOW",
		Patient: hl7.Patient{Identifiers: []hl7.CX{{ID: "MRN-TEST-1", AssigningAuthority: "CLINIC", TypeCode: "MR"}},
			Names: []hl7.PersonName{{Family: "TESTPATIENT", Given: "ALPHA"}}, BirthDate: "19800101", Sex: "F"},
		OrderingProvider: hl7.Provider{ID: "1234567893", Family: "TESTDOC", Given: "BETA", AssigningAuthority: "NPI"},
		Priority:         hl7.PriorityRoutine,
	}
	for _, c := range tests {
		in.Tests = append(in.Tests, hl7.CWE{Code: c, System: "LN"})
	}
	return in
}

// encodeORM builds and encodes an ORM^O01 for placer.
func encodeORM(t *testing.T, placer string, tests ...string) []byte {
	t.Helper()
	m, err := hl7.BuildORM(orderInput(placer, tests...))
	require.NoError(t, err)
	b, err := m.Encode()
	require.NoError(t, err)
	return b
}

// newClient returns an MLLP client to the simulator, closed at test end.
func newClient(t *testing.T, addr string, ackTimeout time.Duration) *mllp.Client {
	t.Helper()
	c := &mllp.Client{Addr: addr, AckTimeout: ackTimeout}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// sendORM sends an ORM for placer and returns the parsed ACK.
func sendORM(t *testing.T, c *mllp.Client, placer string, tests ...string) hl7.ACK {
	t.Helper()
	raw, err := c.Send(context.Background(), encodeORM(t, placer, tests...))
	require.NoError(t, err)
	return mustACK(t, raw)
}

// mustACK parses an ACK message.
func mustACK(t *testing.T, raw []byte) hl7.ACK {
	t.Helper()
	m, err := hl7.Parse(raw)
	require.NoError(t, err)
	a, err := hl7.ParseACK(m)
	require.NoError(t, err)
	return a
}

// waitDeliveries waits until the order has n result deliveries that ended.
func waitDeliveries(t *testing.T, sim *Sim, placer string, n int) OrderView {
	t.Helper()
	var v OrderView
	require.Eventually(t, func() bool {
		var ok bool
		v, ok = sim.Order(placer)
		return ok && len(v.Results) >= n
	}, waitFor, 5*time.Millisecond, "order %s did not get %d deliveries", placer, n)
	return v
}

// obx returns the observations of every group of an ORU, in order.
func obx(oru hl7.ORU) []hl7.Observation {
	var out []hl7.Observation
	for _, g := range oru.Orders {
		out = append(out, g.Observations...)
	}
	return out
}
