package audit

import "testing"

func TestMemory(t *testing.T) {
	runConformance(t, conformanceStore{
		open: func(t *testing.T, o Options) Store {
			s := NewMemoryWith(o)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		rawPayload: func(_ *testing.T, s Store, id int64) ([]byte, string) {
			m := s.(*memoryStore)
			m.mu.RLock()
			defer m.mu.RUnlock()
			p := m.payloads[id]
			return p.data, p.keyID
		},
	})
}
