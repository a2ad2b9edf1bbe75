package ehrsim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchLastUpdated: _lastUpdated with the FHIR date prefixes selects by meta.lastUpdated,
// the value's precision being its range, and _sort=_lastUpdated orders oldest first.
func TestSearchLastUpdated(t *testing.T) {
	f := start(t)
	seeded := f.clock.Now()
	touch := func(id string) {
		r, ok := f.srv.Sim.Resource("Appointment", id)
		require.True(t, ok)
		r["comment"] = "touched"
		b, err := json.Marshal(r)
		require.NoError(t, err)
		require.NoError(t, f.srv.Sim.Put("Appointment", id, b))
	}
	f.clock.Advance(time.Hour)
	touch("appt-1003")
	f.clock.Advance(time.Second)
	touch("appt-1001")
	oneHour := seeded.Add(time.Hour)
	tok := f.token(t)
	search := func(q string) []string {
		t.Helper()
		rep := f.do(t, "GET", "/fhir/Appointment?"+q, tok, nil)
		require.Equal(t, http.StatusOK, rep.status, string(rep.raw))
		ids, _ := entries(t, rep)
		return ids
	}
	at := func(prefix string, ts time.Time, layout string) string {
		return "_lastUpdated=" + url.QueryEscape(prefix+ts.Format(layout))
	}
	both := []string{"Appointment/appt-1001", "Appointment/appt-1003"}
	assert.Equal(t, both, search(at("gt", seeded, time.RFC3339)), "gt: after the seed second")
	assert.Equal(t, []string{"Appointment/appt-1003", "Appointment/appt-1001"},
		search(at("ge", oneHour, time.RFC3339)+"&_sort=_lastUpdated"), "oldest first")
	assert.Equal(t, []string{"Appointment/appt-1001", "Appointment/appt-1003"},
		search(at("ge", oneHour, time.RFC3339)+"&_sort=-_lastUpdated"), "newest first")
	assert.Equal(t, []string{"Appointment/appt-1001"}, search(at("gt", oneHour, time.RFC3339)), "gt excludes the value's whole second")
	assert.Equal(t, []string{"Appointment/appt-1003"}, search(at("eq", oneHour, time.RFC3339)))
	assert.Equal(t, []string{"Appointment/appt-1003"}, search(at("", oneHour, time.RFC3339)), "no prefix is eq")
	assert.Len(t, search(at("eq", oneHour, "2006-01-02")), 8, "a day is the whole day: seeded and touched")
	assert.Empty(t, search(at("gt", oneHour, "2006-01-02")), "gt a day: after that day")
	assert.Equal(t, both, search(at("ge", oneHour, "2006-01-02T15:04Z07:00")+"&"+at("lt", oneHour.Add(2*time.Second), time.RFC3339)),
		"repeated parameters make a range")
	assert.NotContains(t, search(at("le", seeded, time.RFC3339)), "Appointment/appt-1001")
	assert.Contains(t, search(at("le", seeded, time.RFC3339)), "Appointment/appt-1002")
	assert.Equal(t, []string{"Appointment/appt-1001"},
		search(at("gt", oneHour.Add(500*time.Millisecond), time.RFC3339Nano)), "fractional seconds")

	for _, bad := range []string{"_lastUpdated=ap2030-01-15", "_lastUpdated=yesterday", "_sort=status"} {
		rep := f.do(t, "GET", "/fhir/Appointment?"+bad, tok, nil)
		assert.Equal(t, http.StatusBadRequest, rep.status, bad)
	}
}
