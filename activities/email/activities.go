// Package email holds the activity that sends notification email over SMTP.
package email

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	emailclient "github.com/careflow/engine/clients/email"
	"github.com/careflow/engine/internal/audit"
)

// SendEmailName is the registered name of Activities.SendEmail.
const SendEmailName = "SendEmail"

// Error types of SendEmail; both are permanent.
const (
	// ErrTypeRejected means the relay refused the message with a 5xx answer (no such mailbox,
	// policy); retrying cannot help.
	ErrTypeRejected = "EmailRejected"
	// ErrTypeOptedOut means the address or the patient refuses email: nothing was sent.
	ErrTypeOptedOut = "EmailOptedOut"
)

// NotNotifiedOptedOut is the message of the ErrTypeOptedOut error.
const NotNotifiedOptedOut = "not notified: opted out"

// Sender is the part of the SMTP client the activity needs.
type Sender interface {
	Send(ctx context.Context, m emailclient.Message) (emailclient.Result, error)
}

// Activities sends email. Records receives one audit record per message (reference, SMTP
// code and Message-ID, never the address or the text).
type Activities struct {
	Mail Sender
	// Records appends the audit records; when it also keeps preferences (audit.PreferenceStore),
	// opted-out addresses and patients are refused.
	Records audit.Appender
	// Now is the clock that times each exchange; nil means the wall clock.
	Now func() time.Time
}

// SendInput is one email. Subject and Body carry no PHI beyond what the scenario's template
// allows (a first name and a time).
type SendInput struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Reference identifies the send in the audit trail and seeds the Message-ID, so a retry
	// after a lost answer carries the same Message-ID.
	Reference string `json:"reference"`
	// PatientID, when set, lets the patient's preferences refuse email as a whole.
	PatientID string `json:"patientId,omitempty"`
}

// SendResult is the relay's answer: Status "accepted" (SMTP 250) and the Message-ID.
type SendResult struct {
	MessageID string `json:"messageId"`
	Status    string `json:"status"`
}

// SendEmail submits one message. A 4xx answer or a connection failure is retried by Temporal;
// a 5xx answer is permanent (ErrTypeRejected). SMTP has no idempotency key, but the Message-ID
// is derived from Reference, so a duplicate caused by a retry is recognisable downstream.
func (a *Activities) SendEmail(ctx context.Context, in SendInput) (SendResult, error) {
	if err := a.refuseOptedOut(ctx, in); err != nil {
		return SendResult{}, err
	}
	id := messageID(in.Reference)
	ex := audit.Begin(ctx, a.Records, a.Now, "smtp.send", "smtp", id)
	res, err := a.Mail.Send(ctx, emailclient.Message{To: in.To, Subject: in.Subject, Body: in.Body, MessageID: id})
	if err != nil {
		var e *emailclient.Error
		if errors.As(err, &e) {
			if !e.Temporary {
				ex.Finish(audit.OutcomeRejected, strconv.Itoa(e.Code))
				return SendResult{}, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("the mail relay refused the message: code %d %s", e.Code, e.Enhanced), ErrTypeRejected, nil)
			}
			ex.Code = strconv.Itoa(e.Code)
		}
		ex.Finish(audit.OutcomeError, ex.Code)
		return SendResult{}, fmt.Errorf("smtp send: %w", err)
	}
	ex.Finish(audit.OutcomeOK, "250")
	return SendResult{MessageID: res.MessageID, Status: res.Status}, nil
}

// messageID derives the Message-ID from the reference (workflow ID + step); it names the
// engine, never the patient.
func messageID(reference string) string {
	if reference == "" {
		return ""
	}
	safe := make([]rune, 0, len(reference))
	for _, r := range reference {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			safe = append(safe, r)
		default:
			safe = append(safe, '.')
		}
	}
	return string(safe) + "@careflow.invalid"
}

// refuseOptedOut returns ErrTypeOptedOut when the address or the patient refuses email.
func (a *Activities) refuseOptedOut(ctx context.Context, in SendInput) error {
	prefs, ok := a.Records.(audit.PreferenceStore)
	if !ok {
		return nil
	}
	out, err := audit.Refuses(ctx, prefs, audit.ChannelEmail, in.To, in.PatientID)
	if err != nil || !out {
		return err
	}
	audit.Begin(ctx, a.Records, a.Now, "smtp.send", "smtp", in.Reference).Finish(audit.OutcomeRejected, "opted-out")
	return temporal.NewNonRetryableApplicationError(NotNotifiedOptedOut, ErrTypeOptedOut, nil)
}
