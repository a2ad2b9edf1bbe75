package loadgen

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The shape of a Temporal server's exposition (tally reporter, seconds), with made-up numbers.
const scrapeBefore = `# HELP task_schedule_to_start_latency task_schedule_to_start_latency histogram
# TYPE task_schedule_to_start_latency histogram
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="0.001"} 1
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="0.01"} 2
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="0.1"} 2
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="+Inf"} 2
task_schedule_to_start_latency_sum{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q"} 0.006
task_schedule_to_start_latency_count{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q"} 2
# HELP service_requests service_requests counter
# TYPE service_requests counter
service_requests{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 7
`

// After the phase: 100 more workflow tasks (sticky ones among them), activities, store calls,
// frontend calls, and the system namespace's own, which a phase does not count.
const scrapeAfter = `# TYPE task_schedule_to_start_latency histogram
task_schedule_to_start_latency_bucket{le="0.001",namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q"} 41
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="0.01"} 62
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="0.1"} 62
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q",le="+Inf"} 62
task_schedule_to_start_latency_sum{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q"} 0.106
task_schedule_to_start_latency_count{namespace="default",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="q"} 62
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",task_type="Workflow",taskqueue="q",le="0.001"} 0
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",task_type="Workflow",taskqueue="q",le="0.01"} 20
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",task_type="Workflow",taskqueue="q",le="0.1"} 40
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",task_type="Workflow",taskqueue="q",le="+Inf"} 40
task_schedule_to_start_latency_sum{namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",task_type="Workflow",taskqueue="q"} 1.1
task_schedule_to_start_latency_count{namespace="default",operation="RecordWorkflowTaskStarted",partition="__sticky__",task_type="Workflow",taskqueue="q"} 40
task_schedule_to_start_latency_bucket{namespace="temporal_system",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="sys",le="0.001"} 0
task_schedule_to_start_latency_bucket{namespace="temporal_system",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="sys",le="0.01"} 0
task_schedule_to_start_latency_bucket{namespace="temporal_system",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="sys",le="0.1"} 0
task_schedule_to_start_latency_bucket{namespace="temporal_system",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="sys",le="+Inf"} 5
task_schedule_to_start_latency_sum{namespace="temporal_system",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="sys"} 50
task_schedule_to_start_latency_count{namespace="temporal_system",operation="RecordWorkflowTaskStarted",partition="__normal__",task_type="Workflow",taskqueue="sys"} 5
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",task_type="Activity",taskqueue="q",le="0.001"} 0
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",task_type="Activity",taskqueue="q",le="0.01"} 0
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",task_type="Activity",taskqueue="q",le="0.1"} 10
task_schedule_to_start_latency_bucket{namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",task_type="Activity",taskqueue="q",le="+Inf"} 10
task_schedule_to_start_latency_sum{namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",task_type="Activity",taskqueue="q"} 0.5
task_schedule_to_start_latency_count{namespace="default",operation="RecordActivityTaskStarted",partition="__normal__",task_type="Activity",taskqueue="q"} 10
# HELP persistence_latency persistence_latency histogram
# TYPE persistence_latency histogram
persistence_latency_bucket{namespace="default",operation="UpdateWorkflowExecution",service_name="history",le="0.001"} 50
persistence_latency_bucket{namespace="default",operation="UpdateWorkflowExecution",service_name="history",le="0.01"} 100
persistence_latency_bucket{namespace="default",operation="UpdateWorkflowExecution",service_name="history",le="+Inf"} 100
persistence_latency_sum{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} 0.3
persistence_latency_count{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} 100
persistence_latency_bucket{namespace="system",operation="GetTransferTasks",service_name="history",le="0.001"} 10
persistence_latency_bucket{namespace="system",operation="GetTransferTasks",service_name="history",le="0.01"} 10
persistence_latency_bucket{namespace="system",operation="GetTransferTasks",service_name="history",le="+Inf"} 10
persistence_latency_sum{namespace="system",operation="GetTransferTasks",service_name="history"} 0.002
persistence_latency_count{namespace="system",operation="GetTransferTasks",service_name="history"} 10
# TYPE service_latency histogram
service_latency_bucket{namespace="default",operation="StartWorkflowExecution",service_name="frontend",le="0.01"} 30
service_latency_bucket{namespace="default",operation="StartWorkflowExecution",service_name="frontend",le="0.1"} 40
service_latency_bucket{namespace="default",operation="StartWorkflowExecution",service_name="frontend",le="+Inf"} 40
service_latency_sum{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 0.8
service_latency_count{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 40
service_latency_bucket{namespace="default",operation="StartWorkflowExecution",service_name="history",le="0.01"} 40
service_latency_bucket{namespace="default",operation="StartWorkflowExecution",service_name="history",le="0.1"} 40
service_latency_bucket{namespace="default",operation="StartWorkflowExecution",service_name="history",le="+Inf"} 40
service_latency_sum{namespace="default",operation="StartWorkflowExecution",service_name="history"} 0.1
service_latency_count{namespace="default",operation="StartWorkflowExecution",service_name="history"} 40
service_latency_bucket{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend",le="+Inf"} 9
service_latency_sum{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} 500
service_latency_count{namespace="default",operation="PollWorkflowTaskQueue",service_name="frontend"} 9
# TYPE service_requests counter
service_requests{namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 47 1700000000000
`

