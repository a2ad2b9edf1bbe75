package laborders

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/activities/sms"
	"github.com/careflow/engine/workflows/internal/call"
)

// The lab order calls its activities by the names their packages register. Each callX holds
// the options of one activity and the reason for its timeouts.

func (w *impl) callSendOrder(ctx workflow.Context, in lis.SendOrderInput) (lis.SendOrderResult, error) {
	return call.Activity[lis.SendOrderResult](ctx, workflow.ActivityOptions{
		// A missing ACK is retried: the LIS may be restarting. An order nobody accepts within an
		// hour needs a person.
		StartToCloseTimeout:    45 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            call.Doubling(time.Second, 2*time.Minute, lis.ErrTypeOrderRejected, ehr.ErrTypeNotFound),
	}, lis.SendOrderName, in)
}

// ehrCalls returns the options of every EHR call.
func ehrCalls() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// Results must reach the chart; keep trying for a day of EHR trouble.
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            call.Doubling(time.Second, 5*time.Minute, ehr.ErrTypeNotFound, ehr.ErrTypeRejected),
	}
}

func (w *impl) callWriteLabResults(ctx workflow.Context, in ehr.WriteLabResultsInput) (ehr.WriteLabResultsResult, error) {
	return call.Activity[ehr.WriteLabResultsResult](ctx, ehrCalls(), ehr.WriteLabResultsName, in)
}

func (w *impl) callPatientContact(ctx workflow.Context) (ehr.PatientContact, error) {
	return call.Activity[ehr.PatientContact](ctx, ehrCalls(), ehr.PatientContactName, ehr.PatientContactInput{PatientID: w.in.PatientRef})
}

// notify sends an SMS and reports whether it went out.
func (w *impl) notify(ctx workflow.Context, to, body string) bool {
	_, err := call.Activity[sms.SendResult](ctx, workflow.ActivityOptions{
		// A text that cannot go out within ten minutes is left: the chart has the results.
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: call.Doubling(time.Second, 0, sms.ErrTypeInvalidRecipient),
	}, sms.SendSMSName, sms.SendInput{To: to, Body: body, Reference: w.wfID + "/notify"})
	return err == nil
}

// callPage sends one critical-value page.
func (w *impl) callPage(ctx workflow.Context, in sms.PageInput) (sms.SendResult, error) {
	return call.Activity[sms.SendResult](ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// A page that cannot go out within a minute counts as failed: the next contact is paged.
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy:            call.Doubling(time.Second, 0, sms.ErrTypeInvalidRecipient, sms.ErrTypePageCodeInUse),
	}, sms.PageName, in)
}

// record writes an audit record through the Record activity; failures are logged only.
func (w *impl) record(ctx workflow.Context, in records.RecordInput) {
	// An audit line is worth an hour of retries (Temporal's default policy) but never the
	// order's outcome.
	if _, err := call.Activity[struct{}](ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		ScheduleToCloseTimeout: time.Hour}, records.RecordName, in); err != nil {
		w.logger.Warn("Recording an audit event failed", "Action", in.Action)
	}
}
