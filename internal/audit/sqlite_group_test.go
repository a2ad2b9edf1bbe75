package audit

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Concurrent appends share transactions, yet each gets its own committed row and id.
func TestSQLiteGroupCommitConcurrentAppends(t *testing.T) {
	s := openSQLiteTB(t)
	ctx := t.Context()
	const n = 200
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Append(ctx, sample(i))
			assert.NoError(t, err)
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, id := range ids {
		require.NotZero(t, id)
		require.False(t, seen[id], "id %d returned twice", id)
		seen[id] = true
	}
	got, err := s.List(ctx, Filter{Limit: 1000})
	require.NoError(t, err)
	assert.Len(t, got, n)
}

// One record the database refuses inside a batch fails alone; the others are still stored.
func TestSQLiteGroupCommitBadRecordFailsAlone(t *testing.T) {
	s := openSQLiteTB(t)
	good := &appendReq{r: sample(1)}
	bad := &appendReq{r: sample(2)}
	for _, req := range []*appendReq{good, bad} {
		req.done = make(chan appendRes, 1)
	}
	// A payload key id without a payload violates the table's CHECK constraint.
	bad.keyID = "k1"
	s.group.commit([]*appendReq{good, bad})
	g, b := <-good.done, <-bad.done
	require.NoError(t, g.err)
	assert.NotZero(t, g.id)
	assert.Error(t, b.err)
}

func TestSQLiteAppendAfterClose(t *testing.T) {
	s := openSQLiteTB(t)
	require.NoError(t, s.Close())
	_, err := s.Append(t.Context(), sample(1))
	assert.ErrorIs(t, err, errStoreClosed)
}
