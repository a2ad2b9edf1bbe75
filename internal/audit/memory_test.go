package audit

import "testing"

func TestMemory(t *testing.T) {
	runConformance(t, func(t *testing.T) Store {
		s := NewMemory()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
