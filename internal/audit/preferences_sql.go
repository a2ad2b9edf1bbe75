package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	_ PreferenceStore = (*SQLiteStore)(nil)
	_ PreferenceStore = (*PostgresStore)(nil)
	_ PreferenceStore = (*memoryStore)(nil)
)

// quietColumns splits optional quiet hours into their three columns.
func quietColumns(q *QuietHours) (string, string, string) {
	if q == nil {
		return "", "", ""
	}
	return q.Start, q.End, q.TimeZone
}

// quietFromColumns is the inverse of quietColumns.
func quietFromColumns(start, end, tz string) *QuietHours {
	if start == "" {
		return nil
	}
	return &QuietHours{Start: start, End: end, TimeZone: tz}
}

// GetPreferences implements PreferenceStore.
func (s *SQLiteStore) GetPreferences(ctx context.Context, patientID string) (Preferences, error) {
	var (
		p                   = Preferences{PatientID: patientID}
		ch, oo, qs, qe, qtz string
		at                  string
	)
	err := s.r.QueryRowContext(ctx, `SELECT channels, opted_out, quiet_start, quiet_end, quiet_tz, updated_at
		FROM notification_preferences WHERE patient_id = ?`, patientID).Scan(&ch, &oo, &qs, &qe, &qtz, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Preferences{}, ErrNotFound
	}
	if err != nil {
		return Preferences{}, fmt.Errorf("audit: get preferences: %w", err)
	}
	t, err := time.Parse(sqliteTimeLayout, at)
	if err != nil {
		return Preferences{}, errors.New("audit: get preferences: bad timestamp")
	}
	p.Channels, p.OptedOut, p.QuietHours, p.UpdatedAt = splitChannels(ch), splitChannels(oo), quietFromColumns(qs, qe, qtz), t
	return p, nil
}

// PutPreferences implements PreferenceStore.
func (s *SQLiteStore) PutPreferences(ctx context.Context, p Preferences) (Preferences, error) {
	p, err := NormalizePreferences(p)
	if err != nil {
		return Preferences{}, err
	}
	p.UpdatedAt = time.Now().UTC().Truncate(precision)
	qs, qe, qtz := quietColumns(p.QuietHours)
	_, err = s.w.ExecContext(ctx, `INSERT INTO notification_preferences
		(patient_id, channels, opted_out, quiet_start, quiet_end, quiet_tz, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (patient_id) DO UPDATE SET channels = excluded.channels, opted_out = excluded.opted_out,
		quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, quiet_tz = excluded.quiet_tz,
		updated_at = excluded.updated_at`,
		p.PatientID, joinChannels(p.Channels), joinChannels(p.OptedOut), qs, qe, qtz, formatSQLiteTime(p.UpdatedAt))
	if err != nil {
		return Preferences{}, fmt.Errorf("audit: put preferences: %w", err)
	}
	return p, nil
}

// SetOptOut implements PreferenceStore.
func (s *SQLiteStore) SetOptOut(ctx context.Context, channel, address string, optedOut bool) error {
	address = NormalizeAddress(channel, address)
	if err := checkOptOut(channel, address); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO notification_optouts (channel, address, opted_out, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (channel, address) DO UPDATE SET opted_out = excluded.opted_out,
		updated_at = excluded.updated_at`, channel, address, optedOut, formatSQLiteTime(time.Now()))
	if err != nil {
		return fmt.Errorf("audit: set opt-out: %w", err)
	}
	return nil
}

// OptedOut implements PreferenceStore.
func (s *SQLiteStore) OptedOut(ctx context.Context, channel, address string) (bool, error) {
	address = NormalizeAddress(channel, address)
	if err := checkOptOut(channel, address); err != nil {
		return false, err
	}
	var out bool
	err := s.r.QueryRowContext(ctx, `SELECT opted_out FROM notification_optouts WHERE channel = ? AND address = ?`,
		channel, address).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("audit: opted out: %w", err)
	}
	return out, nil
}

// GetPreferences implements PreferenceStore.
func (s *PostgresStore) GetPreferences(ctx context.Context, patientID string) (Preferences, error) {
	if checkText(patientID) != nil {
		return Preferences{}, ErrNotFound
	}
	var (
		p                   = Preferences{PatientID: patientID}
		ch, oo, qs, qe, qtz string
	)
	err := s.pool.QueryRow(ctx, `SELECT channels, opted_out, quiet_start, quiet_end, quiet_tz, updated_at
		FROM notification_preferences WHERE patient_id = $1`, patientID).Scan(&ch, &oo, &qs, &qe, &qtz, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Preferences{}, ErrNotFound
	}
	if err != nil {
		return Preferences{}, fmt.Errorf("audit: get preferences: %w", err)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	p.Channels, p.OptedOut, p.QuietHours = splitChannels(ch), splitChannels(oo), quietFromColumns(qs, qe, qtz)
	return p, nil
}

// PutPreferences implements PreferenceStore.
func (s *PostgresStore) PutPreferences(ctx context.Context, p Preferences) (Preferences, error) {
	p, err := NormalizePreferences(p)
	if err != nil {
		return Preferences{}, err
	}
	p.UpdatedAt = time.Now().UTC().Truncate(precision)
	qs, qe, qtz := quietColumns(p.QuietHours)
	_, err = s.pool.Exec(ctx, `INSERT INTO notification_preferences
		(patient_id, channels, opted_out, quiet_start, quiet_end, quiet_tz, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (patient_id) DO UPDATE SET channels = excluded.channels, opted_out = excluded.opted_out,
		quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, quiet_tz = excluded.quiet_tz,
		updated_at = excluded.updated_at`,
		p.PatientID, joinChannels(p.Channels), joinChannels(p.OptedOut), qs, qe, qtz, p.UpdatedAt)
	if err != nil {
		return Preferences{}, fmt.Errorf("audit: put preferences: %w", err)
	}
	return p, nil
}

// SetOptOut implements PreferenceStore.
func (s *PostgresStore) SetOptOut(ctx context.Context, channel, address string, optedOut bool) error {
	address = NormalizeAddress(channel, address)
	if err := checkOptOut(channel, address); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO notification_optouts (channel, address, opted_out, updated_at)
		VALUES ($1, $2, $3, now()) ON CONFLICT (channel, address) DO UPDATE SET opted_out = excluded.opted_out,
		updated_at = excluded.updated_at`, channel, address, optedOut)
	if err != nil {
		return fmt.Errorf("audit: set opt-out: %w", err)
	}
	return nil
}

// OptedOut implements PreferenceStore.
func (s *PostgresStore) OptedOut(ctx context.Context, channel, address string) (bool, error) {
	address = NormalizeAddress(channel, address)
	if err := checkOptOut(channel, address); err != nil {
		return false, err
	}
	var out bool
	err := s.pool.QueryRow(ctx, `SELECT opted_out FROM notification_optouts WHERE channel = $1 AND address = $2`,
		channel, address).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("audit: opted out: %w", err)
	}
	return out, nil
}
