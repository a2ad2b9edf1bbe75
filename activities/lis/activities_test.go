package lis_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/internal/sim/lissim"
	"github.com/careflow/engine/transport/mllp"
)

// recordingSender passes messages to the real MLLP client and keeps what was sent, so a
// test can read the ORM the activity built.
type recordingSender struct {
	next lis.Sender
	mu   sync.Mutex
	sent [][]byte
}

func (r *recordingSender) Send(ctx context.Context, msg []byte) ([]byte, error) {
	r.mu.Lock()
	r.sent = append(r.sent, append([]byte(nil), msg...))
	r.mu.Unlock()
	return r.next.Send(ctx, msg)
}

// lastMessage parses the latest message sent.
func (r *recordingSender) lastMessage(t *testing.T) *hl7.Message {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.sent)
	m, err := hl7.Parse(r.sent[len(r.sent)-1])
	require.NoError(t, err)
	return m
}

// last returns the header of the latest message sent.
func (r *recordingSender) last(t *testing.T) hl7.Header {
	t.Helper()
	return r.lastMessage(t).Header()
}

// lastPatientIDs returns PID-3's identifiers of the latest ORM sent.
func (r *recordingSender) lastPatientIDs(t *testing.T) []string {
	t.Helper()
	orm, err := hl7.ParseORM(r.lastMessage(t))
	require.NoError(t, err)
	var ids []string
	for _, cx := range orm.Patient.Identifiers {
		ids = append(ids, cx.ID)
	}
	return ids
}

// wrongACKSender answers every message with an AA whose MSA-2 names another message, as a
// connection that is out of step would.
type wrongACKSender struct{}

func (wrongACKSender) Send(_ context.Context, msg []byte) ([]byte, error) {
	orig, err := hl7.Parse(msg)
	if err != nil {
		return nil, err
	}
	ack, err := hl7.BuildACK(orig, hl7.AckAccept, "", "", time.Now(), "ACK-1")
	if err != nil {
		return nil, err
	}
	if err := ack.Set("MSA-2", "SOME-OTHER-ID"); err != nil {
		return nil, err
	}
	return ack.Encode()
}

// fixture is a LIS simulator, an EHR simulator and the activities wired to both.
type fixture struct {
	lis    *lissim.Server
	sender *recordingSender
	acts   *lis.Activities
	audit  audit.Store
}

func start(t *testing.T) *fixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ehrSrv, err := ehrsim.Start(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(ehrSrv.Close)
	require.NoError(t, ehrSrv.Sim.RegisterClient("careflow-test", key.Public()))
	require.NoError(t, ehrSrv.Sim.Seed(ehrsim.DefaultSeed()...))
	fc, err := fhir.New(fhir.Config{BaseURL: ehrSrv.FHIRBaseURL, TokenURL: ehrSrv.TokenURL, ClientID: "careflow-test", PrivateKey: key})
	require.NoError(t, err)

	// Results are never due within a test: these tests are about the order and its ACK.
	lisSrv, err := lissim.Start(lissim.Options{ResultDelay: time.Hour})
	require.NoError(t, err)
	t.Cleanup(lisSrv.Close)
	client := &mllp.Client{Addr: lisSrv.Addr, AckTimeout: 10 * time.Second}
	t.Cleanup(func() { _ = client.Close() })

	f := &fixture{lis: lisSrv, sender: &recordingSender{next: client}, audit: audit.NewMemory()}
	f.acts = &lis.Activities{MLLP: f.sender, FHIR: fc, Records: f.audit,
		SendingApplication: "CAREFLOW", SendingFacility: "CLINIC", ReceivingApplication: "LIS", ReceivingFacility: "LAB"}
	return f
}

func send(t *testing.T, acts *lis.Activities, in lis.SendOrderInput) (lis.SendOrderResult, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	var out lis.SendOrderResult
	v, err := env.ExecuteActivity(acts.SendOrder, in)
	if err != nil {
		return out, err
	}
	return out, v.Get(&out)
}

func order(placer, controlID string) lis.SendOrderInput {
	return lis.SendOrderInput{WorkflowID: "lab-order:" + placer, PlacerOrderNumber: placer, PatientRef: "pat-1001",
		ProviderID: ehrsim.PractitionerNPI, ProviderName: "Provider", Tests: []string{"2345-7", "2823-3"},
		Priority: "routine", ControlID: controlID}
}

// requireRetryable fails unless err is an error Temporal would retry.
func requireRetryable(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr) && appErr.NonRetryable(), "must stay retryable: %v", err)
}

// requireRejected fails unless err is a non-retryable error of type typ.
func requireRejected(t *testing.T, err error, typ string) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, typ, appErr.Type())
	require.True(t, appErr.NonRetryable())
	return appErr
}

