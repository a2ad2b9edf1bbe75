package sms_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/twiliosim"
)

// sendOnce is a workflow that sends one text with retries, as the processes do.
func sendOnce(ctx workflow.Context, in sms.SendInput) (sms.SendResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 4}})
	var res sms.SendResult
	err := workflow.ExecuteActivity(ctx, sms.SendSMSName, in).Get(ctx, &res)
	return res, err
}

// TestRetryAfterALostAnswerTextsOnce: Twilio created the first attempt's message but its answer
// was lost; the retry finds that message and adopts it, so the patient gets one text, not two.
// Without the look (a Sender that cannot find) the same run texts twice: the test can fail.
func TestRetryAfterALostAnswerTextsOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		finds bool
		texts int
	}{{"adopts the lost answer's message", true, 1}, {"a sender that cannot look sends again", false, 2}} {
		t.Run(c.name, func(t *testing.T) {
			srv, err := twiliosim.Start(twiliosim.Options{StatusDelay: time.Millisecond})
			require.NoError(t, err)
			t.Cleanup(srv.Close)
			client, err := twilio.New(twilio.Config{BaseURL: srv.URL, AccountSID: srv.Sim.AccountSID(),
				AuthToken: srv.Sim.AuthToken(), From: "+15005550006", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
			require.NoError(t, err)
			var sender sms.Sender = client
			if !c.finds {
				sender = sendOnly{client}
			}
			srv.Sim.InjectFault(twiliosim.Fault{Op: twiliosim.OpSend, Kind: twiliosim.FaultLostAnswer, Count: 1})

			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflow(sendOnce)
			env.RegisterActivity(&sms.Activities{SMS: sender, Records: audit.NewMemory()})
			env.ExecuteWorkflow(sendOnce, sms.SendInput{To: "+15551230009", Body: "Your results are ready.", Reference: "t/sms"})
			require.NoError(t, env.GetWorkflowError())
			var res sms.SendResult
			require.NoError(t, env.GetWorkflowResult(&res))
			assert.NotEmpty(t, res.SID)
			assert.Equal(t, c.texts, srv.Sim.Stats().SentByTo["+15551230009"])
		})
	}
}

// sendOnly hides the client's FindSent, as a Sender without it.
type sendOnly struct{ c *twilio.Client }

func (s sendOnly) SendSMS(ctx context.Context, to, body string) (*twilio.Message, error) {
	return s.c.SendSMS(ctx, to, body)
}
