package api_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/laborders"
)

// gatedStore holds every Append until gate is closed, like an audit store in a slow commit.
type gatedStore struct {
	audit.Store
	gate    chan struct{}
	waiting atomic.Int32
}

func (g *gatedStore) Append(ctx context.Context, r audit.Record) (audit.Record, error) {
	g.waiting.Add(1)
	<-g.gate
	return g.Store.Append(ctx, r)
}

// An accepted message's AA does not wait for the audit commit (the message is in the workflow's
// history), and the kept copy is still written: Wait returns only after it is.
func TestMLLPAcceptDoesNotWaitForAuditCommit(t *testing.T) {
	f := newMLLPFixture(t)
	gated := &gatedStore{Store: f.store, gate: make(chan struct{})}
	deferred := api.NewDeferred()
	h := api.MLLPHandler(api.Deps{Temporal: f.temporal, Records: gated, Deferred: deferred})
	f.expectUpdate(laborders.WorkflowID("PON-2024-0001"), nil, nil).Once()

	raw := []byte(oruMessage("PON-2024-0001", "PON-2024-0001"))
	done := make(chan []byte, 1)
	go func() { done <- h.HandleMLLP(context.Background(), bytes.Clone(raw), "127.0.0.1:40000") }()
	var ack []byte
	select {
	case ack = <-done:
	case <-time.After(10 * time.Second):
		close(gated.gate)
		t.Fatal("the AA waited for the audit commit")
	}
	require.NotNil(t, ack, "the AA is sent while the audit commit is still pending")
	assert.Equal(t, hl7.AckAccept, parseACK(t, ack).Code)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, deferred.Wait(ctx), context.DeadlineExceeded, "the kept copy is still being written")
	close(gated.gate)
	require.NoError(t, deferred.Wait(t.Context()))
	assertMLLPRecord(t, f.store, raw, true, audit.OutcomeOK, hl7.AckAccept)
}

// A refusal still waits for its record: an AE is only sent for a message that was kept.
func TestMLLPRefusalWaitsForAuditCommit(t *testing.T) {
	f := newMLLPFixture(t)
	gated := &gatedStore{Store: f.store, gate: make(chan struct{})}
	h := api.MLLPHandler(api.Deps{Temporal: f.temporal, Records: gated, Deferred: api.NewDeferred()})
	done := make(chan []byte, 1)
	go func() { done <- h.HandleMLLP(context.Background(), []byte(oruMessage("", "")), "127.0.0.1:40000") }()
	require.Eventually(t, func() bool { return gated.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)
	select {
	case <-done:
		t.Fatal("the AE was answered before its record was committed")
	default:
	}
	close(gated.gate)
	ack := <-done
	require.NotNil(t, ack)
	assert.Equal(t, hl7.AckError, parseACK(t, ack).Code)
}

// A full Deferred runs the write inline rather than queueing without bound; nil runs inline.
func TestDeferredInlineWhenNil(t *testing.T) {
	var d *api.Deferred
	ran := false
	d.Go(func() { ran = true })
	assert.True(t, ran)
	assert.NoError(t, d.Wait(t.Context()))
}

// A message for two orders keeps one record per order, both written after the AA; the record
// for the order handled first is a copy taken before the AA's own record is filled in.
func TestMLLPMultiOrderKeptCopiesAfterAA(t *testing.T) {
	f := newMLLPFixture(t)
	deferred := api.NewDeferred()
	h := api.MLLPHandler(api.Deps{Temporal: f.temporal, Records: f.store, Deferred: deferred})
	f.expectUpdate(laborders.WorkflowID("ORDER-A"), nil, nil).Once()
	f.expectUpdate(laborders.WorkflowID("ORDER-B"), nil, nil).Once()

	ack := h.HandleMLLP(t.Context(), []byte(twoOrderORU()), "127.0.0.1:40000")
	require.NotNil(t, ack)
	assert.Equal(t, hl7.AckAccept, parseACK(t, ack).Code)
	require.NoError(t, deferred.Wait(t.Context()))

	recs, err := f.store.List(t.Context(), audit.Filter{Action: "mllp.inbound"})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	got := map[string]audit.Record{}
	for _, r := range recs {
		got[r.Process] = r
		assert.Equal(t, audit.OutcomeOK, r.Outcome)
		assert.Equal(t, hl7.AckAccept, r.Code)
		assert.True(t, r.HasPayload)
	}
	assert.Contains(t, got, laborders.WorkflowID("ORDER-A"))
	assert.Contains(t, got, laborders.WorkflowID("ORDER-B"))
}
