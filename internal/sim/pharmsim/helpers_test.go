package pharmsim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/stretchr/testify/require"
)

// wait bounds eventual conditions and tick is how often they are polled;
// neither asserts speed.
const (
	wait = 10 * time.Second
	tick = 2 * time.Millisecond
)

// startSim starts a simulator with short delays, closed on cleanup.
func startSim(t *testing.T, opts pharmsim.Options) *pharmsim.Server {
	t.Helper()
	if opts.EventDelay == 0 {
		opts.EventDelay = time.Millisecond
	}
	if opts.WebhookBackoff == 0 {
		opts.WebhookBackoff = time.Millisecond
	}
	if opts.SlowDelay == 0 {
		opts.SlowDelay = 50 * time.Millisecond
	}
	srv, err := pharmsim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns the engine's pharmacy client aimed at srv.
func newClient(t *testing.T, srv *pharmsim.Server, timeout time.Duration) *pharmacy.Client {
	t.Helper()
	c, err := pharmacy.New(pharmacy.Config{BaseURL: srv.URL, HTTPClient: &http.Client{Timeout: timeout}})
	require.NoError(t, err)
	return c
}

// newRx returns the codec's sample NewRx for a pharmacy and MessageID.
func newRx(t *testing.T, pharmacyID, messageID string) *ncpdp.Message {
	t.Helper()
	b, err := os.ReadFile("../../../codecs/ncpdp/testdata/newrx.xml")
	require.NoError(t, err)
	m, err := ncpdp.Decode(b)
	require.NoError(t, err)
	m.Header.MessageID = messageID
	m.Header.To.ID = pharmacyID
	m.Body.NewRx.Pharmacy.Identification.NCPDPID = pharmacyID
	return m
}

// cancelRx returns a CancelRx for the prescription of rx.
func cancelRx(rx *ncpdp.Message, messageID string) *ncpdp.Message {
	n := rx.Body.NewRx
	return &ncpdp.Message{
		Header: ncpdp.Header{To: rx.Header.To, From: rx.Header.From, MessageID: messageID,
			SentTime: ncpdp.UTCTime{Time: time.Now().UTC()}, PrescriberOrderNumber: rx.Header.PrescriberOrderNumber},
		Body: ncpdp.Body{CancelRx: &ncpdp.CancelRx{Patient: n.Patient, Pharmacy: n.Pharmacy, Prescriber: n.Prescriber,
			MedicationPrescribed: n.MedicationPrescribed}},
	}
}

// received is one webhook the receiver got.
type received struct {
	msg      *ncpdp.Message
	verified error
}

// receiver is the engine's webhook stand-in: it verifies signatures and
// answers with the statuses of plan in turn (then 200).
type receiver struct {
	URL    string
	secret []byte

	mu   sync.Mutex
	got  []received
	plan []int
}

func newReceiver(t *testing.T, secret string, plan ...int) *receiver {
	rc := &receiver{secret: []byte(secret), plan: plan}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m, err := ncpdp.Decode(b)
		require.NoError(t, err)
		rc.mu.Lock()
		rc.got = append(rc.got, received{msg: m, verified: pharmacy.VerifyWebhook(rc.secret, r.Header, b, time.Now())})
		status := http.StatusOK
		if len(rc.plan) > 0 {
			status, rc.plan = rc.plan[0], rc.plan[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/webhooks/pharmacy"
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}
