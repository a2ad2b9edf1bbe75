package clearinghouse_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchResponse is a CORE batch answer with root element el.
func batchResponse(el, payloadType, payloadID, payload string) string {
	p := ""
	if payload != "" {
		p = "<Payload><![CDATA[" + payload + "]]></Payload>"
	}
	return `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` +
		`<c:` + el + ` xmlns:c="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">` +
		`<PayloadType>` + payloadType + `</PayloadType><ProcessingMode>Batch</ProcessingMode>` +
		`<PayloadID>` + payloadID + `</PayloadID>` + p + `<ErrorCode>Success</ErrorCode>` +
		`</c:` + el + `></s:Body></s:Envelope>`
}

func TestSubmitBatchShape(t *testing.T) {
	rs := newResponder(t, http.StatusOK, nil,
		batchResponse("COREEnvelopeBatchSubmissionResponse", clearinghouse.PayloadType837P, "sub-1", ""))
	rcpt, err := newClient(rs.server.URL).SubmitBatch(context.Background(), clearinghouse.BatchSubmission{
		PayloadType: clearinghouse.PayloadType837P, PayloadID: "sub-1", Payload: []byte("ISA*837~")})
	require.NoError(t, err)
	assert.Equal(t, "sub-1", rcpt.PayloadID)
	got := rs.last(t)
	assert.Equal(t, clearinghouse.BatchSubmitContentType, got.contentType)
	body := string(got.body)
	assert.Contains(t, body, "<cor:COREEnvelopeBatchSubmission ")
	assert.Contains(t, body, "<ProcessingMode>Batch</ProcessingMode>")
	assert.Contains(t, body, "<PayloadType>X12_837_Request_005010X222A1</PayloadType>")
	assert.Contains(t, body, "<![CDATA[ISA*837~]]>")
}

func TestRetrieveBatchResults(t *testing.T) {
	rs := newResponder(t, http.StatusOK, nil,
		batchResponse("COREEnvelopeBatchResultsRetrievalResponse", clearinghouse.PayloadType835, "r-1", "ISA*835~"))
	f, err := newClient(rs.server.URL).RetrieveBatchResults(context.Background(), clearinghouse.PayloadType835Retrieval, "r-1")
	require.NoError(t, err)
	require.NotNil(t, f)
	assert.Equal(t, clearinghouse.PayloadType835, f.PayloadType)
	assert.Equal(t, "ISA*835~", string(f.Payload))
	body := string(rs.last(t).body)
	assert.Contains(t, body, "<cor:COREEnvelopeBatchResultsRetrievalRequest ")
	assert.False(t, strings.Contains(body, "<Payload>"), "a retrieval request carries no payload")
	assert.Equal(t, clearinghouse.BatchRetrieveContentType, rs.last(t).contentType)

	// Nothing pending: a success without a payload.
	empty := newResponder(t, http.StatusOK, nil,
		batchResponse("COREEnvelopeBatchResultsRetrievalResponse", clearinghouse.PayloadType835, "r-2", ""))
	f, err = newClient(empty.server.URL).RetrieveBatchResults(context.Background(), clearinghouse.PayloadType835Retrieval, "r-2")
	require.NoError(t, err)
	assert.Nil(t, f)
}

func TestSubmitBatchErrors(t *testing.T) {
	rs := newResponder(t, http.StatusServiceUnavailable, nil, soapFault("Receiver", "", "busy"))
	sub := clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P, PayloadID: "sub-1", Payload: []byte("ISA~")}
	_, err := newClient(rs.server.URL).SubmitBatch(context.Background(), sub)
	require.Error(t, err)
	assert.True(t, clearinghouse.IsRetryable(err))

	sub.Payload = nil
	_, err = newClient(rs.server.URL).SubmitBatch(context.Background(), sub)
	var ce *clearinghouse.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, clearinghouse.CodeInvalidRequest, ce.Code)
}
