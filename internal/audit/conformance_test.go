package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conformanceStore describes one Store implementation to the conformance suite.
type conformanceStore struct {
	// open returns a fresh, empty store configured with o and closes it when t ends.
	open func(t *testing.T, o Options) Store
	// rawPayload returns what the store keeps for record id's payload, bypassing the Store
	// interface (for the SQL stores, the columns themselves), or nil data when there is none.
	rawPayload func(t *testing.T, s Store, id int64) (data []byte, keyID string)
}

// runConformance checks the behaviour every Store must share. Every subtest gets a fresh,
// empty store, closed when the subtest ends.
func runConformance(t *testing.T, c conformanceStore) {
	open := func(t *testing.T) Store { return c.open(t, Options{}) }
	t.Run("AppendAssignsIDAndAt", func(t *testing.T) { testAppendAssigns(t, open(t)) })
	t.Run("AppendKeepsGivenAt", func(t *testing.T) { testAppendKeepsAt(t, open(t)) })
	t.Run("AppendRejectsInvalid", func(t *testing.T) { testAppendRejects(t, open(t)) })
	t.Run("ListFilters", func(t *testing.T) { testListFilters(t, open(t)) })
	t.Run("ListSinceIsInclusive", func(t *testing.T) { testListSince(t, open(t)) })
	t.Run("ListPagesByAfterID", func(t *testing.T) { testListPaging(t, open(t)) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConcurrentAppends(t, open(t)) })
	t.Run("TailWhileAppending", func(t *testing.T) { testTailWhileAppending(t, open(t)) })
	t.Run("Crosswalk", func(t *testing.T) { testCrosswalk(t, open(t)) })
	t.Run("CrosswalkConcurrentPut", func(t *testing.T) { testCrosswalkConcurrent(t, open(t)) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, open(t)) })
	t.Run("Close", func(t *testing.T) { testClose(t, open(t)) })
	runPayloadConformance(t, c)
	runPreferenceConformance(t, c)
}

// sample returns a record with every field set, distinct per n.
func sample(n int) Record {
	return Record{
		Actor:    "token:frontdesk",
		Action:   "payments.start",
		Process:  fmt.Sprintf("payment:%d", n),
		Vendor:   "stripe",
		Exchange: fmt.Sprintf("pi_%d", n),
		Outcome:  OutcomeOK,
		Code:     "201",
		Latency:  time.Duration(n)*time.Millisecond + 7*time.Nanosecond,
	}
}

// testAppendAssigns checks that the store assigns increasing IDs and a UTC, microsecond At.
func testAppendAssigns(t *testing.T, s Store) {
	ctx := t.Context()
	before := time.Now().UTC().Truncate(time.Microsecond)
	first, err := s.Append(ctx, sample(1))
	require.NoError(t, err)
	second, err := s.Append(ctx, Record{ID: 999, Action: "x", Outcome: OutcomeError})
	require.NoError(t, err)
	after := time.Now().UTC()

	assert.Positive(t, first.ID)
	assert.Greater(t, second.ID, first.ID, "IDs increase in append order")
	assert.NotEqual(t, int64(999), second.ID, "the store assigns IDs, callers do not")
	assert.Equal(t, time.UTC, first.At.Location())
	assert.False(t, first.At.Before(before) || first.At.After(after), "At %v not within [%v, %v]", first.At, before, after)
	assert.Equal(t, first.At, first.At.Truncate(time.Microsecond))

	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assertSameRecord(t, first, got[0])
	assertSameRecord(t, second, got[1])
	assert.Equal(t, sample(1).Latency, got[0].Latency, "latency keeps nanoseconds")
}

