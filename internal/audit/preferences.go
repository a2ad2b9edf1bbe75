package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Notification channels a preference or an opt-out can name.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Preferences is one patient's notification preferences, kept by the engine (the EHR has no
// standard place for them). They hold channel names and clock times only, never an address.
type Preferences struct {
	// PatientID is the EHR's opaque Patient id.
	PatientID string `json:"patientId"`
	// Channels lists the channels to try, best first; empty means the engine's default order
	// (SMS, then email).
	Channels []string `json:"channels"`
	// OptedOut lists the channels the patient refuses; they are never used, not even as a
	// fallback.
	OptedOut []string `json:"optedOut"`
	// QuietHours, when set, defers non-critical notifications to the end of the quiet period.
	QuietHours *QuietHours `json:"quietHours,omitempty"`
	// UpdatedAt is set by the store.
	UpdatedAt time.Time `json:"updatedAt"`
}

// QuietHours is a daily period, in the patient's time zone, during which nothing but a
// critical page is sent. Start after End wraps midnight ("21:00" to "08:00").
type QuietHours struct {
	// Start and End are wall-clock times "HH:MM".
	Start string `json:"start"`
	End   string `json:"end"`
	// TimeZone is an IANA zone name such as "America/New_York".
	TimeZone string `json:"timeZone"`
}

