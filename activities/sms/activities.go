package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/twilio"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Sender is the part of the Twilio client the activity needs, so tests can inject a fake.
type Sender interface {
	SendSMS(ctx context.Context, to, body string) (*twilio.Message, error)
}

// Activities sends text messages. Records receives one audit record per message (the
// reference and Twilio's message SID, never the number or the text).
type Activities struct {
	SMS     Sender
	Records audit.ActivityStore
	// Now is the clock for audit latencies; nil means time.Now.
	Now func() time.Time
}

// SendSMSName is the activity type name SendSMS is registered under.
const SendSMSName = "SendSMS"

// SendSMS sends one message. Twilio has no idempotency key for message creation, so a retry
// first looks for the message an earlier attempt may have created (sentBefore) and adopts it.
func (a *Activities) SendSMS(ctx context.Context, in SendInput) (SendResult, error) {
	if err := a.refuseOptedOut(ctx, in); err != nil {
		return SendResult{}, err
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "twilio.send", "twilio", in.Reference)
	msg, err := a.send(ctx, in)
	if err != nil {
		var te *twilio.Error
		if errors.As(err, &te) {
			if !te.Retryable {
				ex.Finish(audit.OutcomeRejected, fmt.Sprint(te.Code))
				return SendResult{}, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("twilio refused the message: code %d", te.Code), ErrTypeInvalidRecipient, nil)
			}
			ex.Code = fmt.Sprint(te.Code)
		}
		ex.Finish(audit.OutcomeError, ex.Code)
		return SendResult{}, fmt.Errorf("twilio send: %w", err)
	}
	a.claim(ctx, in, msg.SID)
	a.track(ctx, in, msg.SID)
	ex.FinishFor(msg.SID, audit.OutcomeOK, "")
	return SendResult{SID: msg.SID, Status: msg.Status}, nil
}

// PageName is the activity type name Page is registered under.
const PageName = "Page"

// Page sends a critical-value page and registers its reply code for the paged number, so the
// SMS webhook can route the clinician's reply to the workflow. The code is registered before
// sending: a reply can never arrive for an unregistered code. A code already registered for
// this number by another order is refused, never reused.
func (a *Activities) Page(ctx context.Context, in PageInput) (SendResult, error) {
	if a.Records != nil {
		err := a.Records.PutCrosswalk(ctx, crosswalk.SMSPageCode, crosswalk.PageCodeKey(in.To, in.Code), in.WorkflowID)
		if errors.Is(err, crosswalk.ErrConflict) {
			return SendResult{}, temporal.NewNonRetryableApplicationError("page code already in use for this number", ErrTypePageCodeInUse, nil)
		}
		if err != nil {
			return SendResult{}, fmt.Errorf("register page code: %w", err)
		}
	}
	// The callback URL names the order, so an "undelivered" that beats the SID record below
	// still moves the escalation on at once.
	res, err := a.SendSMS(ctx, SendInput{To: in.To, Body: in.Body, Reference: in.WorkflowID + "/page/" + in.Role,
		CallbackRef: in.WorkflowID})
	if err == nil {
		audit.Begin(ctx, a.Records, a.Now, "lab.page", "twilio", res.SID).Finish(audit.OutcomeOK, in.Role)
		if a.Records != nil && res.SID != "" {
			// The SMS is out: failing now would send it twice, so a lost mapping only costs the
			// early move to the next contact (the ack timeout still moves on).
			if perr := a.Records.PutCrosswalk(context.WithoutCancel(ctx), crosswalk.SMSPageSID, res.SID, in.WorkflowID); perr != nil &&
				!errors.Is(perr, crosswalk.ErrConflict) && activity.IsActivity(ctx) {
				activity.GetLogger(ctx).Warn("registering the page SID failed")
			}
		}
	}
	return res, err
}
