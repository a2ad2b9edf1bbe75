package email_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/email"
	emailclient "github.com/careflow/engine/clients/email"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/smtpsim"
)

func env(t *testing.T, store audit.Store) (*testsuite.TestActivityEnvironment, *smtpsim.Server) {
	t.Helper()
	srv, err := smtpsim.Start(smtpsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c, err := emailclient.New(emailclient.Config{Addr: srv.SMTPAddr, From: "clinic@careflow.test", Insecure: true})
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	e := suite.NewTestActivityEnvironment()
	e.RegisterActivity(&email.Activities{Mail: c, Records: store})
	return e, srv
}

func TestSendEmailThroughSimulator(t *testing.T) {
	store := audit.NewMemory()
	e, srv := env(t, store)
	v, err := e.ExecuteActivity(email.SendEmailName, email.SendInput{To: "ada@example.org", Subject: "A message from your clinic",
		Body: "Hi Ada, your results are ready.", Reference: "notification:n-1/email"})
	require.NoError(t, err)
	var res email.SendResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, "accepted", res.Status)
	assert.Equal(t, "notification.n-1.email@careflow.invalid", res.MessageID)
	msgs := srv.Messages("ada@example.org")
	require.Len(t, msgs, 1)
	assert.Equal(t, res.MessageID, msgs[0].MessageID)
	recs, err := store.List(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "250", recs[0].Code)
	assert.NotContains(t, recs[0].Exchange, "ada@")
}

func TestSendEmailBounceIsPermanentAndOptOutRefuses(t *testing.T) {
	store := audit.NewMemory()
	e, srv := env(t, store)
	_, err := e.ExecuteActivity(email.SendEmailName, email.SendInput{To: "bounce@example.org", Subject: "s", Body: "b", Reference: "r"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, email.ErrTypeRejected, appErr.Type())
	assert.True(t, appErr.NonRetryable())

	require.NoError(t, store.(audit.PreferenceStore).SetOptOut(context.Background(), audit.ChannelEmail, "ada@example.org", true))
	_, err = e.ExecuteActivity(email.SendEmailName, email.SendInput{To: "Ada@example.org", Subject: "s", Body: "b", Reference: "r"})
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, email.ErrTypeOptedOut, appErr.Type())
	assert.Empty(t, srv.Messages(""))
}
