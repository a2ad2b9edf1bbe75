// Package loadgen drives concurrent payment processes through the HTTP API (authorize, capture,
// refund) and the same number of Temporal round trips against a no-op workflow, so the engine's
// cost can be read as a ratio to bare Temporal on the same server in the same run.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"
)

// Options configures one load run.
type Options struct {
	// APIURL and Token address the engine's HTTP API.
	APIURL string
	Token  string
	// Flows is the number of payment processes; Concurrency how many run at once.
	Flows       int
	Concurrency int
	// RunID makes payment IDs unique across runs against the same server.
	RunID string
	// HTTPClient defaults to a client with a 60 s timeout.
	HTTPClient *http.Client
	// Temporal, when set, also runs the no-op baseline on NoopTaskQueue; a worker must serve it
	// (see RegisterNoop).
	Temporal client.Client
	// CheckInAppointments, when set, also checks each of these EHR appointments in through
	// POST /v1/checkins (Update-with-Start), Concurrency at a time.
	CheckInAppointments []string
	// ServerMetrics, when set, is scraped before and after each phase, and the report carries
	// the Temporal server's latencies of each (Report.Server).
	ServerMetrics *ServerMetrics
	// SettleMax, when positive, lets each measured phase wait at most this long for the
	// previous phase's tail to end (Settle) before it starts.
	SettleMax time.Duration
}

