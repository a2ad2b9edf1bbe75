package config

import (
	"fmt"
	"net"
	"net/mail"
	"os"
	"strconv"
)

// SMTP is the mail relay for notification email; an empty Addr means the built-in SMTP
// simulator (internal/sim/smtpsim).
type SMTP struct {
	// Addr is SMTP_ADDR, host:port of a relay that offers STARTTLS (typically port 587).
	Addr string
	// Username and Password are SMTP_USERNAME and SMTP_PASSWORD; both empty means no AUTH.
	Username, Password string
	// From is SMTP_FROM, the sender address.
	From string
}

// Simulated reports whether the built-in SMTP simulator serves this configuration.
func (s SMTP) Simulated() bool { return s.Addr == "" }

// smtpFromEnv reads SMTP_ADDR, SMTP_USERNAME, SMTP_PASSWORD and SMTP_FROM; errors name the
// variable and never echo a value (the password).
func smtpFromEnv() (SMTP, error) {
	s := SMTP{Addr: os.Getenv("SMTP_ADDR"), Username: os.Getenv("SMTP_USERNAME"),
		Password: os.Getenv("SMTP_PASSWORD"), From: os.Getenv("SMTP_FROM")}
	if s.Simulated() {
		if s.Username != "" || s.Password != "" || s.From != "" {
			return s, fmt.Errorf("config: SMTP_USERNAME, SMTP_PASSWORD and SMTP_FROM need SMTP_ADDR")
		}
		return s, nil
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p <= 0 || p > 65535 {
		return s, fmt.Errorf("config: SMTP_ADDR must be host:port")
	}
	if s.From == "" {
		return s, fmt.Errorf("config: SMTP_ADDR is set, so SMTP_FROM is required")
	}
	if a, err := mail.ParseAddress(s.From); err != nil || a.Address == "" {
		return s, fmt.Errorf("config: SMTP_FROM must be an email address")
	}
	if (s.Username == "") != (s.Password == "") {
		return s, fmt.Errorf("config: SMTP_USERNAME and SMTP_PASSWORD go together")
	}
	return s, nil
}
