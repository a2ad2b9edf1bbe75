package config

import (
	"fmt"
	"os"
	"strconv"
)

// SendRates are the per-vendor-account send limits (#16 item 5): how many messages a second
// the engine hands to each account, across every worker. They become the Temporal task-queue
// activity rate of the account's send queue, which the server enforces for all pollers.
type SendRates struct {
	// SMS is TWILIO_SENDS_PER_SECOND: texts a second through the Twilio account.
	SMS float64
	// Email is SMTP_SENDS_PER_SECOND: messages a second through the SMTP relay account.
	Email float64
}

// Default send rates: Twilio's default Messaging API concurrency and a sender pool of a few
// numbers take ten texts a second; relays commonly allow a handful of messages a second.
const (
	DefaultSMSSendsPerSecond   = 10
	DefaultEmailSendsPerSecond = 5
)

// sendRatesFromEnv reads TWILIO_SENDS_PER_SECOND and SMTP_SENDS_PER_SECOND.
func sendRatesFromEnv() (SendRates, error) {
	var r SendRates
	var err error
	if r.SMS, err = rate("TWILIO_SENDS_PER_SECOND", DefaultSMSSendsPerSecond); err != nil {
		return r, err
	}
	if r.Email, err = rate("SMTP_SENDS_PER_SECOND", DefaultEmailSendsPerSecond); err != nil {
		return r, err
	}
	return r, nil
}

// rate parses a positive number of events a second (fractions allowed: 0.5 is one every two
// seconds) from the named variable.
func rate(name string, def float64) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0 && f <= 10000) { // written so that NaN fails too
		return 0, fmt.Errorf("config: %s must be a number of sends a second above 0 and at most 10000, got %q", name, v)
	}
	return f, nil
}
