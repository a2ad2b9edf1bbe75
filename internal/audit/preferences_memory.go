package audit

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// GetPreferences implements PreferenceStore.
func (m *memoryStore) GetPreferences(ctx context.Context, patientID string) (Preferences, error) {
	if err := ctx.Err(); err != nil {
		return Preferences{}, fmt.Errorf("audit: get preferences: %w", err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return Preferences{}, errClosed
	}
	p, ok := m.prefs[patientID]
	if !ok {
		return Preferences{}, ErrNotFound
	}
	return clonePreferences(p), nil
}

// PutPreferences implements PreferenceStore.
func (m *memoryStore) PutPreferences(ctx context.Context, p Preferences) (Preferences, error) {
	if err := ctx.Err(); err != nil {
		return Preferences{}, fmt.Errorf("audit: put preferences: %w", err)
	}
	p, err := NormalizePreferences(p)
	if err != nil {
		return Preferences{}, err
	}
	p.UpdatedAt = time.Now().UTC().Truncate(precision)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Preferences{}, errClosed
	}
	if m.prefs == nil {
		m.prefs = map[string]Preferences{}
	}
	m.prefs[p.PatientID] = clonePreferences(p)
	return p, nil
}

// SetOptOut implements PreferenceStore.
func (m *memoryStore) SetOptOut(ctx context.Context, channel, address string, optedOut bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: set opt-out: %w", err)
	}
	address = NormalizeAddress(channel, address)
	if err := checkOptOut(channel, address); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	if m.optouts == nil {
		m.optouts = map[[2]string]bool{}
	}
	m.optouts[[2]string{channel, address}] = optedOut
	return nil
}

// OptedOut implements PreferenceStore.
func (m *memoryStore) OptedOut(ctx context.Context, channel, address string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("audit: opted out: %w", err)
	}
	address = NormalizeAddress(channel, address)
	if err := checkOptOut(channel, address); err != nil {
		return false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return false, errClosed
	}
	return m.optouts[[2]string{channel, address}], nil
}

// clonePreferences copies the slices and quiet hours so callers cannot alter stored values.
func clonePreferences(p Preferences) Preferences {
	p.Channels, p.OptedOut = slices.Clone(p.Channels), slices.Clone(p.OptedOut)
	if p.QuietHours != nil {
		q := *p.QuietHours
		p.QuietHours = &q
	}
	return p
}
