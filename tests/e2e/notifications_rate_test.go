package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/notifications"
)

// TestNotificationSendsRateLimitedPerVendorAccount: the Twilio and SMTP accounts' limits
// (TWILIO_SENDS_PER_SECOND, SMTP_SENDS_PER_SECOND) are the task-queue activity rates the
// Temporal server itself reports, set by the workers that poll the accounts' send queues, and
// notifications' texts and email go through those queues.
func TestNotificationSendsRateLimitedPerVendorAccount(t *testing.T) {
	e := startEngine(t, func(c *config.Config) { c.SendRates = config.SendRates{SMS: 2.5, Email: 1.5} })

	for queue, want := range map[string]float32{notifications.SMSSendTaskQueue: 2.5, notifications.EmailSendTaskQueue: 1.5} {
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := e.st.Temporal.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
				Namespace:     e.st.Config.TemporalNamespace,
				TaskQueue:     &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
				TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
			})
			if !assert.NoError(c, err) {
				return
			}
			rl := resp.GetEffectiveRateLimit()
			assert.Equal(c, want, rl.GetRequestsPerSecond(), queue)
			assert.Equal(c, enumspb.RATE_LIMIT_SOURCE_WORKER, rl.GetRateLimitSource(), queue)
		}, 30*time.Second, 200*time.Millisecond)
	}

	// A text and an email both go out through the account queues.
	st := e.notify("e2e-rate-sms", "pat-4007")
	require.Equal(t, "sms", st.Channel)
	require.Len(t, e.st.TwilioSim.Sim.Messages(), 1)
	require.Equal(t, ehrsim.MobileCurrent, e.st.TwilioSim.Sim.Messages()[0].To)
	st = e.notify("e2e-rate-email", "pat-4008")
	require.Equal(t, "email", st.Channel)
	require.Equal(t, notifications.StatusDelivered, st.Status)
	require.Equal(t, map[string]string{"SendSMS": notifications.SMSSendTaskQueue}, e.activityQueues("e2e-rate-sms"))
	require.Equal(t, map[string]string{"SendEmail": notifications.EmailSendTaskQueue}, e.activityQueues("e2e-rate-email"))
}

// activityQueues maps the send activities a notification scheduled to their task queues, from
// its history.
func (e *engine) activityQueues(id string) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	it := e.st.Temporal.GetWorkflowHistory(context.Background(), notifications.WorkflowID(id), "", false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(e.t, err)
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && strings.HasPrefix(a.GetActivityType().GetName(), "Send") {
			out[a.GetActivityType().GetName()] = a.GetTaskQueue().GetName()
		}
	}
	return out
}
