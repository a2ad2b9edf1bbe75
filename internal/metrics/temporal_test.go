package metrics_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

func TestTemporalHandlerExportsWithLabels(t *testing.T) {
	reg := metrics.NewRegistry()
	h := metrics.NewTemporalHandler(reg, "").
		WithTags(map[string]string{"namespace": "default", "operation": "Old"}).
		WithTags(map[string]string{"operation": "StartWorkflowExecution"})
	h.Counter("temporal_request").Inc(2)
	h.Counter("temporal_request").Inc(1)
	h.Gauge("temporal_worker_task_slots_available").Update(5)
	h.Timer("temporal_request_latency").Record(250 * time.Millisecond)

	text := scrape(t, reg)
	for _, line := range []string{
		"# TYPE temporal_request counter",
		`temporal_request{namespace="default",operation="StartWorkflowExecution"} 3`,
		"# TYPE temporal_worker_task_slots_available gauge",
		`temporal_worker_task_slots_available{namespace="default",operation="StartWorkflowExecution"} 5`,
		"# TYPE temporal_request_latency histogram",
		`temporal_request_latency_bucket{namespace="default",operation="StartWorkflowExecution",le="0.1"} 0`,
		`temporal_request_latency_bucket{namespace="default",operation="StartWorkflowExecution",le="0.25"} 1`,
		`temporal_request_latency_sum{namespace="default",operation="StartWorkflowExecution"} 0.25`,
		`temporal_request_latency_count{namespace="default",operation="StartWorkflowExecution"} 1`,
	} {
		assert.Contains(t, text, line+"\n")
	}
	assert.NotContains(t, text, `operation="Old"`)
	assert.Contains(t, text, "go_goroutines", "NewRegistry must include the Go collector")
}

func TestTemporalHandlerConflictingLabelSets(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := metrics.NewTemporalHandler(reg, "")
	h.Counter("temporal_request").Inc(1)
	h.WithTags(map[string]string{"namespace": "default"}).Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"namespace": "default", "task_queue": "checkin"}).Counter("temporal_request").Inc(3)
	// The same name as another type keeps the first type and renames the
	// later use rather than breaking the scrape.
	h.Gauge("temporal_request").Update(7)
	// A counter that would collide with a histogram's _count series.
	h.Timer("temporal_activity_latency").Record(time.Second)
	h.Counter("temporal_activity_latency_count").Inc(4)
	// Negative counter increments would panic in client_golang.
	h.Counter("temporal_request").Inc(-5)

	text := scrape(t, reg)
	for _, line := range []string{
		"temporal_request 1",
		`temporal_request{namespace="default"} 2`,
		`temporal_request{namespace="default",task_queue="checkin"} 3`,
		"temporal_request_gauge 7",
		"temporal_activity_latency_count 1",
		"temporal_activity_latency_count_counter 4",
	} {
		assert.Contains(t, text, line+"\n")
	}
}

func TestTemporalHandlerSanitizesNamesAndTags(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := metrics.NewTemporalHandler(reg, "careflow").WithTags(map[string]string{
		"task-queue": "lab.orders",
		"__name__":   "x",
		"le":         "tag value",
		"bad":        "\xff\xfe",
		"dropped":    "",
		"":           "no key",
	})
	h.Counter("sdk.request-count").Inc(1)
	h.Timer("9lives").Record(time.Millisecond)

	text := scrape(t, reg)
	// Invalid UTF-8 becomes one replacement character per run.
	assert.Contains(t, text, "careflow_sdk_request_count{bad=\"\uFFFD\",le=\"tag value\",tag__name__=\"x\",task_queue=\"lab.orders\"} 1\n")
	assert.Contains(t, text, "careflow_9lives_count{bad=\"\uFFFD\",tag__name__=\"x\",tag_le=\"tag value\",task_queue=\"lab.orders\"} 1\n")

	// Without a prefix a leading digit is invalid and gets an underscore.
	bare := prometheus.NewRegistry()
	metrics.NewTemporalHandler(bare, "").Timer("7up").Record(time.Millisecond)
	assert.Contains(t, scrape(t, bare), "\n_7up_count 1\n")
	assert.NotContains(t, text, "dropped")
	assert.NotContains(t, text, "no key")
}

func TestTemporalHandlerSharedPerRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := metrics.NewTemporalHandler(reg, "")
	b := metrics.NewTemporalHandler(reg, "")
	a.Counter("temporal_request").Inc(1)
	b.Counter("temporal_request").Inc(1)
	// Two collectors with the same series would fail Gather inside scrape.
	assert.Contains(t, scrape(t, reg), "temporal_request 2\n")
}

func TestTemporalHandlerConcurrentUse(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := metrics.NewTemporalHandler(reg, "")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				th := h.WithTags(map[string]string{"worker": fmt.Sprint(i % 4)})
				if g%2 == 0 {
					th = th.WithTags(map[string]string{"extra": "x"})
				}
				th.Counter("temporal_request").Inc(1)
				th.Timer("temporal_request_latency").Record(time.Millisecond)
				th.Gauge("temporal_num_pollers").Update(float64(i))
			}
		})
	}
	wg.Wait()
	text := scrape(t, reg)
	// 4 workers x with/without "extra" = 8 series; each got 4 goroutines x 50.
	assert.Equal(t, 8, strings.Count(text, "\ntemporal_request{"))
	assert.Contains(t, text, `temporal_request{extra="x",worker="3"} 200`+"\n")
	assert.Contains(t, text, `temporal_request{worker="0"} 200`+"\n")
}

func TestNewTemporalHandlerNilRegistry(t *testing.T) {
	h := metrics.NewTemporalHandler(nil, "")
	require.Equal(t, client.MetricsNopHandler, h)
	h.Counter("x").Inc(1)
}