func parse(t *testing.T, text string) *Scrape {
	t.Helper()
	s, err := ParseText(strings.NewReader(text))
	require.NoError(t, err)
	return s
}

func TestParseTextKeepsHistogramsOnly(t *testing.T) {
	s := parse(t, scrapeAfter)
	require.ElementsMatch(t, []string{metricScheduleToStart, metricPersistence, metricService}, keys(s.series))
	h := s.Sum(metricScheduleToStart, map[string]string{"task_type": "Activity"})
	require.Equal(t, []float64{0.001, 0.01, 0.1, math.Inf(1)}, h.Bounds)
	require.Equal(t, []float64{0, 0, 10, 10}, h.Cumulative)
	require.Equal(t, 10.0, h.Count)
	require.InDelta(t, 0.5, h.Sum, 1e-12)
	// "le" first on the line is the same series as "le" last.
	require.Len(t, s.series[metricScheduleToStart], 4)
}

func TestParseTextLabelEscapes(t *testing.T) {
	s := parse(t, "# TYPE x histogram\n"+
		`x_bucket{a="q\"uote, brace} and \\ back",le="+Inf"} 3`+"\n"+
		`x_count{a="q\"uote, brace} and \\ back"} 3`+"\n")
	h := s.Sum("x", map[string]string{"a": `q"uote, brace} and \ back`})
	require.Equal(t, 3.0, h.Count)
	require.Equal(t, []float64{3}, h.Cumulative)
}

func TestParseTextRejectsGarbage(t *testing.T) {
	for _, bad := range []string{
		"# TYPE x histogram\nx_count{a=\"b\"}\n",
		"# TYPE x histogram\nx_count{a=\"b} 1\n",
		"# TYPE x histogram\nx_bucket{le=\"soon\"} 1\n",
		"# TYPE x histogram\nx_count{a=b} 1\n",
		"# TYPE x histogram\nx_count 1 2 3\n",
	} {
		_, err := ParseText(strings.NewReader(bad))
		require.Error(t, err, bad)
	}
}

func TestDeltaSubtractsAndSurvivesRestart(t *testing.T) {
	before, after := parse(t, scrapeBefore), parse(t, scrapeAfter)
	d := Delta(before, after)
	h := d.Sum(metricScheduleToStart, map[string]string{"task_type": "Workflow", "partition": "__normal__", "namespace": "default"})
	require.Equal(t, 60.0, h.Count)
	require.InDelta(t, 0.1, h.Sum, 1e-9)
	require.Equal(t, []float64{40, 60, 60, 60}, h.Cumulative)
	// A counter that went down means a restarted server: the later reading counts whole.
	require.Equal(t, 2.0, Delta(after, before).Sum(metricScheduleToStart, nil).Count)
}

