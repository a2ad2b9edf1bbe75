package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"golang.org/x/text/encoding/charmap"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/laborders"
)

// adminHarness is the API on a sealing store, with a way to send messages as MLLP would.
func adminHarness(t *testing.T) (*harness, audit.Store) {
	t.Helper()
	store := sealedStore(t)
	h := newHarness(t, func(d *api.Deps) { d.Records = store })
	return h, store
}

// send handles msg as the MLLP listener would and returns the ACK code.
func (h *harness) send(msg string) string {
	h.t.Helper()
	return parseACK(h.t, api.MLLPInboundHandler(h.deps).HandleMLLP(h.t.Context(), []byte(msg), "10.0.0.9")).Code
}

func (h *harness) messages(query string) api.MessageList {
	h.t.Helper()
	w := h.do(http.MethodGet, "/v1/admin/messages"+query, "", adminSecret)
	require.Equal(h.t, http.StatusOK, w.Code, w.Body.String())
	var l api.MessageList
	require.NoError(h.t, json.Unmarshal(w.Body.Bytes(), &l))
	return l
}

func (h *harness) reprocess(id int64) api.ReprocessResult {
	h.t.Helper()
	w := h.do(http.MethodPost, "/v1/admin/messages/"+strconv.FormatInt(id, 10)+"/reprocess", "", adminSecret)
	require.Equal(h.t, http.StatusOK, w.Code, w.Body.String())
	var res api.ReprocessResult
	require.NoError(h.t, json.Unmarshal(w.Body.Bytes(), &res))
	return res
}

// orderMissing makes the next result update find no lab order, as before it is created.
func orderMissing(tc *mocks.Client, wid string) *mock.Call {
	return tc.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == wid && o.UpdateName == laborders.ResultUpdateName
	})).Return(nil, serviceerror.NewNotFound("workflow not found")).Once()
}

