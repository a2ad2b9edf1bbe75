package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workflows/laborders"
)

// The patient in every test message; none of these may appear in an ACK or a log line.
var patientPHI = []string{"DOE", "JANE", "QUINCY", "19800412", "MRN100234"}

// oruMessage is an ORU^R01 for placer with control id MSG-0001; orc and obr2 replace ORC-2 and
// OBR-2 so a case can leave them out.
func oruMessage(orc2, obr2 string) string {
	return strings.Join([]string{
		`MSH|^~\&|LIS|CENTRALLAB|CAREFLOW|CLINIC01|20240315094500-0500||ORU^R01^ORU_R01|MSG-0001|P|2.5.1`,
		"PID|1||MRN100234^^^CLINIC01^MR||DOE^JANE^QUINCY||19800412|F",
		"ORC|RE|" + orc2 + "|FON-88002^CENTRALLAB||CM",
		"OBR|1|" + obr2 + "|FON-88002^CENTRALLAB|24320-4^Basic metabolic panel^LN|||20240315084500-0500||||||||||||||||||F",
		"OBX|1|NM|2823-3^Potassium^LN||6.8|mmol/L^millimole per liter^UCUM|3.5-5.1|HH~A|||F|||20240315084500-0500",
		"OBX|2|NM|2951-2^Sodium^LN|1|140|mmol/L|136-145|N|||P",
		"OBX|3|ST|8251-1^Comment^LN||hemolyzed||||||C",
	}, "\r")
}

// expectedSignal is what the listener must hand to the order for oruMessage.
func expectedSignal() laborders.ResultSignal {
	k, na := 6.8, 140.0
	return laborders.ResultSignal{
		MessageControlID: "MSG-0001", MessageTime: "20240315094500-0500", ReportStatus: "F",
		Observations: []laborders.ResultObservation{
			{Code: "2823-3", Name: "Potassium", Value: "6.8", Number: &k, Units: "mmol/L", ReferenceRange: "3.5-5.1",
				Flags: []string{"HH", "A"}, Status: "F", ObservedAt: "20240315084500-0500", Service: "24320-4"},
			{Code: "2951-2", SubID: "1", Name: "Sodium", Value: "140", Number: &na, Units: "mmol/L",
				ReferenceRange: "136-145", Flags: []string{"N"}, Status: "P", Service: "24320-4"},
			{Code: "8251-1", Name: "Comment", Value: "hemolyzed", Status: "C", Service: "24320-4"},
		},
		Reports: []laborders.ReportGroup{{Service: "24320-4", Status: "F"}},
		Patient: []laborders.PatientID{{ID: "MRN100234", Type: "MR"}},
	}
}

// expectUpdate mocks the result update for wid: the handle answers result (nil = stored).
// Every call's argument is appended to got.
func (f *mllpFixture) expectUpdate(wid string, result error, got *[]laborders.ResultSignal) *mock.Call {
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Return(result).Maybe()
	return f.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == wid && o.UpdateName == laborders.ResultUpdateName
	})).Run(func(args mock.Arguments) {
		o := args.Get(1).(client.UpdateWorkflowOptions)
		if got != nil {
			*got = append(*got, o.Args[0].(laborders.ResultSignal))
		}
	}).Return(h, nil)
}

// mllpFixture is the handler on a mocked Temporal client and a sealing in-memory audit store.
type mllpFixture struct {
	temporal *mocks.Client
	store    audit.Store
	logs     *bytes.Buffer
	handler  mllp.Handler
}

