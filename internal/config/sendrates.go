package config

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// SendRates are the notification send limits (#16 item 5). SMS and Email are per vendor
// account: how many messages a second the engine hands to each account, across every worker;
// they become the Temporal task-queue activity rate of the account's send queue, which the
// server enforces for all pollers. PerPatient is the per-recipient limit.
type SendRates struct {
	// SMS is TWILIO_SENDS_PER_SECOND: texts a second through the Twilio account.
	SMS float64
	// Email is SMTP_SENDS_PER_SECOND: messages a second through the SMTP relay account.
	Email float64
	// PerPatient is NOTIFY_PATIENT_RATE_LIMIT: notifications a patient gets per PerPatientWindow
	// (NOTIFY_PATIENT_RATE_WINDOW) unless critical; 0 turns the per-patient limit off.
	PerPatient       int
	PerPatientWindow time.Duration
}

// Default send rates: Twilio's default Messaging API concurrency and a sender pool of a few
// numbers take ten texts a second; relays commonly allow a handful of messages a second.
const (
	DefaultSMSSendsPerSecond   = 10
	DefaultEmailSendsPerSecond = 5
)

// Default per-patient limit: three notifications an hour (issue #16).
const (
	DefaultPerPatient       = 3
	DefaultPerPatientWindow = time.Hour
)

// sendRatesFromEnv reads TWILIO_SENDS_PER_SECOND, SMTP_SENDS_PER_SECOND,
// NOTIFY_PATIENT_RATE_LIMIT and NOTIFY_PATIENT_RATE_WINDOW.
func sendRatesFromEnv() (SendRates, error) {
	var r SendRates
	var err error
	if r.SMS, err = rate("TWILIO_SENDS_PER_SECOND", DefaultSMSSendsPerSecond); err != nil {
		return r, err
	}
	if r.Email, err = rate("SMTP_SENDS_PER_SECOND", DefaultEmailSendsPerSecond); err != nil {
		return r, err
	}
	r.PerPatient = DefaultPerPatient
	if v := os.Getenv("NOTIFY_PATIENT_RATE_LIMIT"); v != "" {
		if r.PerPatient, err = strconv.Atoi(v); err != nil || r.PerPatient < 0 || r.PerPatient > 1000 {
			return r, fmt.Errorf("config: NOTIFY_PATIENT_RATE_LIMIT must be a whole number from 0 (no limit) to 1000, got %q", v)
		}
	}
	if r.PerPatientWindow, err = duration("NOTIFY_PATIENT_RATE_WINDOW", DefaultPerPatientWindow); err != nil {
		return r, err
	}
	return r, nil
}

// rate parses a positive number of events (sends, vendor calls) a second, fractions allowed
// (0.5 is one every two seconds), from the named variable.
func rate(name string, def float64) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0 && f <= 10000) { // written so that NaN fails too
		return 0, fmt.Errorf("config: %s must be a number a second above 0 and at most 10000, got %q", name, v)
	}
	return f, nil
}
