package sms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

type fakeSender struct {
	msg *twilio.Message
	err error
	to  string
}

func (f *fakeSender) SendSMS(_ context.Context, to, _ string) (*twilio.Message, error) {
	f.to = to
	return f.msg, f.err
}

func run(t *testing.T, s sms.Sender, store audit.Store) (sms.SendResult, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&sms.Activities{SMS: s, Records: store})
	v, err := env.ExecuteActivity(sms.SendSMSName, sms.SendInput{To: "+15551230001", Body: "Hi Ada", Reference: "checkin:a/sms"})
	if err != nil {
		return sms.SendResult{}, err
	}
	var res sms.SendResult
	require.NoError(t, v.Get(&res))
	return res, nil
}

func TestSendSMSRecordsSIDOnly(t *testing.T) {
	store := audit.NewMemory()
	f := &fakeSender{msg: &twilio.Message{SID: "SM123", Status: "queued"}}
	res, err := run(t, f, store)
	require.NoError(t, err)
	require.Equal(t, "SM123", res.SID)
	require.Equal(t, "+15551230001", f.to)
	recs, err := store.List(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "SM123", recs[0].Exchange)
	require.Equal(t, audit.OutcomeOK, recs[0].Outcome)
}

func TestSendSMSClassifiesErrors(t *testing.T) {
	_, err := run(t, &fakeSender{err: &twilio.Error{Code: 21211, HTTPStatus: 400}}, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, sms.ErrTypeInvalidRecipient, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.NotContains(t, err.Error(), "+1555")

	_, err = run(t, &fakeSender{err: &twilio.Error{Code: 20429, HTTPStatus: 429, Retryable: true}}, nil)
	require.Error(t, err)
	require.False(t, errors.As(err, &appErr) && appErr.NonRetryable())
}

func TestSendSMSRefusesOptedOutNumber(t *testing.T) {
	store := audit.NewMemory()
	prefs := store.(audit.PreferenceStore)
	require.NoError(t, prefs.SetOptOut(context.Background(), audit.ChannelSMS, "+15551230001", true))
	f := &fakeSender{msg: &twilio.Message{SID: "SM1", Status: "queued"}}
	_, err := run(t, f, store)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, sms.ErrTypeOptedOut, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, err.Error(), sms.NotNotifiedOptedOut)
	require.Empty(t, f.to, "nothing was sent")
	recs, err := store.List(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, sms.CodeOptedOut, recs[0].Code)
	require.Equal(t, audit.OutcomeRejected, recs[0].Outcome)

	// START reverses it.
	require.NoError(t, prefs.SetOptOut(context.Background(), audit.ChannelSMS, "+15551230001", false))
	res, err := run(t, f, store)
	require.NoError(t, err)
	require.Equal(t, "SM1", res.SID)
}

func TestSendSMSRespectsPatientPreferences(t *testing.T) {
	store := audit.NewMemory()
	_, err := store.(audit.PreferenceStore).PutPreferences(context.Background(),
		audit.Preferences{PatientID: "pat-1", OptedOut: []string{"sms"}})
	require.NoError(t, err)
	f := &fakeSender{msg: &twilio.Message{SID: "SM1"}}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&sms.Activities{SMS: f, Records: store})
	_, err = env.ExecuteActivity("SendSMS", sms.SendInput{To: "+15551230009", Body: "Hi", Reference: "r", PatientID: "pat-1"})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, sms.ErrTypeOptedOut, appErr.Type())
	require.Empty(t, f.to)
}

func TestSendSMSTracksTheSIDForItsNotification(t *testing.T) {
	store := audit.NewMemory()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&sms.Activities{SMS: &fakeSender{msg: &twilio.Message{SID: "SM9", Status: "queued"}}, Records: store})
	_, err := env.ExecuteActivity("SendSMS", sms.SendInput{To: "+15551230001", Body: "Hi", Reference: "r", TrackAs: "notification:n-1"})
	require.NoError(t, err)
	wid, err := store.LookupCrosswalk(context.Background(), crosswalk.NotifySMSSID, "SM9")
	require.NoError(t, err)
	require.Equal(t, "notification:n-1", wid)
}

// trackedSender is a fakeSender that also takes a callback ref, as the Twilio client does.
type trackedSender struct {
	fakeSender
	ref string
}

func (f *trackedSender) SendSMSTracked(ctx context.Context, to, body, ref string) (*twilio.Message, error) {
	f.ref = ref
	return f.SendSMS(ctx, to, body)
}

// A tracked text carries its workflow in the status callback URL, so an early callback needs no
// SID mapping; an untracked one does not; a page carries its lab order.
func TestSendSMSPutsTrackAsIntoTheCallback(t *testing.T) {
	f := &trackedSender{fakeSender: fakeSender{msg: &twilio.Message{SID: "SM9", Status: "queued"}}}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&sms.Activities{SMS: f})
	_, err := env.ExecuteActivity(sms.SendSMSName, sms.SendInput{To: "+15551230001", Body: "Hi", Reference: "r", TrackAs: "notification:n-1"})
	require.NoError(t, err)
	require.Equal(t, "notification:n-1", f.ref)

	f.ref = "unset"
	_, err = env.ExecuteActivity(sms.SendSMSName, sms.SendInput{To: "+15551230001", Body: "Hi", Reference: "r"})
	require.NoError(t, err)
	require.Equal(t, "unset", f.ref, "no ref without TrackAs")

	// A page names its lab order.
	_, err = env.ExecuteActivity(sms.PageName, sms.PageInput{To: "+15550000001", Body: "CRITICAL", Code: "123456",
		WorkflowID: "laborder:LAB-1", Role: "ordering-provider"})
	require.NoError(t, err)
	require.Equal(t, "laborder:LAB-1", f.ref)
}
