// Package notify holds the activities of the notification workflow that are not a vendor send:
// reading the recipient's current contact points and preferences, and the per-recipient rate
// limit.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Registered activity names.
const (
	ResolveRecipientName = "ResolveRecipient"
	ReserveSlotName      = "ReserveSlot"
)

// Error types.
const (
	// ErrTypePatientNotFound means the EHR has no such patient.
	ErrTypePatientNotFound = "NotifyPatientNotFound"
	// ErrTypeEHR means the EHR refused the read or answered something unusable.
	ErrTypeEHR = "NotifyEHRRejected"
)

// PatientReader reads FHIR resources (the FHIR client).
type PatientReader interface {
	Read(ctx context.Context, resourceType, id string) (*fhir.Resource, error)
}

// Activities are the notification workflow's own activities.
type Activities struct {
	FHIR PatientReader
	// Records keeps the rate-limit slots; when it also keeps preferences
	// (audit.PreferenceStore), Resolve reads the patient's opt-outs and quiet hours from it.
	Records crosswalk.Writer
	// Now is the clock for contact-point periods; nil means time.Now.
	Now func() time.Time
	// PatientLimit sends per PatientWindow to one patient apply to a SlotInput without its own
	// limit (NOTIFY_PATIENT_RATE_LIMIT, NOTIFY_PATIENT_RATE_WINDOW); zero means no limit.
	PatientLimit  int
	PatientWindow time.Duration
}

// ResolveInput names the patient to notify.
type ResolveInput struct {
	PatientID string `json:"patientId"`
}

// Recipient is what the workflow needs to choose a channel: the current contact points by the
// FHIR rules (clients/fhir/contact.go), the opt-out state of each, and the preferences.
type Recipient struct {
	Mobile         string            `json:"mobile,omitempty"`
	Email          string            `json:"email,omitempty"`
	FirstName      string            `json:"firstName,omitempty"`
	Language       string            `json:"language,omitempty"`
	MobileOptedOut bool              `json:"mobileOptedOut,omitempty"`
	EmailOptedOut  bool              `json:"emailOptedOut,omitempty"`
	Channels       []string          `json:"channels,omitempty"`
	OptedOut       []string          `json:"optedOut,omitempty"`
	QuietHours     *audit.QuietHours `json:"quietHours,omitempty"`
}

// ResolveRecipient reads the patient and the engine's preferences and opt-outs.
func (a *Activities) ResolveRecipient(ctx context.Context, in ResolveInput) (Recipient, error) {
	res, err := a.FHIR.Read(ctx, "Patient", in.PatientID)
	if err != nil {
		var fe *fhir.Error
		switch {
		case fhir.IsNotFound(err):
			return Recipient{}, temporal.NewNonRetryableApplicationError("EHR: patient not found", ErrTypePatientNotFound, nil)
		case errors.As(err, &fe) && !fe.Retryable:
			return Recipient{}, temporal.NewNonRetryableApplicationError("EHR rejected the read: "+fe.Error(), ErrTypeEHR, nil)
		}
		return Recipient{}, fmt.Errorf("ehr read: %w", err)
	}
	p, err := fhir.Decode[fhir.Patient](res)
	if err != nil {
		return Recipient{}, temporal.NewNonRetryableApplicationError("EHR answer could not be used", ErrTypeEHR, nil)
	}
	now := a.now()
	out := Recipient{FirstName: p.FirstNameAt(now), Language: p.PreferredLanguage()}
	out.Mobile, _ = p.MobileAt(now)
	out.Email, _ = p.EmailAt(now)
	prefs, ok := a.Records.(audit.PreferenceStore)
	if !ok {
		return out, nil
	}
	pr, err := prefs.GetPreferences(ctx, in.PatientID)
	switch {
	case err == nil:
		out.Channels, out.OptedOut, out.QuietHours = pr.Channels, pr.OptedOut, pr.QuietHours
	case !errors.Is(err, audit.ErrNotFound):
		return Recipient{}, fmt.Errorf("read preferences: %w", err)
	}
	if out.Mobile != "" {
		if out.MobileOptedOut, err = prefs.OptedOut(ctx, audit.ChannelSMS, out.Mobile); err != nil {
			return Recipient{}, fmt.Errorf("read opt-out: %w", err)
		}
	}
	if out.Email != "" {
		if out.EmailOptedOut, err = prefs.OptedOut(ctx, audit.ChannelEmail, out.Email); err != nil {
			return Recipient{}, fmt.Errorf("read opt-out: %w", err)
		}
	}
	return out, nil
}

// SlotInput asks for one of Limit sends to the patient in the Window containing At; a zero
// Limit and Window ask for the engine's configured per-patient limit.
type SlotInput struct {
	PatientID string `json:"patientId"`
	// NotificationID is the asking workflow; asking again for it returns the same slot.
	NotificationID string        `json:"notificationId"`
	At             time.Time     `json:"at"`
	Limit          int           `json:"limit"`
	Window         time.Duration `json:"window"`
}

// Slot answers SlotInput: Granted, or the start of the next window to ask again at.
type Slot struct {
	Granted bool      `json:"granted"`
	RetryAt time.Time `json:"retryAt,omitempty"`
}

// ReserveSlot implements the per-recipient rate limit with fixed windows: each window has
// Limit numbered slots kept in the crosswalk, and a notification takes the first free one.
// The crosswalk refuses a second owner for a slot on every store, so two workers racing for the
// last slot cannot both win, and a retried call finds the slot it already holds.
func (a *Activities) ReserveSlot(ctx context.Context, in SlotInput) (Slot, error) {
	if in.Limit == 0 && in.Window == 0 {
		in.Limit, in.Window = a.PatientLimit, a.PatientWindow
	}
	if in.Limit <= 0 || in.Window <= 0 || a.Records == nil {
		return Slot{Granted: true}, nil
	}
	start := in.At.UTC().Truncate(in.Window)
	for n := 1; n <= in.Limit; n++ {
		key := in.PatientID + "/" + start.Format(time.RFC3339) + "/" + strconv.Itoa(n)
		err := a.Records.PutCrosswalk(ctx, crosswalk.NotifySlot, key, in.NotificationID)
		if err == nil {
			return Slot{Granted: true}, nil
		}
		if !errors.Is(err, audit.ErrConflict) {
			return Slot{}, fmt.Errorf("reserve slot: %w", err)
		}
	}
	return Slot{RetryAt: start.Add(in.Window)}, nil
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