// testAppendKeepsAt checks that a caller's At survives, converted to UTC and truncated.
func testAppendKeepsAt(t *testing.T, s Store) {
	zone := time.FixedZone("UTC-5", -5*3600)
	at := time.Date(2024, 2, 29, 23, 59, 58, 123456789, zone)
	in := sample(1)
	in.At = at
	r, err := s.Append(t.Context(), in)
	require.NoError(t, err)
	want := time.Date(2024, 3, 1, 4, 59, 58, 123456000, time.UTC)
	assert.Equal(t, want, r.At, "At is converted to UTC and truncated to microseconds")

	got, err := s.List(t.Context(), Filter{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, want, got[0].At, "List returns what Append returned")
}

// testAppendRejects checks that text PostgreSQL cannot hold is refused by every store alike.
func testAppendRejects(t *testing.T, s Store) {
	ctx := t.Context()
	nul := sample(1)
	nul.Code = "secret\x00value"
	_, err := s.Append(ctx, nul)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret", "errors carry no record contents")

	bad := sample(2)
	bad.Process = "secret\xff"
	_, err = s.Append(ctx, bad)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")

	far := sample(3)
	far.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.Append(ctx, far)
	require.Error(t, err)

	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	assert.Empty(t, got, "rejected records are not stored")
}

// testListFilters checks each filter field alone and combined; results stay in ID order.
func testListFilters(t *testing.T, s Store) {
	ctx := t.Context()
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	seed := []Record{
		{At: base, Action: "payments.start", Process: "payment:1", Vendor: "stripe", Outcome: OutcomeOK},
		{At: base.Add(time.Minute), Action: "stripe.capture", Process: "payment:1", Vendor: "stripe", Outcome: OutcomeOK},
		{At: base.Add(2 * time.Minute), Action: "payments.start", Process: "payment:2", Vendor: "stripe", Outcome: OutcomeRejected},
		{At: base.Add(-time.Hour), Action: "twilio.send", Process: "labs:9", Vendor: "twilio", Outcome: OutcomeError},
		{At: base.Add(3 * time.Minute), Action: "payments.start", Process: "payment:3", Outcome: OutcomeOK},
	}
	var ids []int64
	for _, r := range seed {
		got, err := s.Append(ctx, r)
		require.NoError(t, err)
		ids = append(ids, got.ID)
	}
	cases := []struct {
		name string
		f    Filter
		want []int // indexes into seed, in ID order
	}{
		{"all", Filter{}, []int{0, 1, 2, 3, 4}},
		{"process", Filter{Process: "payment:1"}, []int{0, 1}},
		{"action", Filter{Action: "payments.start"}, []int{0, 2, 4}},
		{"vendor", Filter{Vendor: "twilio"}, []int{3}},
		{"actions", Filter{Actions: []string{"payments.start", "twilio.send"}}, []int{0, 2, 3, 4}},
		{"actions and process", Filter{Actions: []string{"payments.start", "nothing.such"}, Process: "payment:1"}, []int{0}},
		{"since", Filter{Since: base.Add(time.Minute)}, []int{1, 2, 4}},
		{"since in another zone", Filter{Since: base.Add(time.Minute).In(time.FixedZone("X", 3600))}, []int{1, 2, 4}},
		{"action and since", Filter{Action: "payments.start", Since: base.Add(time.Second)}, []int{2, 4}},
		{"vendor and process", Filter{Vendor: "stripe", Process: "payment:2"}, []int{2}},
		{"after id", Filter{AfterID: ids[2]}, []int{3, 4}},
		{"limit", Filter{Limit: 2}, []int{0, 1}},
		{"no match", Filter{Process: "payment:404"}, []int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.List(ctx, c.f)
			require.NoError(t, err)
			require.NotNil(t, got, "an empty result is an empty slice")
			want := make([]int64, 0, len(c.want))
			for _, i := range c.want {
				want = append(want, ids[i])
			}
			assert.Equal(t, want, recordIDs(got))
		})
	}
}

// testListSince checks that Since is inclusive and exact even with sub-microsecond bounds.
func testListSince(t *testing.T, s Store) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	in := sample(1)
	in.At = at
	_, err := s.Append(t.Context(), in)
	require.NoError(t, err)
	for _, c := range []struct {
		since time.Time
		n     int
	}{{at, 1}, {at.Add(-time.Nanosecond), 1}, {at.Add(time.Nanosecond), 0}, {at.Add(time.Microsecond), 0}} {
		got, err := s.List(t.Context(), Filter{Since: c.since})
		require.NoError(t, err)
		assert.Len(t, got, c.n, "since %v", c.since)
	}
}

// testListPaging walks the trail with AfterID and a small Limit.
func testListPaging(t *testing.T, s Store) {
	ctx := t.Context()
	var want []int64
	for i := range 23 {
		r, err := s.Append(ctx, sample(i))
		require.NoError(t, err)
		want = append(want, r.ID)
	}
	var got []int64
	after := int64(0)
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging does not terminate")
		page, err := s.List(ctx, Filter{AfterID: after, Limit: 5})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 5)
		if len(page) == 0 {
			break
		}
		got = append(got, recordIDs(page)...)
		after = page[len(page)-1].ID
	}
	assert.Equal(t, want, got)
}