func TestSendOrderAcceptedAndResendIsNotASecondOrder(t *testing.T) {
	f := start(t)
	in := order("LAB-0001", "lab-order:LAB-0001/send")
	res, err := send(t, f.acts, in)
	require.NoError(t, err)
	require.Equal(t, hl7.AckAccept, res.AckCode)
	require.Equal(t, in.ControlID, res.ControlID)

	h := f.sender.last(t)
	require.Equal(t, in.ControlID, h.ControlID, "MSH-10 is the input's control id")
	require.Equal(t, "ORM", h.MessageType)
	require.Equal(t, "O01", h.TriggerEvent)

	o, ok := f.lis.Sim.Order(in.PlacerOrderNumber)
	require.True(t, ok, "the LIS saw the order")
	require.Equal(t, in.Tests, o.Tests)
	require.Equal(t, in.ControlID, o.ControlID)
	require.True(t, o.Accepted)
	// PID-3 leads with the seeded MRN and also carries the EHR's patient id.
	require.Equal(t, "MRN1001", o.PatientID)
	require.Equal(t, []string{"MRN1001", "pat-1001"}, f.sender.lastPatientIDs(t))

	// A resend after a lost ACK carries the same MSH-10 and must not order twice.
	again, err := send(t, f.acts, in)
	require.NoError(t, err)
	require.Equal(t, hl7.AckAccept, again.AckCode)
	require.Equal(t, in.ControlID, f.sender.last(t).ControlID)
	require.Len(t, f.lis.Sim.Orders(), 1)
	o, _ = f.lis.Sim.Order(in.PlacerOrderNumber)
	require.Equal(t, 2, o.ORMs)
	require.Equal(t, []string{hl7.AckAccept, hl7.AckAccept}, o.AckCodes)
	st := f.lis.Sim.Stats()
	require.Equal(t, 1, st.OrdersAccepted)
	require.Equal(t, 1, st.DuplicateOrders)

	recs, err := f.audit.List(context.Background(), audit.Filter{Process: in.WorkflowID})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	for _, r := range recs {
		require.Equal(t, "lis.order", r.Action)
		require.Equal(t, "lis", r.Vendor)
		require.Equal(t, in.ControlID, r.Exchange)
		require.Equal(t, audit.OutcomeOK, r.Outcome)
		require.Equal(t, hl7.AckAccept, r.Code)
	}
}

func TestSendOrderRefusedIsPermanent(t *testing.T) {
	f := start(t)
	cases := []struct{ placer, code, text string }{
		{"REJECT-ORDER-1", hl7.AckReject, "order rejected by the laboratory (simulated)"},
		{"ERROR-ORDER-1", hl7.AckError, "laboratory system error (simulated)"},
	}
	for _, c := range cases {
		in := order(c.placer, "ctl-"+c.placer)
		_, err := send(t, f.acts, in)
		appErr := requireRejected(t, err, lis.ErrTypeOrderRejected)
		require.Equal(t, c.text, appErr.Message(), "the LIS's ERR text")
		o, ok := f.lis.Sim.Order(c.placer)
		require.True(t, ok)
		require.Equal(t, []string{c.code}, o.AckCodes)
		require.False(t, o.Accepted)

		recs, err := f.audit.List(context.Background(), audit.Filter{Process: in.WorkflowID})
		require.NoError(t, err)
		require.Len(t, recs, 1)
		require.Equal(t, audit.OutcomeRejected, recs[0].Outcome)
		require.Equal(t, c.code, recs[0].Code)
	}
}

func TestSendOrderDroppedConnectionIsRetried(t *testing.T) {
	f := start(t)
	in := order("DROP-CONNECTION-1", "ctl-drop-1")
	_, err := send(t, f.acts, in)
	requireRetryable(t, err)
	o, ok := f.lis.Sim.Order(in.PlacerOrderNumber)
	require.True(t, ok)
	require.False(t, o.Accepted)
	require.Equal(t, 1, f.lis.Sim.Stats().ConnectionsDropped)

	// Temporal's retry: the same input, so the same MSH-10, on a new connection.
	res, err := send(t, f.acts, in)
	require.NoError(t, err)
	require.Equal(t, hl7.AckAccept, res.AckCode)
	o, _ = f.lis.Sim.Order(in.PlacerOrderNumber)
	require.True(t, o.Accepted)
	require.Equal(t, in.ControlID, o.ControlID)
	require.Equal(t, 1, f.lis.Sim.Stats().OrdersAccepted)

	recs, err := f.audit.List(context.Background(), audit.Filter{Process: in.WorkflowID})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, audit.OutcomeError, recs[0].Outcome)
	require.Equal(t, audit.OutcomeOK, recs[1].Outcome)
}

func TestSendOrderUnknownPatient(t *testing.T) {
	f := start(t)
	in := order("LAB-0002", "ctl-2")
	in.PatientRef = "pat-missing"
	_, err := send(t, f.acts, in)
	requireRejected(t, err, ehr.ErrTypeNotFound)
	require.Empty(t, f.lis.Sim.Orders(), "nothing is sent without a patient")

	recs, err := f.audit.List(context.Background(), audit.Filter{Process: in.WorkflowID})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, audit.OutcomeError, recs[0].Outcome)
}

func TestSendOrderACKForAnotherMessageIsRetryable(t *testing.T) {
	f := start(t)
	f.acts.MLLP = wrongACKSender{}
	_, err := send(t, f.acts, order("LAB-0003", "ctl-3"))
	requireRetryable(t, err)
}