func newMLLPFixture(t *testing.T) *mllpFixture {
	t.Helper()
	sealer, err := audit.NewAESGCMSealer(map[string][]byte{"k": bytes.Repeat([]byte{7}, 32)}, "k")
	require.NoError(t, err)
	f := &mllpFixture{temporal: mocks.NewClient(t), store: audit.NewMemoryWith(audit.Options{Sealer: sealer}),
		logs: &bytes.Buffer{}}
	f.handler = api.MLLPHandler(api.Deps{Temporal: f.temporal, Records: f.store,
		Logger: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return f
}

func TestMLLPHandler(t *testing.T) {
	wid := laborders.WorkflowID("PON-2024-0001")
	cases := []struct {
		name string
		msg  string
		// signal is what the result update answers; nil with noSignal set means it must not be called.
		signal   error
		noSignal bool
		// code is MSA-1, empty for no ACK at all; errCode is ERR-3's code.
		code, errCode string
		// controlID is the expected MSA-2, the message's MSH-10; empty when no MSH is readable,
		// where MSA-2 can only be a placeholder.
		controlID string
		// keep says the raw message must be in the audit trail; outcome is the record's outcome.
		keep    bool
		outcome string
	}{
		{name: "valid ORU is accepted after the update and kept", msg: oruMessage("PON-2024-0001^CAREFLOW", "PON-2024-0001^CAREFLOW"),
			code: hl7.AckAccept, controlID: "MSG-0001", keep: true, outcome: audit.OutcomeOK},
		{name: "placer only in OBR-2", msg: oruMessage("", "PON-2024-0001^CAREFLOW"),
			code: hl7.AckAccept, controlID: "MSG-0001", keep: true, outcome: audit.OutcomeOK},
		{name: "wrong patient", msg: oruMessage("PON-2024-0001", "PON-2024-0001"),
			signal: temporal.NewApplicationError("the patient identifier (PID-3) does not match the order's patient", laborders.ErrTypePatientMismatch),
			code:   hl7.AckError, errCode: hl7.ErrCodeUnknownKey, controlID: "MSG-0001", keep: true, outcome: audit.OutcomeRejected},
		{name: "unknown order", msg: oruMessage("PON-2024-0001", "PON-2024-0001"),
			signal: serviceerror.NewNotFound("workflow not found"),
			code:   hl7.AckError, errCode: hl7.ErrCodeUnknownKey, controlID: "MSG-0001", keep: true, outcome: audit.OutcomeRejected},
		{name: "temporal unavailable sends no ACK", msg: oruMessage("PON-2024-0001", "PON-2024-0001"),
			signal: serviceerror.NewUnavailable("frontend down"), outcome: audit.OutcomeError},
		{name: "garbage", msg: "this is not HL7 at all", noSignal: true,
			code: hl7.AckReject, errCode: hl7.ErrCodeSegmentSequence, keep: true, outcome: audit.OutcomeRejected},
		{name: "no MSH", msg: "PID|1||MRN100234||DOE^JANE\rOBR|1|PON-2024-0001", noSignal: true,
			code: hl7.AckReject, errCode: hl7.ErrCodeSegmentSequence, keep: true, outcome: audit.OutcomeRejected},
		{name: "ADT is not taken", noSignal: true,
			msg: "MSH|^~\\&|ADT|HOSP|CAREFLOW|CLINIC01|20240315094500||ADT^A01^ADT_A01|ADT-0007|P|2.5.1\r" +
				"EVN|A01|20240315094500\rPID|1||MRN100234^^^CLINIC01^MR||DOE^JANE^QUINCY||19800412|F\rPV1|1|I",
			code: hl7.AckReject, errCode: hl7.ErrCodeUnsupportedMessage, controlID: "ADT-0007", keep: true, outcome: audit.OutcomeRejected},
		{name: "ORU without placer", msg: oruMessage("", ""), noSignal: true,
			code: hl7.AckError, errCode: hl7.ErrCodeRequiredFieldMissing, controlID: "MSG-0001", keep: true, outcome: audit.OutcomeRejected},
		{name: "ORU with an invalid placer", msg: oruMessage("PON 2024/0001", ""), noSignal: true,
			code: hl7.AckError, errCode: hl7.ErrCodeRequiredFieldMissing, controlID: "MSG-0001", keep: true, outcome: audit.OutcomeRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newMLLPFixture(t)
			var got []laborders.ResultSignal
			if !tc.noSignal {
				f.expectUpdate(wid, tc.signal, &got).Once()
			}
			raw := []byte(tc.msg)
			ack := f.handler.HandleMLLP(t.Context(), bytes.Clone(raw), "127.0.0.1:40000")

			if tc.noSignal {
				f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
			} else {
				f.temporal.AssertNumberOfCalls(t, "UpdateWorkflow", 1)
				require.Len(t, got, 1)
				assert.Equal(t, expectedSignal(), got[0])
			}

			if tc.code == "" {
				assert.Nil(t, ack, "no ACK, so the sender resends")
			} else {
				require.NotNil(t, ack)
				a := parseACK(t, ack)
				assert.Equal(t, tc.code, a.Code)
				if tc.controlID != "" {
					assert.Equal(t, tc.controlID, a.ControlID)
				}
				assert.Equal(t, "ACK", a.Header.MessageType)
				if tc.code == hl7.AckAccept {
					assert.Empty(t, a.Errors)
				} else {
					require.Len(t, a.Errors, 1, "AE/AR carry an ERR segment")
					assert.Equal(t, tc.errCode, a.Errors[0].Code.Code)
					assert.Equal(t, hl7.SeverityError, a.Errors[0].Severity)
					assert.NotEmpty(t, a.Reason())
				}
			}
			for _, phi := range patientPHI {
				assert.NotContains(t, string(ack), phi, "patient data in the ACK")
				assert.NotContains(t, f.logs.String(), phi, "patient data in the logs")
			}
			assertMLLPRecord(t, f.store, raw, tc.keep, tc.outcome, tc.code)
		})
	}
}

// parseACK reads an ACK as a peer would: it must be valid HL7 with an MSA.
func parseACK(t *testing.T, ack []byte) hl7.ACK {
	t.Helper()
	m, err := hl7.Parse(ack)
	require.NoError(t, err, "ACK is not HL7: %q", ack)
	a, err := hl7.ParseACK(m)
	require.NoError(t, err, "ACK has no valid MSA: %q", ack)
	return a
}

// assertMLLPRecord checks the one audit record of a message and, when it was refused, that the
// raw bytes can be read back from the store.
func assertMLLPRecord(t *testing.T, store audit.Store, raw []byte, keep bool, outcome, code string) {
	t.Helper()
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, outcome, r.Outcome)
	assert.Equal(t, code, r.Code)
	assert.Equal(t, "lis", r.Vendor)
	assert.True(t, strings.HasPrefix(r.Actor, "mllp:"), "actor %q", r.Actor)
	assert.Equal(t, keep, r.HasPayload)
	payload, err := store.Payload(t.Context(), r.ID)
	if !keep {
		assert.ErrorIs(t, err, audit.ErrNotFound, "accepted or unstored messages are not kept")
		return
	}
	require.NoError(t, err)
	assert.Equal(t, raw, payload)
}

