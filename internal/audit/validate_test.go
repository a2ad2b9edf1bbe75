package audit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeFilterLimits(t *testing.T) {
	for _, c := range []struct{ in, want int }{
		{0, DefaultLimit}, {-5, DefaultLimit}, {1, 1}, {MaxLimit, MaxLimit}, {MaxLimit + 1, MaxLimit},
	} {
		f, err := normalizeFilter(Filter{Limit: c.in})
		require.NoError(t, err)
		assert.Equal(t, c.want, f.Limit, "limit %d", c.in)
	}
}

func TestNormalizeFilterRoundsSinceUp(t *testing.T) {
	zone := time.FixedZone("X", 2*3600)
	f, err := normalizeFilter(Filter{Since: time.Date(2025, 1, 1, 2, 0, 0, 1500, zone)})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 2000, time.UTC), f.Since)

	f, err = normalizeFilter(Filter{Since: time.Date(2025, 1, 1, 0, 0, 0, 3000, time.UTC)})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 3000, time.UTC), f.Since, "whole microseconds stay")

	_, err = normalizeFilter(Filter{Since: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.Error(t, err)
	_, err = normalizeFilter(Filter{Vendor: "a\x00b"})
	assert.Error(t, err)
}

func TestSQLiteTimeFormatSortsAsText(t *testing.T) {
	a := formatSQLiteTime(time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC))
	b := formatSQLiteTime(time.Date(2025, 1, 1, 0, 0, 0, 5000, time.UTC))
	c := formatSQLiteTime(time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC))
	assert.Less(t, a, b)
	assert.Less(t, b, c)
	assert.Len(t, a, len(c), "fixed width")
	back, err := time.Parse(sqliteTimeLayout, b)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 5000, time.UTC), back)
}
