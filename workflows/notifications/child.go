package notifications

import (
	"errors"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/internal/audit"
)

// Outcome statuses a parent records besides the notification's own State.Status.
const (
	// OutcomeAlreadyStarted: another execution of the parent started this notification
	// before; its outcome is at GET /v1/notifications/{id}, and no second text is sent.
	OutcomeAlreadyStarted = "already-started"
	// OutcomeFailed: the notification workflow itself failed or was terminated.
	OutcomeFailed = "failed"
)

// Outcome is what a process that notifies its patient through this workflow records in its
// own state: the notification's id (GET /v1/notifications/{id}) and how it ended.
type Outcome struct {
	NotificationID string `json:"notificationId"`
	// Status is the notification's State.Status, StatusSending while it runs, or
	// OutcomeAlreadyStarted / OutcomeFailed.
	Status      string `json:"status"`
	Channel     string `json:"channel,omitempty"`
	NotNotified string `json:"notNotified,omitempty"`
}

// Reached reports whether the notification went out (delivered, or accepted without a final
// status in time).
func (o Outcome) Reached() bool { return o.Status == StatusDelivered || o.Status == StatusSent }

// TextSent reports whether the notification reached the patient by SMS.
func (o Outcome) TextSent() bool { return o.Reached() && o.Channel == audit.ChannelSMS }

// StartChild starts the notification in as a child of the calling workflow and returns its
// future. The child runs on the notifications task queue with its own workflow ID
// (WorkflowID(in.NotificationID)), so the same id can never text twice, and it is abandoned
// rather than cancelled when the parent closes: a started notification finishes on its own.
func StartChild(ctx workflow.Context, in Input) workflow.ChildWorkflowFuture {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            WorkflowID(in.NotificationID),
		TaskQueue:             TaskQueue,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	return workflow.ExecuteChildWorkflow(cctx, WorkflowName, in)
}

// AwaitChild waits for a notification StartChild started and returns its outcome.
func AwaitChild(ctx workflow.Context, id string, fut workflow.ChildWorkflowFuture) Outcome {
	var st State
	err := fut.Get(ctx, &st)
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	switch {
	case errors.As(err, &started):
		return Outcome{NotificationID: id, Status: OutcomeAlreadyStarted}
	case err != nil:
		return Outcome{NotificationID: id, Status: OutcomeFailed, NotNotified: NotNotifiedFailed}
	}
	return Outcome{NotificationID: id, Status: st.Status, Channel: st.Channel, NotNotified: st.NotNotified}
}
