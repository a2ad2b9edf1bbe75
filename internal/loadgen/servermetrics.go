package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Temporal server's histograms the load generator reads (server v1.29, its tally
// Prometheus reporter; seconds), named as a running server exposes them:
//   - task_schedule_to_start_latency: matching, from a task's scheduling to a worker's poll
//     taking it; label task_type is Workflow or Activity, partition __sticky__ for a
//     workflow task on a worker's sticky queue.
//   - persistence_latency: every call into the store (SQLite or PostgreSQL), label operation.
//   - service_latency: each gRPC method per service (service_name frontend, history,
//     matching), label operation.
const (
	metricScheduleToStart = "task_schedule_to_start_latency"
	metricPersistence     = "persistence_latency"
	metricService         = "service_latency"
	// systemNamespace is the server's own, whose workflows (scanners, deletions) are not load.
	systemNamespace = "temporal_system"
)

// ServiceOperations are the frontend methods whose latency a phase reports: how the engine
// starts processes, answers updates (a payment's capture, Update-with-Start), delivers
// signals, reads a process's state (the API queries it after a verdict), and how its workers
// complete workflow tasks.
var ServiceOperations = []string{"StartWorkflowExecution", "UpdateWorkflowExecution", "ExecuteMultiOperation",
	"SignalWorkflowExecution", "SignalWithStartWorkflowExecution", "QueryWorkflow", "RespondWorkflowTaskCompleted"}

// persistenceTop is how many persistence operations a phase names, busiest first.
const persistenceTop = 3

// ServerMetrics reads a Temporal server's Prometheus endpoint around each load phase.
type ServerMetrics struct {
	// URL is the server's metrics endpoint, e.g. http://127.0.0.1:7299/metrics.
	URL string
	// HTTPClient defaults to one with a 10 s timeout.
	HTTPClient *http.Client
}

// Scrape reads the endpoint once.
func (m *ServerMetrics) Scrape(ctx context.Context) (*Scrape, error) {
	hc := m.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("temporal server metrics %s: HTTP %d", m.URL, resp.StatusCode)
	}
	return ParseText(resp.Body)
}

// Latency summarises one histogram: observations, mean and the approximate p99.
type Latency struct {
	Count float64       `json:"count"`
	Mean  time.Duration `json:"meanNs"`
	P99   time.Duration `json:"p99Ns"`
}

func latencyOf(h Histogram) Latency {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	return Latency{Count: h.Count, Mean: sec(h.Mean()), P99: sec(h.Quantile(0.99))}
}

// String renders "n=120 mean=3.1ms p99~45ms"; the tilde says the p99 is a bucket estimate.
func (l Latency) String() string {
	// Two or three significant digits: the buckets are no finer than that.
	r := func(d time.Duration) time.Duration {
		switch {
		case d >= 10*time.Millisecond:
			return d.Round(time.Millisecond)
		case d >= time.Millisecond:
			return d.Round(time.Millisecond / 10)
		}
		return d.Round(10 * time.Microsecond)
	}
	if l.Count == 0 {
		return "n=0"
	}
	return fmt.Sprintf("n=%.0f mean=%v p99~%v", l.Count, r(l.Mean), r(l.P99))
}

// OpLatency is the latency of one named operation.
type OpLatency struct {
	Operation string `json:"operation"`
	Latency
}

// ServerPhase is what the Temporal server observed during one load phase.
type ServerPhase struct {
	WorkflowTaskScheduleToStart Latency `json:"workflowTaskScheduleToStart"`
	ActivityScheduleToStart     Latency `json:"activityScheduleToStart"`
	// Persistence is every store call; PersistenceTop the busiest operations by total time.
	Persistence    Latency     `json:"persistence"`
	PersistenceTop []OpLatency `json:"persistenceTop"`
	// Service is the frontend latency of ServiceOperations that were called in the phase.
	Service []OpLatency `json:"service"`
	// WorkflowTaskQueues are the task queues whose workflow tasks waited longest in all,
	// busiest first (Operation holds the queue's name): which process's tasks wait.
	WorkflowTaskQueues []OpLatency `json:"workflowTaskQueues,omitempty"`
}

// SummarisePhase reads a phase's server latencies from the scrapes before and after it.
func SummarisePhase(before, after *Scrape) ServerPhase {
	d := Delta(before, after)
	notSystem := "!" + systemNamespace
	p := ServerPhase{
		WorkflowTaskScheduleToStart: latencyOf(d.Sum(metricScheduleToStart, map[string]string{"task_type": "Workflow", "namespace": notSystem})),
		ActivityScheduleToStart:     latencyOf(d.Sum(metricScheduleToStart, map[string]string{"task_type": "Activity", "namespace": notSystem})),
		Persistence:                 latencyOf(d.Sum(metricPersistence, nil)),
	}
	p.PersistenceTop = busiest(d, metricPersistence, "operation", nil, persistenceTop)
	p.WorkflowTaskQueues = busiest(d, metricScheduleToStart, "taskqueue",
		map[string]string{"task_type": "Workflow", "namespace": notSystem}, persistenceTop)
	for _, op := range ServiceOperations {
		h := d.Sum(metricService, map[string]string{"service_name": "frontend", "operation": op, "namespace": notSystem})
		if h.Count > 0 {
			p.Service = append(p.Service, OpLatency{Operation: op, Latency: latencyOf(h)})
		}
	}
	return p
}

// busiest sums metric over filter per value of label and returns the top values by total time,
// then by name so that equal totals print in a stable order.
func busiest(d *Scrape, metric, label string, filter map[string]string, top int) []OpLatency {
	var out []OpLatency
	totals := map[string]float64{}
	for _, v := range d.Values(metric, label) {
		f := map[string]string{label: v}
		for k, x := range filter {
			f[k] = x
		}
		if h := d.Sum(metric, f); h.Count > 0 {
			out = append(out, OpLatency{Operation: v, Latency: latencyOf(h)})
			totals[v] = h.Sum
		}
	}
	slices.SortFunc(out, func(a, b OpLatency) int {
		if totals[a.Operation] != totals[b.Operation] {
			if totals[a.Operation] > totals[b.Operation] {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Operation, b.Operation)
	})
	return out[:min(len(out), top)]
}

// opsLine writes title and ops separated by semicolons on one line; nothing when ops is empty.
func opsLine(b *bytes.Buffer, title string, ops []OpLatency) {
	if len(ops) == 0 {
		return
	}
	b.WriteString(title)
	for i, o := range ops {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(b, " %s %v", o.Operation, o.Latency)
	}
	b.WriteString("\n")
}

// Lines renders the phase compactly: one line per metric family, indented under the phase's
// own line.
func (p ServerPhase) Lines() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "    server schedule-to-start: workflow task %v; activity %v\n", p.WorkflowTaskScheduleToStart, p.ActivityScheduleToStart)
	opsLine(&b, "    server workflow-task waits by queue:", p.WorkflowTaskQueues)
	fmt.Fprintf(&b, "    server persistence: all %v", p.Persistence)
	for _, o := range p.PersistenceTop {
		fmt.Fprintf(&b, "; %s %v", o.Operation, o.Latency)
	}
	b.WriteString("\n")
	opsLine(&b, "    server frontend:", p.Service)
	return b.String()
}
