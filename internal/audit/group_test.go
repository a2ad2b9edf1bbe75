package audit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groupStore is a store that appends through a groupWriter, for runGroupCommit.
type groupStore struct {
	Store
	group *groupWriter
}

// runGroupCommit checks a store's group commit; open returns a fresh, empty store closed
// when t ends.
func runGroupCommit(t *testing.T, open func(t *testing.T) groupStore) {
	t.Run("ConcurrentAppends", func(t *testing.T) { testGroupConcurrentAppends(t, open(t)) })
	t.Run("BadRecordFailsAlone", func(t *testing.T) { testGroupBadRecordFailsAlone(t, open(t)) })
	t.Run("CanceledNeverStored", func(t *testing.T) { testGroupCanceledNeverStored(t, open(t)) })
	t.Run("AppendAfterClose", func(t *testing.T) { testGroupAppendAfterClose(t, open(t)) })
}

func TestSQLiteGroupCommit(t *testing.T) {
	runGroupCommit(t, func(t *testing.T) groupStore {
		s := openSQLiteTB(t)
		return groupStore{s, s.group}
	})
}

func TestPostgresGroupCommit(t *testing.T) {
	dbURL := newPostgresDatabase(t)
	runGroupCommit(t, func(t *testing.T) groupStore {
		s := openPostgresTB(t, withSearchPath(dbURL, "audit_"+randomHex(t)))
		return groupStore{s, s.group}
	})
}

// testGroupConcurrentAppends: concurrent appends share transactions, yet each gets its own
// committed row and id.
func testGroupConcurrentAppends(t *testing.T, s groupStore) {
	ctx := t.Context()
	const n = 200
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := s.Append(ctx, sample(i))
			assert.NoError(t, err)
			ids[i] = r.ID
		})
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
	slices.Sort(ids)
	assert.Equal(t, ids, recordIDs(got), "every append is stored once")
}

// testGroupBadRecordFailsAlone: one record the database refuses inside a batch fails alone;
// the others are still stored.
func testGroupBadRecordFailsAlone(t *testing.T, s groupStore) {
	good1, bad, good2 := &appendReq{r: sample(1)}, &appendReq{r: sample(2)}, &appendReq{r: sample(3)}
	batch := []*appendReq{good1, bad, good2}
	for _, req := range batch {
		req.r, _ = prepare(req.r, time.Now())
		req.done = make(chan appendRes, 1)
	}
	// A payload key id without a payload violates the table's CHECK constraint.
	bad.keyID = "k1"
	s.group.flush(batch)
	g1, b, g2 := <-good1.done, <-bad.done, <-good2.done
	require.NoError(t, g1.err)
	require.NoError(t, g2.err)
	assert.Error(t, b.err)
	got, err := s.List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Equal(t, []int64{g1.id, g2.id}, recordIDs(got))
}

// testGroupCanceledNeverStored: an append whose context has ended is refused even when a
// writer is idle and ready to take it.
func testGroupCanceledNeverStored(t *testing.T, s groupStore) {
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	var want []int64
	for i := range 50 {
		_, err := s.Append(canceled, sample(i))
		require.ErrorIs(t, err, context.Canceled)
		// The writer is back to waiting shortly after answering this append.
		r, err := s.Append(t.Context(), sample(i))
		require.NoError(t, err)
		want = append(want, r.ID)
	}
	got, err := s.List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Equal(t, want, recordIDs(got), "only the appends with a live context are stored")
}

// testGroupAppendAfterClose: Close stops the writer and later appends are refused.
func testGroupAppendAfterClose(t *testing.T, s groupStore) {
	require.NoError(t, s.Close())
	_, err := s.Append(t.Context(), sample(1))
	assert.ErrorIs(t, err, errStoreClosed)
}

// A batch never exceeds maxGroupCommit and every caller gets the ID of its own request.
func TestGroupWriterBatches(t *testing.T) {
	var (
		mu      sync.Mutex
		sizes   []int
		next    int64
		release = make(chan struct{})
	)
	g := newGroupWriter(func(_ context.Context, batch []*appendReq) ([]int64, error) {
		<-release
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(batch))
		ids := make([]int64, len(batch))
		for i, req := range batch {
			next++
			ids[i] = next
			req.r.ID = next // what the caller must get back
		}
		return ids, nil
	}, 1)
	const n = 3 * maxGroupCommit
	reqs := make([]*appendReq, n)
	got := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		reqs[i] = &appendReq{r: sample(i)}
		wg.Go(func() {
			id, err := g.append(t.Context(), reqs[i])
			assert.NoError(t, err)
			got[i] = id
		})
	}
	close(release)
	wg.Wait()
	g.close()
	total := 0
	for _, size := range sizes {
		assert.LessOrEqual(t, size, maxGroupCommit)
		total += size
	}
	assert.Equal(t, n, total)
	for i, req := range reqs {
		assert.Equal(t, req.r.ID, got[i], "request %d", i)
	}
}

// A commit whose outcome is unknown is not written again row by row: that could store its
// records twice.
func TestGroupWriterOutcomeUnknownNotRetried(t *testing.T) {
	calls := 0
	g := newGroupWriter(func(context.Context, []*appendReq) ([]int64, error) {
		calls++
		return nil, errOutcomeUnknown
	}, 1)
	t.Cleanup(g.close)
	batch := []*appendReq{{r: sample(1)}, {r: sample(2)}}
	for _, req := range batch {
		req.done = make(chan appendRes, 1)
	}
	g.flush(batch)
	for _, req := range batch {
		assert.ErrorIs(t, (<-req.done).err, errOutcomeUnknown)
	}
	assert.Equal(t, 1, calls)
}

// Any other failure of a batch is retried row by row.
func TestGroupWriterRetriesRowByRow(t *testing.T) {
	refused := errors.New("refused")
	var calls [][]*appendReq
	g := newGroupWriter(func(_ context.Context, batch []*appendReq) ([]int64, error) {
		calls = append(calls, batch)
		if len(batch) > 1 || batch[0].r.Code == "bad" {
			return nil, refused
		}
		return []int64{int64(len(calls))}, nil
	}, 1)
	t.Cleanup(g.close)
	bad := &appendReq{r: sample(2)}
	bad.r.Code = "bad"
	batch := []*appendReq{{r: sample(1)}, bad, {r: sample(3)}}
	for _, req := range batch {
		req.done = make(chan appendRes, 1)
	}
	g.flush(batch)
	assert.Equal(t, appendRes{id: 2}, <-batch[0].done)
	assert.ErrorIs(t, (<-batch[1].done).err, refused)
	assert.Equal(t, appendRes{id: 4}, <-batch[2].done)
	assert.Len(t, calls, 4)
}
