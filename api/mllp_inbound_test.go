package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workflows/laborders"
)

// charsetORU is a result for PON-2024-0001 whose patient name and result text are given.
func charsetORU(id, msh18, family, text string) string {
	return "MSH|^~\\&|LIS|CENTRALLAB|CAREFLOW|CLINIC01|20240315094500-0500||ORU^R01^ORU_R01|" + id + "|P|2.5.1||||||" + msh18 + "\r" +
		"PID|1||MRN100234^^^CLINIC01^MR||" + family + "^X\r" +
		"ORC|RE|PON-2024-0001|FON-1\rOBR|1|PON-2024-0001|FON-1|24320-4^BMP^LN|||20240315084500||||||||||||||||||F\r" +
		"OBX|1|ST|8251-1^Comment^LN||" + text + "||||||F\r"
}

// recorder is an inner handler that keeps what it receives and answers AA.
type recorder struct {
	mu   sync.Mutex
	msgs [][]byte
	fail func(n int) bool // no ACK for the n-th message (0-based) when it returns true
}

func (r *recorder) HandleMLLP(_ context.Context, msg []byte, _ string) []byte {
	r.mu.Lock()
	n := len(r.msgs)
	r.msgs = append(r.msgs, bytes.Clone(msg))
	r.mu.Unlock()
	if r.fail != nil && r.fail(n) {
		return nil
	}
	m, err := hl7.Parse(msg)
	if err != nil {
		return nil
	}
	a, _ := hl7.BuildACK(m, hl7.AckAccept, "", "", time.Now(), "A"+m.Header().ControlID)
	out, _ := a.Encode()
	return out
}

func (r *recorder) received() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.msgs...)
}

type failingStore struct{ audit.Store }

func (failingStore) Append(context.Context, audit.Record) (audit.Record, error) {
	return audit.Record{}, errors.New("disk full")
}

func sealedStore(t *testing.T) audit.Store {
	t.Helper()
	sealer, err := audit.NewAESGCMSealer(map[string][]byte{"k": bytes.Repeat([]byte{7}, 32)}, "k")
	require.NoError(t, err)
	return audit.NewMemoryWith(audit.Options{Sealer: sealer})
}

