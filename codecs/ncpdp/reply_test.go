package ncpdp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplies builds Status and Error answers that relate to the request and
// pass validation.
func TestReplies(t *testing.T) {
	req := mustDecode(t, readTestdata(t, "rxchange_request.xml"))
	sent := time.Date(2024, 3, 15, 8, 0, 0, 0, time.FixedZone("EST", -5*3600))

	st := NewStatus(req, "CF-ST-9", sent, StatusTransactionSuccessful)
	out, err := Encode(st)
	require.NoError(t, err)
	back := mustDecode(t, out)
	assert.Equal(t, TypeStatus, back.Type())
	assert.Equal(t, "PH-CHG-1", back.Header.RelatesToMessageID)
	assert.Equal(t, req.Header.From, back.Header.To)
	assert.Equal(t, req.Header.To, back.Header.From)
	assert.Equal(t, "PH-RX-555", back.Header.RxReferenceNumber)
	assert.Equal(t, "RX-1001", back.Header.PrescriberOrderNumber)
	assert.Equal(t, time.Date(2024, 3, 15, 13, 0, 0, 0, time.UTC), back.Header.SentTime.Time)

	e := NewError(req, "CF-ER-9", sent, ErrorTransactionRejected, "210", "Unknown prescription")
	out, err = Encode(e)
	require.NoError(t, err)
	back = mustDecode(t, out)
	assert.Equal(t, Error{Code: "900", DescriptionCode: "210", Description: "Unknown prescription"}, *back.Body.Error)
}