// OptOut is the opt-out state of one address on one channel, as the carrier's keywords
// (STOP, START) set it.
type OptOut struct {
	Channel string `json:"channel"`
	// Address is the E.164 number or the email address.
	Address string `json:"-"`
	// OptedOut is true after STOP and false after START.
	OptedOut  bool      `json:"optedOut"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PreferenceStore keeps notification preferences and address opt-outs. Every store of this
// package implements it; callers reach it by asserting a Store to PreferenceStore.
type PreferenceStore interface {
	// GetPreferences returns the patient's preferences or ErrNotFound.
	GetPreferences(ctx context.Context, patientID string) (Preferences, error)
	// PutPreferences validates p, replaces the patient's preferences and returns them as
	// stored (normalized, with UpdatedAt).
	PutPreferences(ctx context.Context, p Preferences) (Preferences, error)
	// SetOptOut records that address opted out of (or back into) channel.
	SetOptOut(ctx context.Context, channel, address string, optedOut bool) error
	// OptedOut reports whether address has opted out of channel; unknown addresses have not.
	OptedOut(ctx context.Context, channel, address string) (bool, error)
}

// Refuses reports whether a message on channel to address must not be sent: the address
// opted out, or the patient (patientID, when set) refuses the channel. A store that cannot
// answer is an error: sending without knowing could reach someone who said stop.
func Refuses(ctx context.Context, prefs PreferenceStore, channel, address, patientID string) (bool, error) {
	out, err := prefs.OptedOut(ctx, channel, address)
	if err != nil {
		return false, fmt.Errorf("read the opt-out state: %w", err)
	}
	if !out && patientID != "" {
		p, err := prefs.GetPreferences(ctx, patientID)
		switch {
		case err == nil:
			out = slices.Contains(p.OptedOut, channel)
		case !errors.Is(err, ErrNotFound):
			return false, fmt.Errorf("read the patient's preferences: %w", err)
		}
	}
	return out, nil
}

// ValidationError is a preferences field the store refused. Field and Reason carry no
// submitted value, so they are safe to return to callers.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "audit: preferences " + e.Field + ": " + e.Reason
}

// knownChannels are the channels the engine can send on.
var knownChannels = []string{ChannelSMS, ChannelEmail}

// NormalizePreferences validates p and returns it in the stored form: channel names lower-case,
// no duplicates, opted-out channels sorted, quiet-hour times as HH:MM.
func NormalizePreferences(p Preferences) (Preferences, error) {
	if strings.TrimSpace(p.PatientID) == "" || checkText(p.PatientID) != nil || len(p.PatientID) > 64 {
		return Preferences{}, &ValidationError{Field: "patientId", Reason: "must be 1 to 64 characters of text"}
	}
	var err error
	if p.Channels, err = normalizeChannels("channels", p.Channels, false); err != nil {
		return Preferences{}, err
	}
	if p.OptedOut, err = normalizeChannels("optedOut", p.OptedOut, true); err != nil {
		return Preferences{}, err
	}
	if q := p.QuietHours; q != nil {
		start, err1 := parseClock(q.Start)
		end, err2 := parseClock(q.End)
		switch {
		case err1 != nil:
			return Preferences{}, &ValidationError{Field: "quietHours.start", Reason: "must be a time HH:MM"}
		case err2 != nil:
			return Preferences{}, &ValidationError{Field: "quietHours.end", Reason: "must be a time HH:MM"}
		case start == end:
			return Preferences{}, &ValidationError{Field: "quietHours", Reason: "start and end must differ"}
		}
		if q.TimeZone == "" || checkText(q.TimeZone) != nil {
			return Preferences{}, &ValidationError{Field: "quietHours.timeZone", Reason: "must be an IANA time zone name"}
		}
		if _, err := time.LoadLocation(q.TimeZone); err != nil || strings.EqualFold(q.TimeZone, "local") {
			return Preferences{}, &ValidationError{Field: "quietHours.timeZone", Reason: "must be an IANA time zone name"}
		}
		p.QuietHours = &QuietHours{Start: formatClock(start), End: formatClock(end), TimeZone: q.TimeZone}
	}
	return p, nil
}

func normalizeChannels(field string, in []string, sorted bool) ([]string, error) {
	out := []string{}
	for _, c := range in {
		c = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(knownChannels, c) {
			return nil, &ValidationError{Field: field, Reason: "channels are sms and email"}
		}
		if slices.Contains(out, c) {
			return nil, &ValidationError{Field: field, Reason: "a channel is listed twice"}
		}
		out = append(out, c)
	}
	if sorted {
		slices.Sort(out)
	}
	return out, nil
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

func formatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// Quiet reports whether t falls in the quiet hours and, if so, when they end. Invalid quiet
// hours (never stored: the stores validate them) are never quiet.
func (q *QuietHours) Quiet(t time.Time) (bool, time.Time) {
	if q == nil {
		return false, time.Time{}
	}
	start, err1 := parseClock(q.Start)
	end, err2 := parseClock(q.End)
	loc, err3 := time.LoadLocation(q.TimeZone)
	if err1 != nil || err2 != nil || err3 != nil || start == end {
		return false, time.Time{}
	}
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	at := func(dayOffset, minutes int) time.Time {
		y, m, d := local.Date()
		return time.Date(y, m, d+dayOffset, minutes/60, minutes%60, 0, 0, loc)
	}
	if start < end {
		if now >= start && now < end {
			return true, at(0, end)
		}
		return false, time.Time{}
	}
	// Wrapping midnight: quiet from start to 24:00 and from 00:00 to end.
	switch {
	case now >= start:
		return true, at(1, end)
	case now < end:
		return true, at(0, end)
	}
	return false, time.Time{}
}

// checkOptOut rejects channels and addresses a store cannot key on.
func checkOptOut(channel, address string) error {
	if !slices.Contains(knownChannels, channel) {
		return errors.New("audit: opt-out channel must be sms or email")
	}
	if address == "" || checkText(address) != nil {
		return errors.New("audit: opt-out address must be non-empty text")
	}
	return nil
}

// NormalizeAddress is the key an address is stored under: email addresses are compared
// case-insensitively, numbers as given (E.164).
func NormalizeAddress(channel, address string) string {
	address = strings.TrimSpace(address)
	if channel == ChannelEmail {
		return strings.ToLower(address)
	}
	return address
}

// joinChannels and splitChannels store a channel list in one text column.
func joinChannels(cs []string) string { return strings.Join(cs, ",") }

func splitChannels(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