// serveMLLP runs h on a loopback MLLP server with lenient framing and returns a client for it.
func serveMLLP(t *testing.T, h mllp.Handler) *mllp.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &mllp.Server{Handler: h, LenientFraming: true, FrameTimeout: time.Minute, IdleTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	c := &mllp.Client{Addr: ln.Addr().String(), DialTimeout: 5 * time.Second, AckTimeout: 10 * time.Second}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

type charsetCase struct {
	msh18, family, text string
	enc                 func(string) []byte
}

func cm(c *charmap.Charmap) func(string) []byte {
	return func(s string) []byte {
		b, err := c.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return b
	}
}

func utf16enc(s string) []byte {
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func charsetCases() []charsetCase {
	return []charsetCase{
		{"8859/1", "Müller", "Probe hämolysiert, Peña", cm(charmap.ISO8859_1)},
		{"8859/2", "Dvořák", "Vzorek hemolyzovaný", cm(charmap.ISO8859_2)},
		{"8859/3", "Għargħur", "Ħ test", cm(charmap.ISO8859_3)},
		{"8859/4", "Ģirts", "Ļ test", cm(charmap.ISO8859_4)},
		{"8859/5", "Иванов", "Гемолиз", cm(charmap.ISO8859_5)},
		{"8859/6", "محمد", "عينة", cm(charmap.ISO8859_6)},
		{"8859/7", "Παπαδόπουλος", "Αιμόλυση", cm(charmap.ISO8859_7)},
		{"8859/8", "כהן", "המוליזה", cm(charmap.ISO8859_8)},
		{"8859/9", "Öztürk", "Şüpheli örnek", cm(charmap.ISO8859_9)},
		{"8859/15", "Œdipe", "Coût 5€", cm(charmap.ISO8859_15)},
		{"UNICODE UTF-8", "Müller 李", "hämolysiert 😀", func(s string) []byte { return []byte(s) }},
		{"UNICODE UTF-16", "Müller 李", "hämolysiert 😀", utf16enc},
		{"ASCII", "Miller", "hemolyzed", func(s string) []byte { return []byte(s) }},
		{"", "Müller", "hämolysiert", func(s string) []byte { return []byte(s) }},
		{"8859/1", "O’Brien", "“hämolysiert” 5€", cm(charmap.Windows1252)}, // Windows-1252 labelled 8859/1
	}
}

// Every supported character set goes through MLLP and the wrapper; the inner handler gets
// correct UTF-8 and the ACK comes back in the sender's set, naming it in MSH-18.
func TestInboundCharsetRoundTripThroughMLLP(t *testing.T) {
	rec := &recorder{}
	c := serveMLLP(t, api.WrapMLLPInbound(rec, api.Deps{Records: sealedStore(t)}))
	for i, cc := range charsetCases() {
		t.Run(cc.msh18+"/"+cc.family, func(t *testing.T) {
			id := "CS-" + string(rune('A'+i))
			raw := cc.enc(charsetORU(id, cc.msh18, cc.family, cc.text))
			ackRaw, err := c.Send(t.Context(), raw)
			require.NoError(t, err)
			got := rec.received()
			msg := got[len(got)-1]
			require.True(t, utf8.Valid(msg), "inner handler got invalid UTF-8")
			m, err := hl7.Parse(msg)
			require.NoError(t, err)
			assert.Equal(t, cc.family, m.Get("PID-5.1"))
			assert.Equal(t, cc.text, m.Get("OBX-5"))
			assert.Equal(t, id, m.Get("MSH-10"))

			dec, err := hl7.DecodeCharset(ackRaw)
			require.NoError(t, err)
			assert.Empty(t, dec.Warnings)
			if cc.msh18 != "" && cc.msh18 != "UNICODE UTF-8" {
				assert.Equal(t, cc.msh18, dec.Declared, "ACK MSH-18")
			}
			a := parseACK(t, dec.Message)
			assert.Equal(t, hl7.AckAccept, a.Code)
			assert.Equal(t, id, a.ControlID)
		})
	}
}

// The 8859/1 result of issue 18 reaches the lab workflow signal as correct UTF-8 text.
func TestInboundLatin1ReachesTheSignalAsUTF8(t *testing.T) {
	for _, cc := range []charsetCase{charsetCases()[0], charsetCases()[11]} {
		t.Run(cc.msh18, func(t *testing.T) {
			tc := mocks.NewClient(t)
			var sig []byte
			onResult(tc, laborders.WorkflowID("PON-2024-0001"), func(r laborders.ResultSignal) { sig, _ = json.Marshal(r) }).Once()
			h := api.MLLPInboundHandler(api.Deps{Temporal: tc, Records: sealedStore(t)})
			ack := h.HandleMLLP(t.Context(), cc.enc(charsetORU("SIG-1", cc.msh18, cc.family, cc.text)), "127.0.0.1:1")
			require.NotNil(t, ack)
			dec, err := hl7.DecodeCharset(ack)
			require.NoError(t, err)
			assert.Equal(t, hl7.AckAccept, parseACK(t, dec.Message).Code)
			require.True(t, utf8.Valid(sig))
			assert.Contains(t, string(sig), cc.text)
			assert.NotContains(t, string(sig), "\ufffd")
		})
	}
}

func TestInboundEmptyMSH18Latin1FallbackIsAWarning(t *testing.T) {
	store := sealedStore(t)
	rec := &recorder{}
	var warned []string
	h := api.WrapMLLPInbound(rec, api.Deps{Records: store, HL7Inbound: api.HL7InboundOptions{Warned: func(k string) { warned = append(warned, k) }}})
	ack := h.HandleMLLP(t.Context(), cm(charmap.ISO8859_1)(charsetORU("FB-1", "", "Müller", "hämolysiert")), "p")
	require.NotNil(t, ack)
	m, err := hl7.Parse(rec.received()[0])
	require.NoError(t, err)
	assert.Equal(t, "hämolysiert", m.Get("OBX-5"))
	assert.Equal(t, []string{"charset"}, warned)
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.charset"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "warning:"+hl7.WarnCharsetFallback, recs[0].Code)
}

func TestInboundUnknownCharsetIsARAndKept(t *testing.T) {
	store := sealedStore(t)
	rec := &recorder{}
	raw := []byte(charsetORU("UC-1", "EBCDIC", "X", "Y"))
	ack := api.WrapMLLPInbound(rec, api.Deps{Records: store}).HandleMLLP(t.Context(), raw, "p")
	a := parseACK(t, ack)
	assert.Equal(t, hl7.AckReject, a.Code)
	assert.Equal(t, hl7.ErrorLocation{Segment: "MSH", Sequence: 1, Field: 18}, a.Errors[0].Location)
	assert.Empty(t, rec.received())
	assertKept(t, store, raw)
}

func assertKept(t *testing.T, store audit.Store, raw []byte) {
	t.Helper()
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.True(t, recs[0].HasPayload)
	p, err := store.Payload(t.Context(), recs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, raw, p)
}

// An unknown MSH-4 gets AR naming MSH-4, and the message is kept.
func TestInboundUnknownSendingFacilityGetsARAndIsKept(t *testing.T) {
	store := sealedStore(t)
	rec := &recorder{}
	var refused []string
	h := api.WrapMLLPInbound(rec, api.Deps{Records: store, HL7Inbound: api.HL7InboundOptions{
		AllowedSenders: []string{"LIS^TRUSTEDLAB", "^REFLAB"}, Refused: func(r string) { refused = append(refused, r) }}})
	raw := []byte(charsetORU("AL-1", "", "Doe", "x"))
	a := parseACK(t, h.HandleMLLP(t.Context(), raw, "p"))
	assert.Equal(t, hl7.AckReject, a.Code)
	assert.Equal(t, "AL-1", a.ControlID)
	assert.Equal(t, hl7.ErrorLocation{Segment: "MSH", Sequence: 1, Field: 4}, a.Errors[0].Location)
	assert.Empty(t, rec.received(), "a refused sender never reaches the ingest")
	assert.Equal(t, []string{api.RefusedSender}, refused)
	assertKept(t, store, raw)

	// An allowed facility passes (any application from REFLAB).
	ok := strings.Replace(string(raw), "LIS|CENTRALLAB", "ANY|REFLAB", 1)
	assert.Equal(t, hl7.AckAccept, parseACK(t, h.HandleMLLP(t.Context(), []byte(ok), "p")).Code)
}

// If the refused message cannot be kept, no ACK is sent: a NAK is never sent for a message we did not keep.
func TestInboundRefusedButNotKeptSendsNoACK(t *testing.T) {
	rec := &recorder{}
	h := api.WrapMLLPInbound(rec, api.Deps{Records: failingStore{sealedStore(t)},
		Logger:     slog.New(slog.DiscardHandler),
		HL7Inbound: api.HL7InboundOptions{AllowedSenders: []string{"LIS^TRUSTEDLAB"}}})
	assert.Nil(t, h.HandleMLLP(t.Context(), []byte(charsetORU("AL-2", "", "Doe", "x")), "p"))
}

// Missing or ambiguous routing keys are refused exactly, with ERR naming segment and field.
func TestInboundRoutingKeysExact(t *testing.T) {
	base := charsetORU("K-1", "", "Doe", "x")
	cases := map[string]struct {
		msg  string
		code string
		loc  hl7.ErrorLocation
	}{
		"no PID-3":       {strings.Replace(base, "MRN100234^^^CLINIC01^MR", "", 1), hl7.AckError, hl7.ErrorLocation{Segment: "PID", Sequence: 1, Field: 3}},
		"placers differ": {strings.Replace(base, "ORC|RE|PON-2024-0001", "ORC|RE|PON-2024-0002", 1), hl7.AckError, hl7.ErrorLocation{Segment: "ORC", Sequence: 1, Field: 2}},
		"no MSH-12":      {strings.Replace(base, "|P|2.5.1|", "|P||", 1), hl7.AckReject, hl7.ErrorLocation{Segment: "MSH", Sequence: 1, Field: 12}},
		"no MSH-10":      {strings.Replace(base, "|K-1|", "||", 1), hl7.AckReject, hl7.ErrorLocation{Segment: "MSH", Sequence: 1, Field: 10}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			store := sealedStore(t)
			rec := &recorder{}
			a := parseACK(t, api.WrapMLLPInbound(rec, api.Deps{Records: store}).HandleMLLP(t.Context(), []byte(c.msg), "p"))
			assert.Equal(t, c.code, a.Code)
			require.Len(t, a.Errors, 1)
			assert.Equal(t, c.loc, a.Errors[0].Location)
			assert.Empty(t, rec.received())
			assertKept(t, store, []byte(c.msg))
		})
	}
}

func batchFile(declared string, ids ...string) string {
	var b strings.Builder
	b.WriteString("FHS|^~\\&|LIS|CENTRALLAB|CAREFLOW|CLINIC01|20240315094500||||F-1\rBHS|^~\\&|LIS|CENTRALLAB|CAREFLOW|CLINIC01|20240315094500||||B-1\r")
	for _, id := range ids {
		b.WriteString(charsetORU(id, "", "Doe", "x"))
	}
	b.WriteString("BTS|" + declared + "\rFTS|1\r")
	return b.String()
}

// A batch in one MLLP frame is split and each message handled; the answer is a batch ACK.
func TestInboundBatchOverMLLP(t *testing.T) {
	rec := &recorder{}
	c := serveMLLP(t, api.WrapMLLPInbound(rec, api.Deps{Records: sealedStore(t)}))
	ack, err := c.Send(t.Context(), []byte(batchFile("3", "B1", "B2", "B3")))
	require.NoError(t, err)
	require.Len(t, rec.received(), 3)
	b, err := hl7.SplitBatch(ack)
	require.NoError(t, err)
	require.Len(t, b.Messages, 3)
	for i, m := range b.Messages {
		a := parseACK(t, m)
		assert.Equal(t, hl7.AckAccept, a.Code)
		assert.Equal(t, "B"+string(rune('1'+i)), a.ControlID)
	}
	assert.Contains(t, b.Header, "|B-1", "BHS-12 references the sender's batch")
	assert.Empty(t, b.CountProblems)
}

func TestInboundBatchCountMismatchReported(t *testing.T) {
	store := sealedStore(t)
	rec := &recorder{}
	ack := api.WrapMLLPInbound(rec, api.Deps{Records: store}).HandleMLLP(t.Context(), []byte(batchFile("4", "M1", "M2")), "p")
	require.NotNil(t, ack)
	assert.Len(t, rec.received(), 2)
	assert.Contains(t, string(ack), "BTS|2|BTS-1 of batch 1 counts 4 messages but 2 arrived")
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.batch"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].HasPayload)
}

// When one message of a batch is not stored, nothing is acknowledged and the sender resends.
func TestInboundBatchWithUnstoredMessageSendsNoACK(t *testing.T) {
	rec := &recorder{fail: func(n int) bool { return n == 1 }}
	ack := api.WrapMLLPInbound(rec, api.Deps{Records: sealedStore(t)}).HandleMLLP(t.Context(), []byte(batchFile("3", "U1", "U2", "U3")), "p")
	assert.Nil(t, ack)
}

// MSH-16 ER asks for acknowledgments only on error: accepted messages are left out of the batch ACK.
func TestInboundBatchACKHonoursMSH16(t *testing.T) {
	rec := &recorder{}
	file := strings.ReplaceAll(batchFile("2", "E1", "E2"), "|P|2.5.1||||||", "|P|2.5.1||||ER||")
	ack := api.WrapMLLPInbound(rec, api.Deps{Records: sealedStore(t)}).HandleMLLP(t.Context(), []byte(file), "p")
	b, err := hl7.SplitBatch(ack)
	require.NoError(t, err)
	assert.Empty(t, b.Messages)
	assert.Contains(t, string(ack), "BTS|0")
}

func TestAdminHL7BatchRoute(t *testing.T) {
	h := newHarness(t, func(d *api.Deps) { d.Records = sealedStore(t) })
	onResult(h.temporal, laborders.WorkflowID("PON-2024-0001"), nil).Times(2)
	w := h.do(http.MethodPost, "/v1/admin/hl7-batches", batchFile("3", "H1", "H2"), adminSecret, "Content-Type", "application/hl7-v2")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var res api.HL7BatchResult
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
	assert.Equal(t, 2, res.Messages)
	assert.True(t, res.Complete)
	require.Len(t, res.Results, 2)
	assert.Equal(t, api.HL7BatchMessageResult{Index: 1, ControlID: "H2", Ack: hl7.AckAccept}, res.Results[1])
	require.Len(t, res.CountProblems, 1)

	assert.Equal(t, http.StatusForbidden, h.do(http.MethodPost, "/v1/admin/hl7-batches", batchFile("1", "H3"), writerSecret).Code)
	assert.Equal(t, http.StatusBadRequest, h.do(http.MethodPost, "/v1/admin/hl7-batches", "PID|1\r", adminSecret).Code)
}

// A value that does not fit its type is accepted, and the leniency is in the audit trail.
func TestInboundLeniencyRecordedInAudit(t *testing.T) {
	store := sealedStore(t)
	rec := &recorder{}
	msg := strings.Replace(charsetORU("LN-1", "", "Doe", "x"), "OBX|1|ST|8251-1^Comment^LN||x", "OBX|1|NM|2823-3^Potassium^LN||<2.5", 1)
	a := parseACK(t, api.WrapMLLPInbound(rec, api.Deps{Records: store}).HandleMLLP(t.Context(), []byte(msg), "p"))
	assert.Equal(t, hl7.AckAccept, a.Code)
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.leniency"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "LN-1", recs[0].Exchange)
	assert.Equal(t, "segment 5 field 5: "+hl7.WarnNMComparator, recs[0].Code)
}

// The ingest handler's own refusals (here: not HL7 at all) are counted too.
func TestInboundCountsIngestRefusals(t *testing.T) {
	var refused []string
	h := api.MLLPInboundHandler(api.Deps{Records: sealedStore(t), HL7Inbound: api.HL7InboundOptions{Refused: func(r string) { refused = append(refused, r) }}})
	a := parseACK(t, h.HandleMLLP(t.Context(), []byte("this is not HL7"), "p"))
	assert.Equal(t, hl7.AckReject, a.Code)
	assert.Equal(t, []string{api.RefusedIngestReject}, refused)
}

// An embedded PDF is kept encrypted before the ingest runs, and the ingest sees its reference.
func TestInboundEmbeddedDocumentStoredWithReference(t *testing.T) {
	store := sealedStore(t)
	pdf := "%PDF-1.4 report"
	msg := strings.Replace(charsetORU("ED-1", "", "Doe", "x"), "OBX|1|ST|8251-1^Comment^LN||x",
		"OBX|1|ED|11526-1^Pathology study^LN||LAB^AP^PDF^Base64^JVBERi0xLjQgcmVwb3J0", 1)
	var ref string
	var found bool
	inner := mllp.HandlerFunc(func(ctx context.Context, m []byte, p string) []byte {
		ref, found = api.DocumentRef(ctx, 0, 0, 0)
		return (&recorder{}).HandleMLLP(ctx, m, p)
	})
	a := parseACK(t, api.WrapMLLPInbound(inner, api.Deps{Records: store}).HandleMLLP(t.Context(), []byte(msg), "p"))
	assert.Equal(t, hl7.AckAccept, a.Code)
	require.True(t, found)
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.document"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "audit:"+strconv.FormatInt(recs[0].ID, 10), ref)
	data, err := store.Payload(t.Context(), recs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, pdf, string(data))

	// A document that cannot be kept means no ACK.
	rec := &recorder{}
	assert.Nil(t, api.WrapMLLPInbound(rec, api.Deps{Records: failingStore{store}}).HandleMLLP(t.Context(), []byte(msg), "p"))
	assert.Empty(t, rec.received())
}

// onResult expects the lab workflow's result update for wid ("" for any order), accepted, and
// hands each result to run.
func onResult(tc *mocks.Client, wid string, run func(laborders.ResultSignal)) *mock.Call {
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Return(nil).Maybe()
	return tc.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return (wid == "" || o.WorkflowID == wid) && o.UpdateName == laborders.ResultUpdateName
	})).Run(func(args mock.Arguments) {
		if run != nil {
			run(args.Get(1).(client.UpdateWorkflowOptions).Args[0].(laborders.ResultSignal))
		}
	}).Return(h, nil)
}

