package email_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/email"
	"github.com/careflow/engine/internal/sim/smtpsim"
)

func startSim(t *testing.T) *smtpsim.Server {
	t.Helper()
	srv, err := smtpsim.Start(smtpsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

func TestSendThroughSimulator(t *testing.T) {
	srv := startSim(t)
	c, err := email.New(email.Config{Addr: srv.SMTPAddr, From: "clinic@careflow.test", Insecure: true})
	require.NoError(t, err)
	res, err := c.Send(t.Context(), email.Message{To: "ada@example.org", Subject: "Sus resultados están listos",
		Body: "Hola Ada, sus resultados están disponibles.", MessageID: "notify-1@careflow.test"})
	require.NoError(t, err)
	assert.Equal(t, "accepted", res.Status)
	assert.Equal(t, "notify-1@careflow.test", res.MessageID)

	got := srv.Messages("ada@example.org")
	require.Len(t, got, 1)
	assert.Equal(t, "clinic@careflow.test", got[0].From)
	assert.Equal(t, "Sus resultados están listos", got[0].Subject)
	assert.Contains(t, got[0].Body, "sus resultados están disponibles")
	assert.Equal(t, "notify-1@careflow.test", got[0].MessageID)
	assert.Empty(t, srv.Messages("someone@else.org"))
}

func TestSendClassifiesSMTPAnswers(t *testing.T) {
	srv := startSim(t)
	c, err := email.New(email.Config{Addr: srv.SMTPAddr, From: "clinic@careflow.test", Insecure: true})
	require.NoError(t, err)

	_, err = c.Send(t.Context(), email.Message{To: "bounce@example.org", Subject: "s", Body: "b"})
	var e *email.Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, 550, e.Code)
	assert.False(t, e.Temporary)
	assert.NotContains(t, err.Error(), "bounce@", "the address stays out of error text")

	_, err = c.Send(t.Context(), email.Message{To: "tempfail@example.org", Subject: "s", Body: "b"})
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, 451, e.Code)
	assert.True(t, e.Temporary)
	assert.Empty(t, srv.Messages(""), "nothing was kept")
}

func TestSTARTTLSIsMandatoryForConfiguredRelays(t *testing.T) {
	srv := startSim(t) // offers no STARTTLS
	c, err := email.New(email.Config{Addr: srv.SMTPAddr, From: "clinic@careflow.test"})
	require.NoError(t, err)
	_, err = c.Send(t.Context(), email.Message{To: "ada@example.org", Subject: "s", Body: "b"})
	require.Error(t, err, "a relay without STARTTLS is refused rather than sent to in clear")
	assert.Empty(t, srv.Messages(""))
}

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]email.Config{
		"no port":  {Addr: "smtp.example.org", From: "a@b.org"},
		"bad port": {Addr: "smtp.example.org:x", From: "a@b.org"},
		"no from":  {Addr: "smtp.example.org:587"},
		"bad from": {Addr: "smtp.example.org:587", From: "not an address"},
	} {
		_, err := email.New(cfg)
		assert.Error(t, err, name)
	}
}
