package twilio_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/twiliosim"
)

// TestFindSentAdoptsTheMessageOfALostAnswer: Twilio created the message but its answer was
// lost; FindSent finds that message (same number, same text, created since the first attempt),
// so the caller does not text the patient twice. Other texts and older ones are not taken.
func TestFindSentAdoptsTheMessageOfALostAnswer(t *testing.T) {
	srv := startSim(t)
	c := newClient(t, srv, "")
	ctx := context.Background()
	const to, body = "+15551230003", "Your results are available in the portal."
	old, err := c.SendSMS(ctx, to, body)
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond) // Twilio's dates have whole seconds
	since := time.Now()
	_, err = c.SendSMS(ctx, to, "Another text to the same number.")
	require.NoError(t, err)

	none, err := c.FindSent(ctx, to, body, since)
	require.NoError(t, err)
	assert.Empty(t, none, "the same text sent before this attempt began is not this attempt's")

	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpSend, Kind: twiliosim.FaultLostAnswer, Count: 1})
	_, err = c.SendSMS(ctx, to, body)
	te := requireTwilioError(t, err)
	assert.True(t, te.Retryable)
	require.Equal(t, 3, srv.Sim.Stats().SentByTo[to], "the lost answer's message was sent")

	found, err := c.FindSent(ctx, to, body, since)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.NotEqual(t, old.SID, found[0].SID)
	assert.Equal(t, to, found[0].To)
	other, err := c.FindSent(ctx, "+15551230004", body, since)
	require.NoError(t, err)
	assert.Empty(t, other)
	assert.Equal(t, 3, srv.Sim.Stats().SentByTo[to], "looking sends nothing")
}

// TestFindSentFailuresAreClassified: a failing list is a retryable *Error like a failing send.
func TestFindSentFailuresAreClassified(t *testing.T) {
	srv := startSim(t)
	c := newClient(t, srv, "")
	srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpList, Kind: twiliosim.FaultServerError, Count: 1})
	_, err := c.FindSent(context.Background(), "+15551230003", "x", time.Now())
	assert.True(t, requireTwilioError(t, err).Retryable)
	_, err = c.FindSent(context.Background(), "not-a-number", "x", time.Now())
	assert.False(t, requireTwilioError(t, err).Retryable)
}