// TestInboundDocumentsAndCodedValuesReachTheOrder: through the wrapper and the real ingest, an
// ED document reaches the order as the reference of its encrypted copy (never the data), an RP
// as the laboratory's pointer, and a CWE value as a coding.
func TestInboundDocumentsAndCodedValuesReachTheOrder(t *testing.T) {
	store := sealedStore(t)
	msg := strings.Replace(charsetORU("ED-2", "", "Doe", "x"), "OBX|1|ST|8251-1^Comment^LN||x",
		"OBX|1|ED|11526-1^Pathology study^LN||LAB^AP^PDF^Base64^JVBERi0xLjQgcmVwb3J0||||||F\r"+
			"OBX|2|RP|11526-1^Pathology study^LN|2|https://lab.example/doc/9^LAB^AP^PDF||||||F\r"+
			"OBX|3|CWE|600-7^Culture^LN||3092008^Staphylococcus aureus^SCT||||||F", 1)
	tc := mocks.NewClient(t)
	var got []laborders.ResultSignal
	onResult(tc, laborders.WorkflowID("PON-2024-0001"), func(r laborders.ResultSignal) { got = append(got, r) }).Once()
	a := parseACK(t, api.MLLPInboundHandler(api.Deps{Temporal: tc, Records: store}).HandleMLLP(t.Context(), []byte(msg), "p"))
	require.Equal(t, hl7.AckAccept, a.Code)
	require.Len(t, got, 1)
	obs := got[0].Observations
	require.Len(t, obs, 3)
	recs, err := store.List(t.Context(), audit.Filter{Action: "mllp.document"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "audit:"+strconv.FormatInt(recs[0].ID, 10), obs[0].DocumentRef)
	assert.Equal(t, "AP/PDF", obs[0].DocumentType)
	assert.Empty(t, obs[0].Value, "the document never enters workflow history")
	js, _ := json.Marshal(got[0])
	assert.NotContains(t, string(js), "JVBERi0", "no document data in the result")
	assert.Equal(t, "https://lab.example/doc/9", obs[1].DocumentRef)
	require.NotNil(t, obs[2].Coded)
	assert.Equal(t, laborders.CodedValue{Code: "3092008", Display: "Staphylococcus aureus", System: "SCT"}, *obs[2].Coded)
}
