package clearinghouse

import "context"

// CORE batch mode (CORE Connectivity rule 2.2.0, ProcessingMode Batch): a
// batch submission is acknowledged by the envelope alone (ErrorCode Success,
// no payload); its 999, the 277CA and the 835 are picked up later by
// results retrieval requests, or pushed to the engine's webhook.
const (
	// ProcessingModeBatch is the processing mode of batch envelopes.
	ProcessingModeBatch = "Batch"
	// PayloadType837P submits professional claims.
	PayloadType837P = "X12_837_Request_005010X222A1"
	// PayloadType999Retrieval, PayloadType277CARetrieval and
	// PayloadType835Retrieval ask for the next pending results file of
	// that kind.
	PayloadType999Retrieval   = "X12_999_RetrievalRequest_005010X231A1"
	PayloadType277CARetrieval = "X12_277CA_RetrievalRequest_005010X214"
	PayloadType835Retrieval   = "X12_835_RetrievalRequest_005010X221A1"
	// PayloadType277CA and PayloadType835 name the retrieved files
	// (PayloadType999 names a 999).
	PayloadType277CA = "X12_277_Response_005010X214"
	PayloadType835   = "X12_835_Response_005010X221A1"

	// BatchSubmitContentType and BatchRetrieveContentType carry the SOAP
	// 1.2 action of each batch operation.
	BatchSubmitContentType   = `application/soap+xml; charset=utf-8; action="BatchSubmitTransaction"`
	BatchRetrieveContentType = `application/soap+xml; charset=utf-8; action="BatchResultsRetrievalTransaction"`

	batchSubmissionElement = "COREEnvelopeBatchSubmission"
	batchRetrievalElement  = "COREEnvelopeBatchResultsRetrievalRequest"
	realTimeRequestElement = "COREEnvelopeRealTimeRequest"
)

// BatchSubmission is one X12 interchange submitted in batch mode.
type BatchSubmission struct {
	// PayloadType names the transaction, e.g. PayloadType837P.
	PayloadType string
	// PayloadID is the deterministic idempotency key; a retry reuses it and
	// the clearinghouse accepts the batch only once.
	PayloadID string
	// Payload is the X12 interchange.
	Payload []byte
}

// BatchReceipt is the clearinghouse's acceptance of a batch envelope; the
// X12 answers come later.
type BatchReceipt struct {
	PayloadID string
}

// SubmitBatch sends one batch. Errors are *Error classified as for RealTime:
// a retry with the same PayloadID is safe because the clearinghouse keeps
// the first submission of a PayloadID.
func (c *Client) SubmitBatch(ctx context.Context, sub BatchSubmission) (*BatchReceipt, error) {
	req := RealTimeRequest(sub)
	if err := c.validate(req); err != nil {
		return nil, err
	}
	resp, err := c.exchange(ctx, req, envelopeFields{element: batchSubmissionElement, mode: ProcessingModeBatch},
		BatchSubmitContentType, false)
	if err != nil {
		return nil, err
	}
	return &BatchReceipt{PayloadID: resp.PayloadID}, nil
}

// BatchFile is one retrieved results file.
type BatchFile struct {
	// PayloadType names what it holds: PayloadType999, PayloadType277CA or
	// PayloadType835.
	PayloadType string
	// Payload is the X12 interchange.
	Payload []byte
}

// RetrieveBatchResults asks for the next pending results file of one kind
// (PayloadType999Retrieval, PayloadType277CARetrieval,
// PayloadType835Retrieval). It returns nil, nil when nothing is pending. A
// retry with the same PayloadID returns the same file, so a lost answer does
// not lose the file.
func (c *Client) RetrieveBatchResults(ctx context.Context, payloadType, payloadID string) (*BatchFile, error) {
	req := RealTimeRequest{PayloadType: payloadType, PayloadID: payloadID}
	if err := c.validateConfig(req); err != nil {
		return nil, err
	}
	resp, err := c.exchange(ctx, req, envelopeFields{element: batchRetrievalElement, mode: ProcessingModeBatch},
		BatchRetrieveContentType, false)
	if err != nil {
		return nil, err
	}
	if len(resp.Payload) == 0 {
		return nil, nil
	}
	return &BatchFile{PayloadType: resp.PayloadType, Payload: resp.Payload}, nil
}
