// Package crosswalk routes vendor identifiers back to the workflows they belong to. The
// activities write a mapping after a vendor call (a Stripe PaymentIntent, a page's reply code)
// and the webhooks read it to find the workflow to signal; the Stripe metadata keys serve the
// same purpose on Stripe's side. Both sides take their kinds and keys from here, so they cannot
// drift apart. The mappings live in the engine's record store (internal/audit implements Store);
// this package has no heavy imports so that any layer may use it.
package crosswalk

import (
	"context"
	"errors"
	"strconv"
)

// ErrConflict is wrapped by PutCrosswalk when the key already maps to a different internal ID.
var ErrConflict = errors.New("audit: conflicting crosswalk mapping")

// Writer records mappings: the activities' side.
type Writer interface {
	// PutCrosswalk maps a vendor's identifier (kind, externalID) to an engine identifier,
	// typically a workflow ID. Putting the same mapping again is a no-op; a different
	// internalID for an existing key is an error wrapping ErrConflict.
	PutCrosswalk(ctx context.Context, kind, externalID, internalID string) error
}

// Reader looks mappings up: the webhooks' side.
type Reader interface {
	// LookupCrosswalk returns the engine identifier for (kind, externalID), or the store's
	// not-found error (audit.ErrNotFound).
	LookupCrosswalk(ctx context.Context, kind, externalID string) (string, error)
}

// Store both records and looks up mappings.
type Store interface {
	Writer
	Reader
}

// Kinds of mapping, each from a vendor's identifier to a workflow ID.
const (
	// StripePaymentIntent maps a PaymentIntent id to its payment workflow.
	StripePaymentIntent = "stripe.payment_intent"
	// StripeCharge maps a Charge id to its payment workflow.
	StripeCharge = "stripe.charge"
	// StripeRefund maps a Refund id to its payment workflow.
	StripeRefund = "stripe.refund"
	// SMSPageCode maps a page's reply code, keyed by PageCodeKey, to its lab-order workflow.
	SMSPageCode = "sms.page-code"
	// SMSPageSID maps a page's Twilio message SID to its lab-order workflow, so a delivery-status
	// callback (undelivered, failed) reaches the escalation.
	SMSPageSID = "sms.page-sid"
	// PharmacyMessage maps a MessageID the engine sent to the pharmacy network to its
	// prescription id, so a pharmacy message that names only RelatesToMessageID finds its process.
	PharmacyMessage = "pharmacy.message"
	// SMSSent maps a text's Twilio message SID to the Reference of the send that made it, so a
	// retry that looks for its lost attempt's message never adopts one another send made (Twilio
	// takes no idempotency key, and two sends can share number and text).
	SMSSent = "sms.sent"
	// NotifySMSSID maps a notification text's message SID to its notification workflow, so
	// Twilio's status callbacks (delivered, undelivered, failed) reach it.
	NotifySMSSID = "notify.sms-sid"
	// NotifySlot holds the rate-limit slots of notifications, keyed by patient and window, each
	// to the notification that took it.
	NotifySlot = "notify.slot"
	// PMSAppointment maps a PMS appointmentId to its appointment-sync workflow.
	PMSAppointment = "pms.appointment"
	// FHIRAppointment maps an EHR Appointment id to its appointment-sync workflow.
	FHIRAppointment = "fhir.appointment"
	// PMSPatient maps a PMS patientId to the EHR's FHIR Patient id; FHIRPatient is the reverse.
	// The appointment sync writes a participant to the other side only through these.
	PMSPatient  = "pms.patient"
	FHIRPatient = "fhir.patient"
	// PMSProvider maps a PMS providerId to the EHR's FHIR Practitioner id; FHIRPractitioner
	// is the reverse.
	PMSProvider      = "pms.provider"
	FHIRPractitioner = "fhir.practitioner"
	// X12Interchange maps an 837's group control number (GS06, which a 999's AK102 names) to
	// the claim workflow that sent it.
	X12Interchange = "x12-837-group"
	// X12InterchangeSet maps "GS06/ST02" of a batched 837, keyed by SetKey, to the claim
	// workflow whose transaction set it is, so each set's 999 verdict reaches its own claim.
	X12InterchangeSet = "x12-837-set"
	// X12ClaimSubmission maps a claim's submission key to the SetKey it went out in, so a
	// ready signal repeated into a later batch never sends the claim twice.
	X12ClaimSubmission = "x12-837-claim-submission"
	// TwilioWebhook records Twilio webhooks already handled, keyed by MessageSid and status
	// (or "inbound"), so that Twilio's retries are deduplicated.
	TwilioWebhook = "twilio.webhook"
)

// SetKey is the X12InterchangeSet key of a transaction set: the group control number and the
// set's control number.
func SetKey(group int64, set string) string { return strconv.FormatInt(group, 10) + "/" + set }

// PageCodeKey is the SMSPageCode key of a page: the paged number and the reply code, since the
// same code may be in use for different numbers.
func PageCodeKey(phone, code string) string { return phone + ":" + code }

// Metadata keys the engine sets on Stripe objects, so that a webhook about an object the
// crosswalk does not know yet still finds its process.
const (
	StripeMetadataPaymentID   = "payment_id"
	StripeMetadataWorkflowID  = "workflow_id"
	StripeMetadataCustomerRef = "customer_ref"
)