// testConcurrentAppends checks that appends from 8 goroutines get unique IDs and none is lost.
func testConcurrentAppends(t *testing.T, s Store) {
	const workers, each = 8, 40
	ids := make(chan int64, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r, err := s.Append(t.Context(), sample(w*each+i))
				if !assert.NoError(t, err) {
					return
				}
				ids <- r.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	var returned []int64
	for id := range ids {
		returned = append(returned, id)
	}
	slices.Sort(returned)
	require.Len(t, returned, workers*each)
	assert.Len(t, slices.Compact(slices.Clone(returned)), workers*each, "IDs are unique")

	got, err := s.List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Equal(t, returned, recordIDs(got), "every append is listed once, in ID order")
}

// testTailWhileAppending pages with AfterID while writers append: a reader that follows the
// trail must see every record exactly once, which needs IDs to become visible in order.
func testTailWhileAppending(t *testing.T, s Store) {
	const workers, each = 8, 30
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		appended []int64
	)
	done := make(chan struct{})
	for range workers {
		wg.Go(func() {
			for i := range each {
				r, err := s.Append(t.Context(), sample(i))
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				appended = append(appended, r.ID)
				mu.Unlock()
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	var seen []int64
	after := int64(0)
	tail := func() {
		page, err := s.List(t.Context(), Filter{AfterID: after, Limit: 7})
		require.NoError(t, err)
		seen = append(seen, recordIDs(page)...)
		if len(page) > 0 {
			after = page[len(page)-1].ID
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			tail()
		}
	}
	for range workers * each { // drain what was committed after the last page
		before := len(seen)
		tail()
		if len(seen) == before {
			break
		}
	}
	slices.Sort(appended)
	assert.Equal(t, appended, seen, "the tailing reader saw every record once, in order")
}

// testCrosswalk checks idempotent puts, conflicts, separate kinds, misses and invalid keys.
func testCrosswalk(t *testing.T, s Store) {
	ctx := t.Context()
	require.NoError(t, s.PutCrosswalk(ctx, "stripe.payment_intent", "pi_123", "payment:p1"))
	require.NoError(t, s.PutCrosswalk(ctx, "stripe.payment_intent", "pi_123", "payment:p1"), "same mapping again is a no-op")

	err := s.PutCrosswalk(ctx, "stripe.payment_intent", "pi_123", "payment:p2")
	require.ErrorIs(t, err, ErrConflict)
	assert.NotContains(t, err.Error(), "pi_123", "conflict errors do not echo external IDs")
	assert.NotContains(t, err.Error(), "payment:p", "conflict errors do not echo internal IDs")

	got, err := s.LookupCrosswalk(ctx, "stripe.payment_intent", "pi_123")
	require.NoError(t, err)
	assert.Equal(t, "payment:p1", got, "a conflicting put leaves the first mapping")

	require.NoError(t, s.PutCrosswalk(ctx, "pms.appointment", "pi_123", "appointment:a1"), "kinds are separate namespaces")
	got, err = s.LookupCrosswalk(ctx, "pms.appointment", "pi_123")
	require.NoError(t, err)
	assert.Equal(t, "appointment:a1", got)

	_, err = s.LookupCrosswalk(ctx, "stripe.payment_intent", "pi_404")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.LookupCrosswalk(ctx, "stripe.refund", "pi_123")
	require.ErrorIs(t, err, ErrNotFound)

	require.Error(t, s.PutCrosswalk(ctx, "", "x", "y"))
	require.Error(t, s.PutCrosswalk(ctx, "k", "", "y"))
	require.Error(t, s.PutCrosswalk(ctx, "k", "x", ""))
	require.Error(t, s.PutCrosswalk(ctx, "k", "x\x00", "y"))
	_, err = s.LookupCrosswalk(ctx, "", "x")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotFound, "an invalid key is not a miss")
}

// testCrosswalkConcurrent races puts of different internal IDs for one key: exactly one
// mapping wins and every other put reports a conflict.
func testCrosswalkConcurrent(t *testing.T, s Store) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.PutCrosswalk(t.Context(), "lis.order", "ORD-1", fmt.Sprintf("lab:%d", i)) })
	}
	wg.Wait()
	winner, err := s.LookupCrosswalk(t.Context(), "lis.order", "ORD-1")
	require.NoError(t, err)
	wins := 0
	for i, err := range errs {
		if err == nil {
			wins++
			assert.Equal(t, fmt.Sprintf("lab:%d", i), winner)
		} else {
			assert.ErrorIs(t, err, ErrConflict)
		}
	}
	assert.Equal(t, 1, wins)
}

// testCanceled checks that a canceled context stops every operation and stores nothing.
func testCanceled(t *testing.T, s Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Append(ctx, sample(1))
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.List(ctx, Filter{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, s.PutCrosswalk(ctx, "k", "x", "y"), context.Canceled)
	_, err = s.LookupCrosswalk(ctx, "k", "x")
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Payload(ctx, 1)
	assert.ErrorIs(t, err, context.Canceled)

	got, err := s.List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Empty(t, got)
}

// testClose checks that Close is idempotent and that a closed store fails cleanly.
func testClose(t *testing.T, s Store) {
	ctx := t.Context()
	require.NoError(t, s.Ping(ctx))
	_, err := s.Append(ctx, sample(1))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")

	require.Error(t, s.Ping(ctx))
	marker := sample(2)
	marker.Exchange = "marker-7f3a"
	_, err = s.Append(ctx, marker)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "marker-7f3a")
	_, err = s.List(ctx, Filter{})
	require.Error(t, err)
	require.Error(t, s.PutCrosswalk(ctx, "k", "x", "y"))
	_, err = s.LookupCrosswalk(ctx, "k", "x")
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNotFound), "a closed store does not report a miss")
	_, err = s.Payload(ctx, 1)
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNotFound), "a closed store does not report a missing payload")
}

// assertSameRecord compares records with time.Time equality made exact (same instant and zone).
func assertSameRecord(t *testing.T, want, got Record) {
	t.Helper()
	assert.Equal(t, want, got)
	assert.Equal(t, time.UTC, got.At.Location(), "At is in UTC")
}

// recordIDs returns the IDs of rs in order.
func recordIDs(rs []Record) []int64 {
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}
