package ncpdp

import "time"

// Status and Error codes the engine sends and reads.
const (
	StatusTransactionSuccessful = "000"
	StatusAcceptedByReceiver    = "010"
	ErrorCommunicationProblem   = "600"
	ErrorReceiverUnable         = "601"
	ErrorReceiverSystemError    = "602"
	ErrorTransactionRejected    = "900"
)

// ReplyHeader returns the header of an answer to req: To and From swapped,
// RelatesToMessageID set to req's MessageID, and the prescriber order and
// pharmacy prescription numbers carried over.
func ReplyHeader(req *Message, messageID string, sent time.Time) Header {
	return Header{
		To:                    req.Header.From,
		From:                  req.Header.To,
		MessageID:             messageID,
		RelatesToMessageID:    req.Header.MessageID,
		SentTime:              UTCTime{sent.UTC()},
		PrescriberOrderNumber: req.Header.PrescriberOrderNumber,
		RxReferenceNumber:     req.Header.RxReferenceNumber,
	}
}

// NewStatus builds a Status answer to req with code (usually
// StatusTransactionSuccessful).
func NewStatus(req *Message, messageID string, sent time.Time, code string) *Message {
	m := &Message{Header: ReplyHeader(req, messageID, sent), Body: Body{Status: &Status{Code: code}}}
	m.fillDefaults()
	return m
}

// NewError builds an Error answer to req. Description must not carry PHI.
func NewError(req *Message, messageID string, sent time.Time, code, descriptionCode, description string) *Message {
	m := &Message{
		Header: ReplyHeader(req, messageID, sent),
		Body:   Body{Error: &Error{Code: code, DescriptionCode: descriptionCode, Description: description}},
	}
	m.fillDefaults()
	return m
}
