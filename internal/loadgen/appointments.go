package loadgen

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

// AppointmentOptions drives the appointment-sync benchmark; the caller supplies the
// simulator hooks, so this package needs no simulator.
type AppointmentOptions struct {
	// IDs are the synced appointments' PMS ids (linked before the run).
	IDs         []string
	Concurrency int
	// EditPMS changes the note of a PMS appointment as the front desk would; its signed
	// webhook starts the sync.
	EditPMS func(id, note string) error
	// EHRNote returns the note the EHR holds for the appointment's twin.
	EHRNote func(id string) string
	// Reconcile runs one reconciliation and returns when it has delivered every change;
	// nil skips the reconciliation phase. SetWebhooks turns the PMS webhooks off (false)
	// for it and on again.
	Reconcile   func(ctx context.Context) error
	SetWebhooks func(on bool)
	// Temporal runs the no-op baseline (a worker must serve NoopTaskQueue); nil skips it.
	Temporal client.Client
}

// AppointmentReport is the outcome of Appointments.
type AppointmentReport struct {
	// Sync times a PMS edit until the EHR holds it (webhook, signal, merge, EHR write).
	Sync Stats `json:"sync"`
	// Baseline times one no-op update round trip (sent, handled by a workflow task, answered).
	Baseline *Stats `json:"baseline,omitempty"`
	// Reconciled is how many appointments one reconciliation brought over, and PerMinute
	// the rate from its start until the last of them was in the EHR.
	Reconciled int     `json:"reconciled"`
	PerMinute  float64 `json:"perMinute"`
}

// String prints the report like Report.String.
func (r AppointmentReport) String() string {
	var b strings.Builder
	line := func(name string, s Stats) {
		fmt.Fprintf(&b, "%-22s n=%-5d err=%-3d %8.1f/s  p50=%-10v p99=%v\n", name, s.Count, s.Errors, s.Throughput,
			s.P50.Round(time.Millisecond/10), s.P99.Round(time.Millisecond/10))
	}
	line("appt webhook->EHR", r.Sync)
	if r.Baseline != nil {
		line("noop update-with-start", *r.Baseline)
		fmt.Fprintf(&b, "sync/noop latency ratio p50 = %.1f, p99 = %.1f\n",
			float64(r.Sync.P50)/float64(max(r.Baseline.P50, 1)), float64(r.Sync.P99)/float64(max(r.Baseline.P99, 1)))
	}
	if r.Reconciled > 0 {
		fmt.Fprintf(&b, "appt reconciliation   %d appointments, %.0f/min\n", r.Reconciled, r.PerMinute)
	}
	return b.String()
}

// Appointments times the sync of one PMS edit per appointment through to the EHR, the
// no-op baseline, and one reconciliation over an edit per appointment with webhooks off.
func Appointments(ctx context.Context, o AppointmentOptions) (AppointmentReport, error) {
	var rep AppointmentReport
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	lats, errs, elapsed := each(o.IDs, o.Concurrency, func(i int, id string) error {
		note := "lg " + run + " " + id
		if err := o.EditPMS(id, note); err != nil {
			return err
		}
		return waitNote(ctx, o.EHRNote, id, note, time.Minute)
	})
	rep.Sync = summarise(lats, errs, elapsed)
	if o.Temporal != nil {
		lats, errs, elapsed := each(o.IDs, o.Concurrency, func(i int, _ string) error {
			return noopUpdateWithStart(ctx, o.Temporal, fmt.Sprintf("lg-noop-appt-%s-%d", run, i))
		})
		s := summarise(lats, errs, elapsed)
		rep.Baseline = &s
	}
	if o.Reconcile == nil {
		if errs > 0 {
			return rep, fmt.Errorf("loadgen: %d appointment syncs did not complete", errs)
		}
		return rep, nil
	}
	o.SetWebhooks(false)
	defer o.SetWebhooks(true)
	for _, id := range o.IDs {
		if err := o.EditPMS(id, "reconciled "+run+" "+id); err != nil {
			return rep, err
		}
	}
	start := time.Now()
	if err := o.Reconcile(ctx); err != nil {
		return rep, err
	}
	for _, id := range o.IDs {
		if err := waitNote(ctx, o.EHRNote, id, "reconciled "+run+" "+id, 5*time.Minute); err != nil {
			return rep, err
		}
	}
	rep.Reconciled = len(o.IDs)
	rep.PerMinute = float64(len(o.IDs)) / time.Since(start).Minutes()
	if rep.Sync.Errors > 0 {
		return rep, fmt.Errorf("loadgen: %d appointment syncs did not complete", rep.Sync.Errors)
	}
	return rep, nil
}

// each runs f over ids with conc workers and returns the successful calls' latencies.
func each(ids []string, conc int, f func(i int, id string) error) ([]time.Duration, int, time.Duration) {
	var mu sync.Mutex
	var lats []time.Duration
	errs := 0
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	start := time.Now()
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t := time.Now()
			err := f(i, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			lats = append(lats, time.Since(t))
		}()
	}
	wg.Wait()
	return lats, errs, time.Since(start)
}

// waitNote polls the EHR every millisecond (an in-process simulator read) until it holds note.
func waitNote(ctx context.Context, get func(string) string, id, note string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for get(id) != note {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("loadgen: appointment %s not synced within %v", id, limit)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
