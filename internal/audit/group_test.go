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
	t.Run("BackgroundAppends", func(t *testing.T) { testGroupBackgroundAppends(t, open(t)) })
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

// testGroupBackgroundAppends: background appends, alone or among waited ones, are each
// stored once with their own id.
func testGroupBackgroundAppends(t *testing.T, s groupStore) {
	bg := Background(t.Context())
	const n = 60
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := t.Context()
			if i%3 != 0 {
				ctx = bg
			}
			r, err := s.Append(ctx, sample(i))
			assert.NoError(t, err)
			ids[i] = r.ID
		})
	}
	wg.Wait()
	lone, err := s.Append(bg, sample(n))
	require.NoError(t, err, "a background append with no company is committed when its wait ends")
	ids = append(ids, lone.ID)
	got, err := s.List(t.Context(), Filter{Limit: 1000})
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

// gatherWithin runs g.gather(batch) and fails the test if it has not returned within a minute
// (the writers under test linger for an hour: only what the test sends may end the wait).
func gatherWithin(t *testing.T, g *groupWriter, batch []*appendReq) []*appendReq {
	t.Helper()
	out := make(chan []*appendReq, 1)
	go func() { out <- g.gather(batch) }()
	select {
	case b := <-out:
		return b
	case <-time.After(time.Minute):
		t.Fatal("gather went on waiting")
		return nil
	}
}

// Background appends wait for company; one whose caller waits ends the wait at once and its
// batch carries the held ones.
func TestGroupWriterBackgroundAppendsWaitForCompany(t *testing.T) {
	g := &groupWriter{queue: make(chan *appendReq), closing: make(chan struct{}), linger: time.Hour}
	first, bg1, bg2 := &appendReq{r: sample(1), linger: true}, &appendReq{r: sample(2), linger: true}, &appendReq{r: sample(3), linger: true}
	waiting := &appendReq{r: sample(4)}
	go func() {
		g.queue <- bg1
		g.queue <- bg2
		g.queue <- waiting
	}()
	assert.Equal(t, []*appendReq{first, bg1, bg2, waiting}, gatherWithin(t, g, []*appendReq{first}))
}

// Close ends a background batch's wait.
func TestGroupWriterCloseEndsTheWait(t *testing.T) {
	g := &groupWriter{queue: make(chan *appendReq), closing: make(chan struct{}), linger: time.Hour}
	first := &appendReq{linger: true}
	close(g.closing)
	assert.Equal(t, []*appendReq{first}, gatherWithin(t, g, []*appendReq{first}))
}

// An append whose caller waits is committed without waiting for company, and so is a batch of
// background appends once lingerFor has passed.
func TestGroupWriterWaitedAppendsDoNotLinger(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	commit := func(_ context.Context, batch []*appendReq) ([]int64, error) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(batch))
		return make([]int64, len(batch)), nil
	}
	g := &groupWriter{commit: commit, queue: make(chan *appendReq), closing: make(chan struct{}), linger: time.Hour}
	g.stopped.Go(g.run)
	t.Cleanup(g.close)
	done := make(chan error, 1)
	go func() {
		_, err := g.append(t.Context(), &appendReq{r: sample(1)})
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("a waited append was held for company")
	}
	assert.Equal(t, []int{1}, sizes)

	short := newGroupWriter(commit, 1)
	t.Cleanup(short.close)
	assert.Equal(t, lingerFor, short.linger)
	_, err := short.append(Background(t.Context()), &appendReq{r: sample(2)})
	require.NoError(t, err, "a lone background append is committed after lingerFor")
	assert.Equal(t, []int{1, 1}, sizes)
}

// Background marks the appends made with a context derived from its own; others are waited.
func TestGroupWriterBackgroundMarksAppends(t *testing.T) {
	g := &groupWriter{queue: make(chan *appendReq), closing: make(chan struct{})}
	derived, cancel := context.WithTimeout(Background(t.Context()), time.Hour)
	defer cancel()
	for _, c := range []struct {
		ctx    context.Context
		linger bool
	}{{t.Context(), false}, {derived, true}} {
		go func() { _, _ = g.append(c.ctx, &appendReq{r: sample(1)}) }()
		req := <-g.queue
		assert.Equal(t, c.linger, req.linger)
		req.done <- appendRes{id: 1}
	}
}
