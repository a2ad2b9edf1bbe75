package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
)

func TestReserveSlotLimitsPerWindow(t *testing.T) {
	a := &notify.Activities{Records: audit.NewMemory()}
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 19, 10, 0, 0, time.UTC)
	ask := func(id string, at time.Time) notify.Slot {
		s, err := a.ReserveSlot(ctx, notify.SlotInput{PatientID: "pat-1", NotificationID: id, At: at, Limit: 3, Window: time.Hour})
		require.NoError(t, err)
		return s
	}
	for i := 1; i <= 3; i++ {
		assert.True(t, ask(fmt.Sprint("n", i), at).Granted)
	}
	assert.True(t, ask("n2", at.Add(time.Minute)).Granted, "a retried call finds the slot it holds")
	full := ask("n4", at.Add(20*time.Minute))
	assert.False(t, full.Granted)
	assert.Equal(t, time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC), full.RetryAt)
	assert.True(t, ask("n4", full.RetryAt).Granted, "the next window has room")
	s, err := a.ReserveSlot(ctx, notify.SlotInput{PatientID: "pat-2", NotificationID: "n5", At: at, Limit: 3, Window: time.Hour})
	require.NoError(t, err)
	assert.True(t, s.Granted, "the limit is per patient")
}

// A slot asked for without a limit of its own takes the engine's configured one; zero turns
// the per-patient limit off.
func TestReserveSlotUsesTheConfiguredLimit(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 19, 10, 0, 0, time.UTC)
	a := &notify.Activities{Records: audit.NewMemory(), PatientLimit: 1, PatientWindow: 24 * time.Hour}
	s, err := a.ReserveSlot(ctx, notify.SlotInput{PatientID: "pat-1", NotificationID: "n1", At: at})
	require.NoError(t, err)
	assert.True(t, s.Granted)
	s, err = a.ReserveSlot(ctx, notify.SlotInput{PatientID: "pat-1", NotificationID: "n2", At: at.Add(time.Hour)})
	require.NoError(t, err)
	assert.False(t, s.Granted, "one a day")
	assert.Equal(t, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), s.RetryAt)

	off := &notify.Activities{Records: audit.NewMemory()}
	for i := range 5 {
		s, err := off.ReserveSlot(ctx, notify.SlotInput{PatientID: "pat-1", NotificationID: fmt.Sprint("n", i), At: at})
		require.NoError(t, err)
		assert.True(t, s.Granted)
	}
}

type fakeFHIR struct{ patient string }

func (f fakeFHIR) Read(_ context.Context, rt, id string) (*fhir.Resource, error) {
	return &fhir.Resource{Type: rt, ID: id, Raw: json.RawMessage(f.patient)}, nil
}

func TestResolveRecipientAppliesContactRulesAndOptOuts(t *testing.T) {
	store := audit.NewMemory()
	prefs := store.(audit.PreferenceStore)
	require.NoError(t, prefs.SetOptOut(context.Background(), audit.ChannelSMS, "+15551230002", true))
	_, err := prefs.PutPreferences(context.Background(), audit.Preferences{PatientID: "pat-1", Channels: []string{"email", "sms"}})
	require.NoError(t, err)
	chart := `{"resourceType":"Patient","id":"pat-1",
	 "name":[{"use":"old","given":["Maria"]},{"use":"usual","given":["Mia"]}],
	 "telecom":[{"system":"phone","use":"mobile","value":"+15551230001","period":{"end":"2020-01-01"}},
	            {"system":"phone","use":"mobile","value":"+15551230002","rank":1},
	            {"system":"email","value":"mia@example.org"}],
	 "communication":[{"language":{"coding":[{"code":"es"}]},"preferred":true}]}`
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&notify.Activities{FHIR: fakeFHIR{chart}, Records: store,
		Now: func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }})
	v, err := env.ExecuteActivity(notify.ResolveRecipientName, notify.ResolveInput{PatientID: "pat-1"})
	require.NoError(t, err)
	var r notify.Recipient
	require.NoError(t, v.Get(&r))
	assert.Equal(t, "+15551230002", r.Mobile, "the ended number is never chosen")
	assert.True(t, r.MobileOptedOut)
	assert.Equal(t, "mia@example.org", r.Email)
	assert.False(t, r.EmailOptedOut)
	assert.Equal(t, "Mia", r.FirstName)
	assert.Equal(t, "es", r.Language)
	assert.Equal(t, []string{"email", "sms"}, r.Channels)
}

func TestActivityNamesResolve(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&notify.Activities{Records: audit.NewMemory()})
	_, err := env.ExecuteActivity(notify.ReserveSlotName, notify.SlotInput{PatientID: "p", NotificationID: "n", Limit: 1, Window: time.Hour})
	require.NoError(t, err)
}
