package dedup_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/careflow/engine/workflows/internal/dedup"
)

func TestSetRemembersTheMostRecentIDs(t *testing.T) {
	s := dedup.New(2)
	assert.True(t, s.Add("a"))
	assert.False(t, s.Add("a"), "a repeated id is not new")
	assert.True(t, s.Add("b"))
	assert.True(t, s.Add("c"), "the third id evicts the oldest")
	assert.False(t, s.Has("a"))
	assert.True(t, s.Has("b"))
	assert.Equal(t, []string{"b", "c"}, s.IDs())
	ids := s.IDs()
	ids[0] = "x"
	assert.Equal(t, []string{"b", "c"}, s.IDs(), "IDs returns a copy")
}