// TestMLLPHandlerDuplicateResendSignalsAgain: a resent message is handed over again (the
// workflow deduplicates by MSH-10), so a sender that lost the first AA still gets one.
func TestMLLPHandlerDuplicateResendSignalsAgain(t *testing.T) {
	f := newMLLPFixture(t)
	wid := laborders.WorkflowID("PON-2024-0001")
	f.expectUpdate(wid, serviceerror.NewUnavailable("down"), nil).Once()
	f.expectUpdate(wid, nil, nil).Once()
	msg := []byte(oruMessage("PON-2024-0001", "PON-2024-0001"))
	require.Nil(t, f.handler.HandleMLLP(t.Context(), bytes.Clone(msg), "peer"))
	a := parseACK(t, f.handler.HandleMLLP(t.Context(), bytes.Clone(msg), "peer"))
	assert.Equal(t, hl7.AckAccept, a.Code)
	assert.Equal(t, "MSG-0001", a.ControlID)
	f.temporal.AssertNumberOfCalls(t, "UpdateWorkflow", 2)
}

// backgroundSpy is an audit store that notes, per appended outcome, whether the append was
// made as a background write (audit.Background).
type backgroundSpy struct {
	audit.Store
	background map[string]bool
}

func (s *backgroundSpy) Append(ctx context.Context, r audit.Record) (audit.Record, error) {
	s.background[r.Outcome] = audit.IsBackground(ctx)
	return s.Store.Append(ctx, r)
}

// The kept copy of an accepted message is a background append (it may wait a few milliseconds
// to share a commit); a refused message's copy is not: its AE waits for it.
func TestMLLPKeptCopyOfAcceptedMessageIsBackground(t *testing.T) {
	wid := laborders.WorkflowID("PON-2024-0001")
	for _, tc := range []struct {
		signal     error
		outcome    string
		background bool
	}{{nil, audit.OutcomeOK, true}, {serviceerror.NewNotFound("workflow not found"), audit.OutcomeRejected, false}} {
		f := newMLLPFixture(t)
		spy := &backgroundSpy{Store: f.store, background: map[string]bool{}}
		deferred := api.NewDeferred()
		handler := api.MLLPHandler(api.Deps{Temporal: f.temporal, Records: spy, Deferred: deferred})
		f.expectUpdate(wid, tc.signal, nil).Once()
		require.NotEmpty(t, handler.HandleMLLP(t.Context(), []byte(oruMessage("PON-2024-0001", "PON-2024-0001")), "127.0.0.1:40000"))
		require.NoError(t, deferred.Wait(t.Context()))
		background, kept := spy.background[tc.outcome]
		require.True(t, kept, "the message is kept")
		assert.Equal(t, tc.background, background, tc.outcome)
	}
}
