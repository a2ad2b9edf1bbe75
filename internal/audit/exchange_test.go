package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/audit"
)

type appender struct{ recs []audit.Record }

func (a *appender) Append(ctx context.Context, r audit.Record) (audit.Record, error) {
	if ctx.Err() != nil {
		return r, errors.New("canceled")
	}
	a.recs = append(a.recs, r)
	return r, nil
}

func TestExchangeAppendsOnceWithTheClocksLatency(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := func() time.Time { return clock }
	app := &appender{}
	ctx, cancel := context.WithCancel(context.Background())
	ex := audit.Begin(ctx, app, now, "stripe.capture", "stripe", "pi_1")
	ex.Process = "payment:p-1"
	clock = clock.Add(1500 * time.Millisecond)
	cancel() // the record is still written after the activity was canceled
	ex.FinishFor("ch_1", audit.OutcomeOK, "200")
	ex.Finish(audit.OutcomeError, "500")
	ex.Done()
	require.Len(t, app.recs, 1, "only the first Done appends")
	assert.Equal(t, audit.Record{Actor: "worker", Action: "stripe.capture", Process: "payment:p-1", Vendor: "stripe",
		Exchange: "ch_1", Outcome: audit.OutcomeOK, Code: "200", Latency: 1500 * time.Millisecond}, app.recs[0])
}

func TestExchangeWithoutAppenderDoesNothing(t *testing.T) {
	var app audit.Appender
	assert.NotPanics(t, func() { audit.Begin(context.Background(), app, nil, "a", "v", "x").Finish(audit.OutcomeOK, "") })
}

func TestExchangeDoneAppendsTheFieldsAsSet(t *testing.T) {
	app := &appender{}
	ex := audit.Begin(context.Background(), app, nil, "clearinghouse.270", "clearinghouse", "")
	func() {
		defer ex.Done()
		ex.Exchange, ex.Outcome, ex.Code = "P1", audit.OutcomeRejected, "999"
	}()
	require.Len(t, app.recs, 1)
	assert.Equal(t, "P1", app.recs[0].Exchange)
	assert.Equal(t, audit.OutcomeRejected, app.recs[0].Outcome)
	assert.Equal(t, "999", app.recs[0].Code)
	assert.Equal(t, "worker", app.recs[0].Actor)
}