// TestAdminMessagesListFiltersAndShowsMetadataOnly: the listing filters by outcome, time and
// limit, and its bodies carry identifiers and codes, never the message's content.
func TestAdminMessagesListFiltersAndShowsMetadataOnly(t *testing.T) {
	h, _ := adminHarness(t)
	wid := laborders.WorkflowID("PON-2024-0001")
	orderMissing(h.temporal, wid)
	onResult(h.temporal, wid, nil).Once()
	require.Equal(t, hl7.AckError, h.send(charsetORU("RJ-1", "", "Zyxwright", "secret-result-text")))
	require.Equal(t, hl7.AckAccept, h.send(charsetORU("OK-1", "", "Zyxwright", "secret-result-text")))

	all := h.messages("")
	require.Len(t, all.Messages, 2)
	assert.Zero(t, all.Next)
	rej := all.Messages[0]
	assert.Equal(t, "rejected", rej.Outcome)
	assert.Equal(t, hl7.AckError, rej.Code)
	assert.Equal(t, "RJ-1", rej.Exchange)
	assert.Equal(t, wid, rej.Process)
	assert.Equal(t, "mllp.inbound", rej.Action)
	assert.Equal(t, "mllp", rej.Channel)
	assert.Equal(t, "mllp:10.0.0.9", rej.Source)
	assert.True(t, rej.HasPayload)
	assert.Equal(t, "accepted", all.Messages[1].Outcome)

	w := h.do(http.MethodGet, "/v1/admin/messages", "", adminSecret)
	for _, phi := range []string{"Zyxwright", "MRN100234", "secret-result-text", "OBX", "PID"} {
		assert.NotContains(t, w.Body.String(), phi)
	}

	rejected := h.messages("?outcome=rejected")
	require.Len(t, rejected.Messages, 1)
	assert.Equal(t, "RJ-1", rejected.Messages[0].Exchange)
	accepted := h.messages("?outcome=accepted")
	require.Len(t, accepted.Messages, 1)
	assert.Equal(t, "OK-1", accepted.Messages[0].Exchange)

	assert.Empty(t, h.messages("?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)).Messages)
	assert.Len(t, h.messages("?since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)).Messages, 2)

	first := h.messages("?limit=1")
	require.Len(t, first.Messages, 1)
	assert.Equal(t, first.Messages[0].ID, first.Next)
	second := h.messages("?limit=1&after=" + strconv.FormatInt(first.Next, 10))
	require.Len(t, second.Messages, 1)
	assert.Equal(t, "OK-1", second.Messages[0].Exchange)

	for _, q := range []string{"?outcome=maybe", "?since=yesterday", "?limit=0", "?limit=1001", "?after=x"} {
		w := h.do(http.MethodGet, "/v1/admin/messages"+q, "", adminSecret)
		assert.Equal(t, http.StatusBadRequest, w.Code, q)
		assert.NotEmpty(t, problem(t, w).InvalidParams, q)
	}
}

// TestAdminMessagesNeedTheAdminScope: no token is 401, a token without admin is 403, for both routes.
func TestAdminMessagesNeedTheAdminScope(t *testing.T) {
	h, _ := adminHarness(t)
	for _, rt := range []struct{ method, path string }{
		{http.MethodGet, "/v1/admin/messages"},
		{http.MethodPost, "/v1/admin/messages/1/reprocess"},
	} {
		assert.Equal(t, http.StatusUnauthorized, problem(t, h.do(rt.method, rt.path, "", "")).Status, rt.path)
		assert.Equal(t, http.StatusForbidden, problem(t, h.do(rt.method, rt.path, "", readerSecret)).Status, rt.path)
		assert.Equal(t, http.StatusForbidden, problem(t, h.do(rt.method, rt.path, "", writerSecret)).Status, rt.path)
	}
}

// TestAdminReprocessUnknownOrUnkept: an unknown id (or one that is not an inbound message) is
// 404, a record kept without its message is 409; nothing is re-driven.
func TestAdminReprocessUnknownOrUnkept(t *testing.T) {
	h, store := adminHarness(t)
	other, err := store.Append(t.Context(), audit.Record{Actor: "worker", Action: "stripe.capture", Outcome: audit.OutcomeOK})
	require.NoError(t, err)
	unkept, err := store.Append(t.Context(), audit.Record{Actor: "mllp:p", Action: "mllp.inbound", Vendor: "lis",
		Outcome: audit.OutcomeError, Exchange: "X-1"})
	require.NoError(t, err)
	for _, id := range []string{"999", "0", "-1", "abc", strconv.FormatInt(other.ID, 10)} {
		w := h.do(http.MethodPost, "/v1/admin/messages/"+id+"/reprocess", "", adminSecret)
		assert.Equal(t, http.StatusNotFound, problem(t, w).Status, id)
	}
	w := h.do(http.MethodPost, "/v1/admin/messages/"+strconv.FormatInt(unkept.ID, 10)+"/reprocess", "", adminSecret)
	p := problem(t, w)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Detail, "without its message")
	h.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
}

// TestAdminReprocessRejectedMessageAfterOrderExists: a result refused because its order did not
// exist yet is accepted when reprocessed after the order was created; the new record names the
// original and the reprocess is audited with the token name.
func TestAdminReprocessRejectedMessageAfterOrderExists(t *testing.T) {
	h, store := adminHarness(t)
	wid := laborders.WorkflowID("PON-2024-0001")
	orderMissing(h.temporal, wid)
	require.Equal(t, hl7.AckError, h.send(charsetORU("RP-1", "", "Doe", "x")))
	orig := h.messages("?outcome=rejected").Messages[0]

	var got []laborders.ResultSignal
	onResult(h.temporal, wid, func(s laborders.ResultSignal) { got = append(got, s) }).Once()
	res := h.reprocess(orig.ID)
	assert.Equal(t, hl7.AckAccept, res.Ack)
	assert.Equal(t, []string{hl7.AckAccept}, res.Acks)
	assert.Equal(t, orig.ID, res.Original)
	assert.False(t, res.Duplicate)
	require.Len(t, got, 1)
	assert.Equal(t, "RP-1", got[0].MessageControlID)

	require.Len(t, res.Records, 1)
	l := h.messages("?outcome=accepted")
	require.Len(t, l.Messages, 1)
	assert.Equal(t, res.Records[0], l.Messages[0].ID)
	assert.Equal(t, orig.ID, l.Messages[0].ReprocessOf)
	assert.Equal(t, "mllp:reprocess:"+strconv.FormatInt(orig.ID, 10), l.Messages[0].Source)
	assert.True(t, l.Messages[0].HasPayload)

	recs, err := store.List(t.Context(), audit.Filter{Action: "admin.reprocess"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, res.Audit, recs[0].ID)
	assert.Equal(t, "admin", recs[0].Actor)
	assert.Equal(t, strconv.FormatInt(orig.ID, 10), recs[0].Exchange)
	assert.Equal(t, audit.OutcomeOK, recs[0].Outcome)
	assert.Equal(t, hl7.AckAccept, recs[0].Code)
	assert.Equal(t, wid, recs[0].Process)
}

// TestAdminReprocessStillRefusedAndDuplicate: a message still refused answers 200 with the AE
// and its reason; one the order already has is reported as a duplicate.
func TestAdminReprocessStillRefusedAndDuplicate(t *testing.T) {
	h, store := adminHarness(t)
	wid := laborders.WorkflowID("PON-2024-0001")
	orderMissing(h.temporal, wid)
	require.Equal(t, hl7.AckError, h.send(charsetORU("RP-2", "", "Doe", "x")))
	orig := h.messages("").Messages[0]
	orderMissing(h.temporal, wid)
	res := h.reprocess(orig.ID)
	assert.Equal(t, hl7.AckError, res.Ack)
	assert.Contains(t, res.Reason, "unknown order PON-2024-0001")
	recs, err := store.List(t.Context(), audit.Filter{Action: "admin.reprocess"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, audit.OutcomeRejected, recs[0].Outcome)

	// The order already stored this MSH-10: the workflow says so and nothing is filed twice.
	handle := &mocks.WorkflowUpdateHandle{}
	handle.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		args.Get(1).(*laborders.ResultAccepted).Duplicate = true
	}).Return(nil)
	h.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(handle, nil).Once()
	res = h.reprocess(orig.ID)
	assert.Equal(t, hl7.AckAccept, res.Ack)
	assert.True(t, res.Duplicate)
}

// TestAdminReprocessGoesThroughTheInboundChecks: the sender allowlist applies to a reprocess
// as to MLLP (the wrapper, not only the ingest, re-drives the message).
func TestAdminReprocessGoesThroughTheInboundChecks(t *testing.T) {
	h, _ := adminHarness(t)
	orderMissing(h.temporal, laborders.WorkflowID("PON-2024-0001"))
	require.Equal(t, hl7.AckError, h.send(charsetORU("RP-3", "", "Doe", "x")))
	orig := h.messages("").Messages[0]
	h.deps.HL7Inbound.AllowedSenders = []string{"OTHERLIS^OTHERFAC"}
	h.handler = api.New(h.deps)
	res := h.reprocess(orig.ID)
	assert.Equal(t, hl7.AckReject, res.Ack)
	assert.True(t, strings.Contains(res.Reason, "MSH-3/MSH-4"), res.Reason)
}

// TestAdminReprocessKeepsTheCharacterSet: a Latin-1 message refused by the ingest (kept as
// decoded UTF-8, MSH-18 rewritten) reaches the order with the same text when reprocessed.
func TestAdminReprocessKeepsTheCharacterSet(t *testing.T) {
	h, _ := adminHarness(t)
	wid := laborders.WorkflowID("PON-2024-0001")
	orderMissing(h.temporal, wid)
	latin1 := cm(charmap.ISO8859_1)(charsetORU("RP-L1", "8859/1", "Müller", "Probe hämolysiert, Peña"))
	ack, err := hl7.DecodeCharset(api.MLLPInboundHandler(h.deps).HandleMLLP(t.Context(), latin1, "p"))
	require.NoError(t, err)
	require.Equal(t, hl7.AckError, parseACK(t, ack.Message).Code)
	orig := h.messages("").Messages[0]

	var sig []byte
	onResult(h.temporal, wid, func(r laborders.ResultSignal) { sig, _ = json.Marshal(r) }).Once()
	assert.Equal(t, hl7.AckAccept, h.reprocess(orig.ID).Ack)
	require.True(t, utf8.Valid(sig))
	assert.Contains(t, string(sig), "Probe hämolysiert, Peña")
}
