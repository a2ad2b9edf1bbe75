// Package sms holds the activity that texts patients and clinicians through Twilio.
package sms

// ErrTypeInvalidRecipient means Twilio refused the number permanently (not a mobile,
// unsubscribed, invalid); retrying cannot help.
const ErrTypeInvalidRecipient = "SMSInvalidRecipient"

// SendInput is one text message. Body must carry no PHI beyond what the process allows
// (a first name and a time for check-ins, an order reference and a code for pages).
type SendInput struct {
	To   string `json:"to"`
	Body string `json:"body"`
	// Reference is an identifier for the audit trail (workflow ID + step).
	Reference string `json:"reference"`
	// PatientID, when set, is the EHR Patient the text is for; the patient's preferences can
	// then refuse the channel as a whole. Without it only the number's own opt-out applies.
	PatientID string `json:"patientId,omitempty"`
	// TrackAs, when set, is the workflow that wants this text's delivery status: it rides in
	// the status callback URL (twilio.CallbackRefParam), so a callback is routed even when it
	// arrives before Twilio's answer has been recorded, and the activity also maps the message
	// SID to it (crosswalk.NotifySMSSID) as soon as Twilio answers.
	TrackAs string `json:"trackAs,omitempty"`
	// CallbackRef, when set, is the workflow named in the status callback URL instead of
	// TrackAs, without TrackAs's SID mapping (a page names its lab order this way).
	CallbackRef string `json:"callbackRef,omitempty"`
}

// SendResult is Twilio's answer.
type SendResult struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// PageInput is one critical-value page. Code is what the clinician replies; the activity
// registers it so the SMS webhook can route the reply to WorkflowID.
type PageInput struct {
	To         string `json:"to"`
	Body       string `json:"body"`
	Code       string `json:"code"`
	WorkflowID string `json:"workflowId"`
	Role       string `json:"role"`
}

// ErrTypePageCodeInUse means the reply code collides with another order's page to the same number.
const ErrTypePageCodeInUse = "SMSPageCodeInUse"
