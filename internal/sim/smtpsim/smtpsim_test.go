package smtpsim_test

import (
	"encoding/json"
	"net/http"
	"net/smtp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/smtpsim"
)

// The simulator keeps what it accepts and shows it over HTTP; magic recipients are refused.
func TestKeepsAndShowsMessages(t *testing.T) {
	srv, err := smtpsim.Start(smtpsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	msg := "From: clinic@careflow.test\r\nTo: ada@example.org\r\nSubject: Hello\r\nMessage-Id: <m1@careflow.test>\r\n\r\nHi Ada\r\n"
	require.NoError(t, smtp.SendMail(srv.SMTPAddr, nil, "clinic@careflow.test", []string{"ada@example.org"}, []byte(msg)))
	err = smtp.SendMail(srv.SMTPAddr, nil, "clinic@careflow.test", []string{"bounce@example.org"}, []byte(msg))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "550")

	resp, err := http.Get(srv.URL + "/messages?to=ada@example.org")
	require.NoError(t, err)
	defer resp.Body.Close()
	var got struct{ Messages []smtpsim.Message }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.Len(t, got.Messages, 1)
	assert.Equal(t, "Hello", got.Messages[0].Subject)
	assert.Equal(t, "m1@careflow.test", got.Messages[0].MessageID)
	assert.Equal(t, "Hi Ada", strings.TrimSpace(got.Messages[0].Body))
	assert.Len(t, srv.Messages(""), 1, "the bounced message was not kept")
}
