package audit

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestPayloadAADCoversRecord checks that every stored field except the ID changes the AAD,
// and that field boundaries cannot be shifted to give two records the same AAD.
func TestPayloadAADCoversRecord(t *testing.T) {
	base := sample(1)
	base.At = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	want := payloadAAD(base)

	same := base
	same.ID = 42
	same.Payload = []byte("not part of the AAD")
	same.HasPayload = true
	assert.Equal(t, want, payloadAAD(same), "ID, Payload and HasPayload are not covered")

	changes := map[string]func(r *Record){
		"at":       func(r *Record) { r.At = r.At.Add(time.Microsecond) },
		"actor":    func(r *Record) { r.Actor += "x" },
		"action":   func(r *Record) { r.Action += "x" },
		"process":  func(r *Record) { r.Process += "x" },
		"vendor":   func(r *Record) { r.Vendor += "x" },
		"exchange": func(r *Record) { r.Exchange += "x" },
		"outcome":  func(r *Record) { r.Outcome += "x" },
		"code":     func(r *Record) { r.Code += "x" },
		"latency":  func(r *Record) { r.Latency++ },
	}
	for name, change := range changes {
		r := base
		change(&r)
		assert.False(t, bytes.Equal(want, payloadAAD(r)), "%s is covered", name)
	}

	a, b := base, base
	a.Actor, a.Action = "ab", "c"
	b.Actor, b.Action = "a", "bc"
	assert.NotEqual(t, payloadAAD(a), payloadAAD(b), "moving bytes across a field boundary changes the AAD")
}
