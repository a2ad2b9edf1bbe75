package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// errClosed is returned by every operation on a closed in-memory store.
var errClosed = errors.New("audit: store is closed")

// memoryStore keeps everything in process memory; it exists for other packages' unit tests.
type memoryStore struct {
	sealer    Sealer
	mu        sync.RWMutex
	closed    bool
	records   []Record // in ID order, because IDs are assigned under mu
	crosswalk map[[2]string]string
	// payloads holds sealed payloads by record ID; like the SQL stores, memory keeps
	// ciphertext only, so tests that use it exercise the same sealing path.
	payloads map[int64]sealedPayload
	// prefs and optouts back PreferenceStore; nil until first written.
	prefs   map[string]Preferences
	optouts map[[2]string]bool
}

// NewMemory returns an empty in-memory Store for unit tests; nothing survives the process.
func NewMemory() Store {
	return NewMemoryWith(Options{})
}

// NewMemoryWith is NewMemory with options.
func NewMemoryWith(o Options) Store {
	return &memoryStore{sealer: o.Sealer, crosswalk: map[[2]string]string{}, payloads: map[int64]sealedPayload{}}
}

// Append implements Store.
func (m *memoryStore) Append(ctx context.Context, r Record) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, fmt.Errorf("audit: append: %w", err)
	}
	r, err := prepare(r, time.Now())
	if err != nil {
		return Record{}, err
	}
	r, sealed, err := sealRecord(m.sealer, r)
	if err != nil {
		return Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Record{}, errClosed
	}
	r.ID = int64(len(m.records)) + 1
	m.records = append(m.records, r)
	if sealed != nil {
		m.payloads[r.ID] = *sealed
	}
	return r, nil
}

// Payload implements Store.
func (m *memoryStore) Payload(ctx context.Context, id int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("audit: payload: %w", err)
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return nil, errClosed
	}
	p, ok := m.payloads[id]
	var r Record
	if ok {
		r = m.records[id-1] // IDs are 1-based positions in records
	}
	m.mu.RUnlock()
	if !ok {
		return nil, ErrNotFound
	}
	// Decrypt outside the lock; stored values are never modified, so sharing them is safe.
	return openRecord(m.sealer, r, p)
}

// List implements Store.
func (m *memoryStore) List(ctx context.Context, f Filter) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	f, err := normalizeFilter(f)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, errClosed
	}
	start := sort.Search(len(m.records), func(i int) bool { return m.records[i].ID > f.AfterID })
	out := []Record{}
	for _, r := range m.records[start:] {
		if len(out) == f.Limit {
			break
		}
		if matches(r, f) {
			out = append(out, r)
		}
	}
	return out, nil
}

// matches reports whether r passes f's field filters, the same conditions the SQL stores use.
func matches(r Record, f Filter) bool {
	return (f.Process == "" || r.Process == f.Process) &&
		(f.Action == "" || r.Action == f.Action) &&
		(len(f.Actions) == 0 || slices.Contains(f.Actions, r.Action)) &&
		(f.Vendor == "" || r.Vendor == f.Vendor) &&
		(f.Since.IsZero() || !r.At.Before(f.Since))
}

// PutCrosswalk implements Store.
func (m *memoryStore) PutCrosswalk(ctx context.Context, kind, externalID, internalID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: put crosswalk: %w", err)
	}
	if err := checkCrosswalk(kind, externalID, internalID, true); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	key := [2]string{kind, externalID}
	if have, ok := m.crosswalk[key]; ok {
		if have != internalID {
			return conflict(kind)
		}
		return nil
	}
	m.crosswalk[key] = internalID
	return nil
}

// LookupCrosswalk implements Store.
func (m *memoryStore) LookupCrosswalk(ctx context.Context, kind, externalID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("audit: lookup crosswalk: %w", err)
	}
	if err := checkCrosswalk(kind, externalID, "", false); err != nil {
		return "", err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return "", errClosed
	}
	id, ok := m.crosswalk[[2]string{kind, externalID}]
	if !ok {
		return "", ErrNotFound
	}
	return id, nil
}

// Ping implements Store.
func (m *memoryStore) Ping(ctx context.Context) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return errClosed
	}
	return ctx.Err()
}

// Close implements Store; closing twice is harmless.
func (m *memoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.records, m.crosswalk, m.payloads, m.prefs, m.optouts = nil, nil, nil, nil, nil
	return nil
}

// conflict builds the ErrConflict error every store returns. It names the kind only: external
// IDs can be medical record numbers, which must not end up in logs.
func conflict(kind string) error {
	return fmt.Errorf("%w for kind %q", ErrConflict, kind)
}