func TestQuantileInterpolatesInsideTheBucket(t *testing.T) {
	h := Histogram{Bounds: []float64{0.001, 0.01, 0.1, math.Inf(1)}, Cumulative: []float64{40, 60, 100, 100}, Count: 100}
	require.InDelta(t, 0.001*0.5, h.Quantile(0.2), 1e-12)            // rank 20 of the first 40, from 0
	require.InDelta(t, 0.001+0.009*0.5, h.Quantile(0.5), 1e-12)      // rank 50: half way through (40, 60]
	require.InDelta(t, 0.01+0.09*(39.0/40), h.Quantile(0.99), 1e-12) // rank 99 of (60, 100]
	// Ranks in the +Inf bucket answer the largest finite bound.
	h = Histogram{Bounds: []float64{0.01, math.Inf(1)}, Cumulative: []float64{10, 20}, Count: 20}
	require.Equal(t, 0.01, h.Quantile(0.99))
	require.Zero(t, Histogram{}.Quantile(0.99))
	require.Zero(t, Histogram{}.Mean())
}

func TestSummarisePhase(t *testing.T) {
	p := SummarisePhase(parse(t, scrapeBefore), parse(t, scrapeAfter))
	// 60 normal + 40 sticky workflow tasks in the phase; temporal_system's 5 are not load.
	wft := p.WorkflowTaskScheduleToStart
	require.Equal(t, 100.0, wft.Count)
	require.Equal(t, 12*time.Millisecond, wft.Mean) // (0.1 + 1.1) s / 100
	// Rank 99 of 100: the merged buckets are 40 at 1 ms, 80 at 10 ms, 100 at 100 ms.
	require.InDelta(t, float64(10*time.Millisecond+90*time.Millisecond*19/20), float64(wft.P99), float64(time.Microsecond))
	require.Equal(t, Latency{Count: 10, Mean: 50 * time.Millisecond, P99: 99100 * time.Microsecond}, p.ActivityScheduleToStart)

	require.Equal(t, 110.0, p.Persistence.Count)
	require.Equal(t, []string{"UpdateWorkflowExecution", "GetTransferTasks"}, []string{p.PersistenceTop[0].Operation, p.PersistenceTop[1].Operation})
	require.Equal(t, 3*time.Millisecond, p.PersistenceTop[0].Mean)

	// Frontend only (not history's own StartWorkflowExecution), and no long polls.
	require.Len(t, p.Service, 1)
	require.Equal(t, "StartWorkflowExecution", p.Service[0].Operation)
	require.Equal(t, 40.0, p.Service[0].Count)
	require.Equal(t, 20*time.Millisecond, p.Service[0].Mean)

	// The sample's one queue, q, holds all 100 workflow tasks.
	require.Len(t, p.WorkflowTaskQueues, 1)
	require.Equal(t, "q", p.WorkflowTaskQueues[0].Operation)
	require.Equal(t, wft, p.WorkflowTaskQueues[0].Latency)

	lines := p.Lines()
	require.Equal(t, 4, strings.Count(lines, "\n"), lines)
	require.Contains(t, lines, "waits by queue: q n=100")
	require.Contains(t, lines, "workflow task n=100 mean=12ms p99~")
	require.Contains(t, lines, "StartWorkflowExecution n=40 mean=20ms")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestServerMetricsScrapeAndReport(t *testing.T) {
	body := scrapeBefore
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	m := &ServerMetrics{URL: srv.URL + "/metrics"}
	before, err := m.Scrape(context.Background())
	require.NoError(t, err)
	body = scrapeAfter
	after, err := m.Scrape(context.Background())
	require.NoError(t, err)

	rep := Report{Payments: Stats{Count: 1}, Server: map[string]ServerPhase{PhasePayments: SummarisePhase(before, after)}}
	out := rep.String()
	// The server's lines sit right under their phase's own line.
	require.Regexp(t, `(?m)^payment flow .*\n    server schedule-to-start: workflow task n=100 `, out)

	_, err = (&ServerMetrics{URL: srv.URL + "/elsewhere"}).Scrape(context.Background())
	require.ErrorContains(t, err, "HTTP 404")
}
