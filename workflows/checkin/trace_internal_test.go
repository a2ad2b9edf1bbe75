package checkin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTraceNumberIsUnchanged pins TRN02 values computed by the hand-written FNV-1a that
// hash/fnv replaced: trace numbers are in recorded histories and must not move.
func TestTraceNumberIsUnchanged(t *testing.T) {
	for id, want := range map[string]string{
		"":                  "CF2166136261",
		"checkin:appt-1001": "CF0796994244",
		"checkin:appt-1001/eligibility-secondary": "CF0072050673",
	} {
		assert.Equal(t, want, traceNumber(id), id)
	}
}
