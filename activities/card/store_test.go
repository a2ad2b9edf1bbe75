package card_test

import (
	"context"
	"errors"
	"sync"

	"github.com/careflow/engine/internal/audit"
)

// memStore is a minimal audit.Store for these tests; failWrites makes every write fail so
// tests can check that a broken record store never fails a Stripe call that succeeded.
type memStore struct {
	mu         sync.Mutex
	failWrites bool
	records    []audit.Record
	crosswalk  map[[2]string]string
}

var _ audit.Store = (*memStore)(nil)

func newMemStore() *memStore { return &memStore{crosswalk: map[[2]string]string{}} }

func (m *memStore) Append(_ context.Context, r audit.Record) (audit.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failWrites {
		return audit.Record{}, errors.New("store down")
	}
	r.ID = int64(len(m.records) + 1)
	m.records = append(m.records, r)
	return r, nil
}

func (m *memStore) List(_ context.Context, f audit.Filter) ([]audit.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []audit.Record
	for _, r := range m.records {
		if (f.Process == "" || r.Process == f.Process) && (f.Action == "" || r.Action == f.Action) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) PutCrosswalk(_ context.Context, kind, externalID, internalID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failWrites {
		return errors.New("store down")
	}
	key := [2]string{kind, externalID}
	if old, ok := m.crosswalk[key]; ok && old != internalID {
		return errors.New("crosswalk conflict")
	}
	m.crosswalk[key] = internalID
	return nil
}

func (m *memStore) LookupCrosswalk(_ context.Context, kind, externalID string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.crosswalk[[2]string{kind, externalID}]; ok {
		return v, nil
	}
	return "", audit.ErrNotFound
}

func (m *memStore) Ping(context.Context) error { return nil }
func (m *memStore) Close() error               { return nil }

// all returns a copy of the records appended so far.
func (m *memStore) all() []audit.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]audit.Record(nil), m.records...)
}

func (s *memStore) Payload(context.Context, int64) ([]byte, error) { return nil, audit.ErrNotFound }
