package notifications

import (
	"time"

	"github.com/careflow/engine/internal/notify/templates"
)

// TaskQueue is the notifications task queue.
const TaskQueue = "notifications"

// Vendor-account send queues (#16 item 5): each account's send activity runs on a task queue
// of its own whose workers set Temporal's TaskQueueActivitiesPerSecond to the account's limit
// (TWILIO_SENDS_PER_SECOND, SMTP_SENDS_PER_SECOND). The server enforces that rate across every
// worker polling the queue, so replicas share one account's limit; a send over it waits in the
// queue (schedule-to-start) instead of being refused by the vendor.
const (
	SMSSendTaskQueue   = "twilio-sends"
	EmailSendTaskQueue = "smtp-sends"
)

// ChangeAccountRate is the workflow.GetVersion change id under which sends go through the
// vendor-account send queues; notifications begun before it send on TaskQueue.
const ChangeAccountRate = "notification-account-rate"

// WorkflowName is the registered name of Notification.
const WorkflowName = "notifications.Notification"

// DeliveryStatusSignalName carries Twilio's status callback for the notification's text.
const DeliveryStatusSignalName = "delivery-status"

// StatusQuery returns the notification's State.
const StatusQuery = "status"

// WorkflowID is the workflow ID of a notification: its opaque business key, never a patient
// identifier, name or address.
func WorkflowID(notificationID string) string { return "notification:" + notificationID }

// Defaults of Input's optional durations.
const (
	// DefaultRateLimit sends per DefaultRateWindow per patient, unless the engine is configured
	// otherwise (NOTIFY_PATIENT_RATE_LIMIT, NOTIFY_PATIENT_RATE_WINDOW).
	DefaultRateLimit  = 3
	DefaultRateWindow = time.Hour
	// DefaultDeliveryWait is how long a text may stay without a final status before the
	// notification counts it as sent; Twilio usually reports within seconds.
	DefaultDeliveryWait = 30 * time.Minute
)

// Input is one notification to one patient.
type Input struct {
	// NotificationID is the opaque business key (WorkflowID).
	NotificationID string `json:"notificationId"`
	// PatientID is the EHR Patient id: contact points, first name and language come from
	// the chart, preferences from the engine.
	PatientID string             `json:"patientId"`
	Scenario  templates.Scenario `json:"scenario"`
	// At is the event the text mentions (an appointment), RFC 3339 in the event's own offset;
	// its time of day and date are the only details rendered besides the first name.
	At string `json:"at,omitempty"`
	// Clinic is the clinic's display name for scenarios that show it.
	Clinic string `json:"clinic,omitempty"`
	// SendAt schedules the notification ("remind 24 h before"); zero sends now.
	SendAt time.Time `json:"sendAt,omitzero"`
	// Critical notifications ignore quiet hours and the rate limit (critical-value pages).
	Critical bool `json:"critical,omitempty"`
	// RateLimit sends per RateWindow to one patient; zero means the engine's configured
	// per-patient limit, negative none.
	RateLimit  int           `json:"rateLimit,omitempty"`
	RateWindow time.Duration `json:"rateWindow,omitempty"`
	// DeliveryWait overrides DefaultDeliveryWait.
	DeliveryWait time.Duration `json:"deliveryWait,omitempty"`
	// ExpiresAt, when set, is when the notification stops being useful (a check-in
	// confirmation once the visit is over): a send that quiet hours or the rate limit would
	// defer past it is not made, and the state says NotNotifiedExpired.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Status values of State.Status.
const (
	StatusScheduled   = "scheduled"
	StatusDeferred    = "deferred"  // quiet hours or rate limit
	StatusSending     = "sending"   // a send or its delivery status is outstanding
	StatusDelivered   = "delivered" // Twilio said delivered, or the SMTP relay accepted the email
	StatusSent        = "sent"      // accepted by Twilio, no final status within DeliveryWait
	StatusNotNotified = "not-notified"
)

// NotNotified reasons.
const (
	NotNotifiedNoContact = "not notified: no current mobile/email"
	NotNotifiedOptedOut  = "not notified: opted out"
	NotNotifiedFailed    = "not notified: every channel failed"
	NotNotifiedExpired   = "not notified: quiet hours or the rate limit held it past its expiry"
)

// Attempt is one send on one channel, as the process's state shows it.
type Attempt struct {
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
	// Status: queued/sent/delivered/undelivered/failed (SMS, from Twilio), accepted/rejected
	// (email, from the SMTP answer), opted-out, error.
	Status string `json:"status"`
	// Ref is the Twilio message SID or the email Message-ID.
	Ref string `json:"ref,omitempty"`
}

// State is the notification's live state: identifiers, channels and statuses, never an
// address or a text.
type State struct {
	Status      string    `json:"status"`
	Channel     string    `json:"channel,omitempty"`
	NotNotified string    `json:"notNotified,omitempty"`
	DeferredTo  time.Time `json:"deferredTo,omitzero"`
	Attempts    []Attempt `json:"attempts"`
}

// DeliveryStatus is Twilio's status callback for a text.
type DeliveryStatus struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}
