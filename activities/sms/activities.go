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
)

// Sender is the part of the Twilio client the activity needs, so tests can inject a fake.
type Sender interface {
	SendSMS(ctx context.Context, to, body string) (*twilio.Message, error)
}

// Activities sends text messages. Records receives one audit record per message (the
// reference and Twilio's message SID, never the number or the text).
type Activities struct {
	SMS     Sender
	Records audit.Store
}

// SendSMS sends one message. Twilio has no idempotency key for message creation, so a retry
// after an unreadable 2xx would send twice; the client reports that case as permanent.
func (a *Activities) SendSMS(ctx context.Context, in SendInput) (SendResult, error) {
	if err := a.refuseOptedOut(ctx, in); err != nil {
		return SendResult{}, err
	}
	start := time.Now()
	msg, err := a.SMS.SendSMS(ctx, in.To, in.Body)
	rec := audit.Record{Actor: "worker", Action: "twilio.send", Process: processOf(ctx), Vendor: "twilio",
		Exchange: in.Reference, Latency: time.Since(start)}
	if err != nil {
		var te *twilio.Error
		rec.Outcome = audit.OutcomeError
		if errors.As(err, &te) {
			rec.Code = fmt.Sprint(te.Code)
			if !te.Retryable {
				rec.Outcome = audit.OutcomeRejected
				a.record(ctx, rec)
				return SendResult{}, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("twilio refused the message: code %d", te.Code), ErrTypeInvalidRecipient, nil)
			}
		}
		a.record(ctx, rec)
		return SendResult{}, fmt.Errorf("twilio send: %w", err)
	}
	rec.Outcome, rec.Exchange = audit.OutcomeOK, msg.SID
	a.track(ctx, in, msg.SID)
	a.record(ctx, rec)
	return SendResult{SID: msg.SID, Status: msg.Status}, nil
}

func (a *Activities) record(ctx context.Context, r audit.Record) {
	if a.Records == nil {
		return
	}
	if _, err := a.Records.Append(context.WithoutCancel(ctx), r); err != nil {
		activity.GetLogger(ctx).Warn("audit append failed", "action", r.Action)
	}
}

// processOf returns the calling workflow's ID for the audit trail.
func processOf(ctx context.Context) string {
	if !activity.IsActivity(ctx) {
		return ""
	}
	return activity.GetInfo(ctx).WorkflowExecution.ID
}

// Page sends a critical-value page and registers its reply code for the paged number, so the
// SMS webhook can route the clinician's reply to the workflow. The code is registered before
// sending: a reply can never arrive for an unregistered code. A code already registered for
// this number by another order is refused, never reused.
func (a *Activities) Page(ctx context.Context, in PageInput) (SendResult, error) {
	if a.Records != nil {
		err := a.Records.PutCrosswalk(ctx, CrosswalkPageCode, PageCodeKey(in.To, in.Code), in.WorkflowID)
		if errors.Is(err, audit.ErrConflict) {
			return SendResult{}, temporal.NewNonRetryableApplicationError("page code already in use for this number", ErrTypePageCodeInUse, nil)
		}
		if err != nil {
			return SendResult{}, fmt.Errorf("register page code: %w", err)
		}
	}
	res, err := a.SendSMS(ctx, SendInput{To: in.To, Body: in.Body, Reference: in.WorkflowID + "/page/" + in.Role})
	if err == nil {
		a.record(ctx, audit.Record{Actor: "worker", Action: "lab.page", Process: processOf(ctx), Vendor: "twilio",
			Exchange: res.SID, Code: in.Role, Outcome: audit.OutcomeOK})
		if a.Records != nil && res.SID != "" {
			// The SMS is out: failing now would send it twice, so a lost mapping only costs the
			// early move to the next contact (the ack timeout still moves on).
			if perr := a.Records.PutCrosswalk(context.WithoutCancel(ctx), CrosswalkPageSID, res.SID, in.WorkflowID); perr != nil &&
				!errors.Is(perr, audit.ErrConflict) && activity.IsActivity(ctx) {
				activity.GetLogger(ctx).Warn("registering the page SID failed")
			}
		}
	}
	return res, err
}

// PageCodeKey is the crosswalk key of a page code: the paged number and the code.
func PageCodeKey(phone, code string) string { return phone + ":" + code }