// Stats summarises one kind of operation.
type Stats struct {
	Count      int           `json:"count"`
	Errors     int           `json:"errors"`
	Elapsed    time.Duration `json:"elapsedNs"`
	Throughput float64       `json:"throughputPerSec"`
	P50        time.Duration `json:"p50Ns"`
	P99        time.Duration `json:"p99Ns"`
	// Cost is the CPU and memory the phase took, per 1,000 flows (nil without /proc).
	Cost *Cost `json:"cost,omitempty"`
	// Start is when the phase began; Start+Elapsed bounds its audit records (VendorSteps).
	Start time.Time `json:"start"`
	// Settled is how long the phase waited for the previous one's tail before it began.
	Settled time.Duration `json:"settledNs,omitempty"`
	// Tail is how long the engine and server stayed busy after the phase's last answer (its
	// flows' background steps: webhooks, a check-in's arrival, copay and notice), and TailCost
	// what that took per 1,000 flows; Cost plus TailCost is what the phase's flows cost in all.
	Tail     time.Duration `json:"tailNs,omitempty"`
	TailCost *Cost         `json:"tailCost,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	Payments Stats            `json:"payments"`
	Steps    map[string]Stats `json:"steps"`
	Baseline *Stats           `json:"baseline,omitempty"`
	// CheckIns times POST /v1/checkins until the verdict; CheckInBaseline times
	// Update-with-Start against the no-op workflow on the same server.
	CheckIns        *Stats `json:"checkIns,omitempty"`
	CheckInBaseline *Stats `json:"checkInBaseline,omitempty"`
	// Server holds the Temporal server's latencies per phase (PhasePayments, ...), when
	// Options.ServerMetrics was set; ServerError says why a scrape failed.
	Server      map[string]ServerPhase `json:"server,omitempty"`
	ServerError string                 `json:"serverError,omitempty"`
	// FirstError is the first failure seen, to make a failed run diagnosable.
	FirstError string `json:"firstError,omitempty"`
}

// Phase names, the keys of Report.Server.
const (
	PhasePayments        = "payments"
	PhaseBaseline        = "baseline"
	PhaseCheckIns        = "checkins"
	PhaseCheckInBaseline = "checkinBaseline"
	// TailSuffix names a phase's tail in Report.Server: the server's work after the phase's
	// last answer until the engine and server were quiet.
	TailSuffix = "Tail"
)

// Ratio returns payments throughput divided by baseline throughput (1.0 = as fast as bare
// Temporal), or 0 without a baseline.
func (r Report) Ratio() float64 {
	if r.Baseline == nil || r.Baseline.Throughput == 0 {
		return 0
	}
	return r.Payments.Throughput / r.Baseline.Throughput
}

// String renders the report for people.
func (r Report) String() string {
	var b bytes.Buffer
	server := func(phase string) {
		if p, ok := r.Server[phase]; ok {
			b.WriteString(p.Lines())
		}
	}
	line := func(name string, s Stats) {
		fmt.Fprintf(&b, "%-22s n=%-5d err=%-3d %8.1f/s  p50=%-10v p99=%v", name, s.Count, s.Errors,
			s.Throughput, s.P50.Round(time.Millisecond/10), s.P99.Round(time.Millisecond/10))
		if s.Settled > 0 {
			fmt.Fprintf(&b, "  (after %v for the previous phase's tail)", s.Settled.Round(time.Millisecond))
		}
		b.WriteByte('\n')
		if s.Cost != nil {
			fmt.Fprintln(&b, s.Cost.String())
		}
	}
	tail := func(phase string, s Stats) {
		if s.TailCost == nil {
			return
		}
		fmt.Fprintf(&b, "    tail: busy %v after the phase; per 1,000: engine %.1f CPU-s, Temporal server %.1f CPU-s\n",
			s.Tail.Round(time.Millisecond), s.TailCost.EngineCPUSecPer1k, s.TailCost.ServerCPUSecPer1k)
		if p, ok := r.Server[phase+TailSuffix]; ok {
			b.WriteString(indent(p.Lines(), "  "))
		}
	}
	line("payment flow (3 calls)", r.Payments)
	server(PhasePayments)
	tail(PhasePayments, r.Payments)
	for _, k := range []string{"authorize", "capture", "refund"} {
		if s, ok := r.Steps[k]; ok {
			line("  "+k, s)
		}
	}
	if r.Baseline != nil {
		line("no-op baseline (3 rt)", *r.Baseline)
		server(PhaseBaseline)
		tail(PhaseBaseline, *r.Baseline)
		fmt.Fprintf(&b, "throughput ratio payments/baseline = %.2f; p50 latency ratio = %.2f\n",
			r.Ratio(), float64(r.Payments.P50)/float64(max(r.Baseline.P50, 1)))
	}
	if r.CheckIns != nil {
		line("check-in verdict (UwS)", *r.CheckIns)
		server(PhaseCheckIns)
		tail(PhaseCheckIns, *r.CheckIns)
	}
	if r.CheckInBaseline != nil {
		line("no-op update-with-start", *r.CheckInBaseline)
		server(PhaseCheckInBaseline)
		tail(PhaseCheckInBaseline, *r.CheckInBaseline)
		fmt.Fprintf(&b, "check-in p50 ratio to no-op update-with-start = %.2f; p99 ratio = %.2f\n",
			float64(r.CheckIns.P50)/float64(max(r.CheckInBaseline.P50, 1)), float64(r.CheckIns.P99)/float64(max(r.CheckInBaseline.P99, 1)))
	}
	if r.ServerError != "" {
		fmt.Fprintf(&b, "temporal server metrics: %s\n", r.ServerError)
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error: %s\n", r.FirstError)
	}
	return b.String()
}

// Run executes the payment load, then the baseline when opts.Temporal is set.
func Run(ctx context.Context, opts Options) (Report, error) {
	if opts.Flows <= 0 || opts.Concurrency <= 0 {
		return Report{}, fmt.Errorf("loadgen: flows and concurrency must be positive")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if opts.RunID == "" {
		opts.RunID = fmt.Sprintf("%x", time.Now().UnixNano())
	}
	rep := Report{Steps: map[string]Stats{}}
	// scrape reads the server's metrics, or nil once they failed (the report says why).
	scrape := func() *Scrape {
		if opts.ServerMetrics == nil || rep.ServerError != "" {
			return nil
		}
		sc, err := opts.ServerMetrics.Scrape(ctx)
		if err != nil {
			rep.ServerError = err.Error()
			return nil
		}
		return sc
	}
	summarise := func(name string, before, after *Scrape) {
		if before == nil || after == nil {
			return
		}
		if rep.Server == nil {
			rep.Server = map[string]ServerPhase{}
		}
		rep.Server[name] = SummarisePhase(before, after)
	}
	// phase measures one phase between two scrapes of the server's metrics, after the previous
	// phase's tail has settled, then settles its own tail between two more.
	phase := func(name string, measured func() Stats) Stats {
		settled := Settle(ctx, opts.SettleMax)
		before := scrape()
		s := measured()
		s.Settled = settled
		mid := scrape()
		summarise(name, before, mid)
		if opts.SettleMax > 0 {
			u0 := SampleUsage()
			s.Tail = Settle(ctx, opts.SettleMax)
			s.TailCost = costOf(u0, SampleUsage(), s.Count+s.Errors)
			summarise(name+TailSuffix, mid, scrape())
		}
		return s
	}
	// One unmeasured round of each kind first: a worker's first polls on a fresh task queue
	// take seconds and would otherwise land in whichever side runs first.
	_ = paymentFlow(ctx, opts, newRecorder(), "lg-warm-"+opts.RunID)
	if opts.Temporal != nil {
		_ = noopFlow(ctx, opts.Temporal, "loadgen-noop:warm-"+opts.RunID)
		_ = noopUpdateWithStart(ctx, opts.Temporal, "loadgen-uws:warm-"+opts.RunID)
	}
	rec := newRecorder()
	rep.Payments = phase(PhasePayments, func() Stats {
		return measure(ctx, opts, rec, func(ctx context.Context, i int) error {
			return paymentFlow(ctx, opts, rec, fmt.Sprintf("lg-%s-%d", opts.RunID, i))
		})
	})
	for _, k := range []string{"authorize", "capture", "refund"} {
		rep.Steps[k] = rec.stats(k, rep.Payments.Elapsed)
	}
	rep.FirstError = rec.firstErr
	if opts.Temporal != nil {
		brec := newRecorder()
		b := phase(PhaseBaseline, func() Stats {
			return measure(ctx, opts, brec, func(ctx context.Context, i int) error {
				return noopFlow(ctx, opts.Temporal, fmt.Sprintf("loadgen-noop:%s-%d", opts.RunID, i))
			})
		})
		rep.Baseline = &b
		if rep.FirstError == "" {
			rep.FirstError = brec.firstErr
		}
	}
	if len(opts.CheckInAppointments) > 0 {
		crec := newRecorder()
		copts := opts
		copts.Flows = len(opts.CheckInAppointments)
		c := phase(PhaseCheckIns, func() Stats {
			return measure(ctx, copts, crec, func(ctx context.Context, i int) error {
				return post(ctx, opts, "/v1/checkins", map[string]any{"appointmentId": opts.CheckInAppointments[i],
					"collectCopay": false, "notifyPatient": false}, http.StatusCreated)
			})
		})
		rep.CheckIns = &c
		if opts.Temporal != nil {
			nb := phase(PhaseCheckInBaseline, func() Stats {
				return measure(ctx, copts, crec, func(ctx context.Context, i int) error {
					return noopUpdateWithStart(ctx, opts.Temporal, fmt.Sprintf("loadgen-uws:%s-%d", opts.RunID, i))
				})
			})
			rep.CheckInBaseline = &nb
		}
		if rep.FirstError == "" {
			rep.FirstError = crec.firstErr
		}
	}
	return rep, ctx.Err()
}

// measure runs flow opts.Flows times with opts.Concurrency workers and summarises latencies.
func measure(ctx context.Context, opts Options, rec *recorder, flow func(context.Context, int) error) Stats {
	var (
		mu   sync.Mutex
		lats []time.Duration
		errs int
	)
	jobs := make(chan int)
	g, gctx := errgroup.WithContext(ctx)
	u0 := SampleUsage()
	start := time.Now()
	for w := 0; w < opts.Concurrency; w++ {
		g.Go(func() error {
			for i := range jobs {
				t0 := time.Now()
				err := flow(gctx, i)
				mu.Lock()
				if err != nil {
					errs++
					rec.fail(err)
				} else {
					lats = append(lats, time.Since(t0))
				}
				mu.Unlock()
			}
			return nil
		})
	}
	for i := 0; i < opts.Flows && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	_ = g.Wait()
	s := summarise(lats, errs, time.Since(start))
	s.Start = start
	s.Cost = costOf(u0, SampleUsage(), len(lats)+errs)
	return s
}

// paymentFlow is one authorize -> capture -> refund through the API.
func paymentFlow(ctx context.Context, opts Options, rec *recorder, id string) error {
	steps := []struct {
		name, path string
		body       any
		want       int
	}{
		{"authorize", "/v1/payments", map[string]any{"paymentId": id, "amount": 5000, "currency": "usd",
			"customerRef": "loadgen", "paymentMethod": "pm_card_visa", "description": "load test"}, http.StatusCreated},
		{"capture", "/v1/payments/" + id + "/capture", map[string]any{"amount": 5000}, http.StatusOK},
		{"refund", "/v1/payments/" + id + "/refund", map[string]any{"amount": 2000}, http.StatusOK},
	}
	for _, st := range steps {
		t0 := time.Now()
		if err := post(ctx, opts, st.path, st.body, st.want); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		rec.add(st.name, time.Since(t0))
	}
	return nil
}

func post(ctx context.Context, opts Options, path string, body any, want int) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, opts.APIURL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+opts.Token)
	resp, err := opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf("HTTP %d (want %d): %s", resp.StatusCode, want, bytes.TrimSpace(msg))
	}
	return nil
}

type recorder struct {
	mu       sync.Mutex
	lat      map[string][]time.Duration
	firstErr string
}

func newRecorder() *recorder { return &recorder{lat: map[string][]time.Duration{}} }

func (r *recorder) add(step string, d time.Duration) {
	r.mu.Lock()
	r.lat[step] = append(r.lat[step], d)
	r.mu.Unlock()
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	if r.firstErr == "" {
		r.firstErr = err.Error()
	}
	r.mu.Unlock()
}

func (r *recorder) stats(step string, elapsed time.Duration) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return summarise(slices.Clone(r.lat[step]), 0, elapsed)
}

func summarise(lats []time.Duration, errs int, elapsed time.Duration) Stats {
	slices.Sort(lats)
	s := Stats{Count: len(lats), Errors: errs, Elapsed: elapsed}
	if elapsed > 0 {
		s.Throughput = float64(len(lats)) / elapsed.Seconds()
	}
	if len(lats) > 0 {
		s.P50 = percentile(lats, 0.50)
		s.P99 = percentile(lats, 0.99)
	}
	return s
}

// percentile uses the nearest-rank method on sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	idx := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(idx, 0), len(sorted)-1)]
}

// indent prefixes every line of text with pre.
func indent(text, pre string) string {
	if text == "" {
		return ""
	}
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(pre + l)
		}
	}
	return b.String()
}
