package metrics

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// TimerBuckets are the histogram buckets, in seconds, for Temporal timers.
// They reach an hour because schedule-to-start and end-to-end latencies of
// waiting workflows are long.
var TimerBuckets = []float64{
	.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
}

// MaxTemporalSeries caps the series one adapter creates; beyond it new label
// combinations are dropped so a runaway tag cannot exhaust memory.
const MaxTemporalSeries = 20000

// NewTemporalHandler adapts the Temporal SDK's metrics to Prometheus:
// counters, gauges and timers (histograms in seconds) with tags as labels.
//
// Prometheus needs one type per metric name but, in the exposition format,
// allows different label sets under one name. The adapter is therefore an
// unchecked collector holding one series per name and tag set, so the SDK's
// varying tags are kept as they are instead of being dropped or renamed.
// Names are renamed only when one name is used with two types (or would
// collide with a histogram's _count/_sum/_bucket series): the later use gets
// a "_counter", "_gauge" or "_timer" suffix, and is dropped if that collides
// too. Nothing here panics; dropped metrics are simply not exported.
//
// Calling it again with the same registerer and prefix returns a handler on
// the same series, because two collectors exporting identical series would
// make the scrape fail.
func NewTemporalHandler(reg prometheus.Registerer, prefix string) client.MetricsHandler {
	if reg == nil {
		return client.MetricsNopHandler
	}
	c := sharedCollector(reg, prefix)
	if c == nil {
		return client.MetricsNopHandler
	}
	return &temporalHandler{c: c, labels: map[string]string{}}
}

type collectorKey struct {
	reg    prometheus.Registerer
	prefix string
}

var (
	sharedMu         sync.Mutex
	sharedCollectors = map[collectorKey]*temporalCollector{}
)

// sharedCollector returns the collector for (reg, prefix), registering it on
// first use. Registerers that cannot be map keys get a fresh collector.
func sharedCollector(reg prometheus.Registerer, prefix string) *temporalCollector {
	canKey := reflect.TypeOf(reg).Comparable()
	key := collectorKey{reg, prefix}
	if canKey {
		sharedMu.Lock()
		defer sharedMu.Unlock()
		if c, ok := sharedCollectors[key]; ok {
			return c
		}
	}
	c := newTemporalCollector(prefix)
	// Unchecked collectors never conflict at registration; the error path
	// only guards custom registerers.
	if err := reg.Register(c); err != nil {
		return nil
	}
	if canKey {
		sharedCollectors[key] = c
	}
	return c
}

type kind uint8

const (
	kindCounter kind = iota + 1
	kindGauge
	kindTimer
)

func (k kind) suffix() string {
	switch k {
	case kindCounter:
		return "counter"
	case kindGauge:
		return "gauge"
	default:
		return "timer"
	}
}

type nameKey struct {
	kind kind
	raw  string
}

// temporalCollector owns every series the adapter created.
type temporalCollector struct {
	prefix string

	mu     sync.RWMutex
	names  map[nameKey]string           // SDK name and kind -> exported name, "" when dropped
	kinds  map[string]kind              // exported name -> its type
	series map[string]prometheus.Metric // exported name + label key -> series
}

func newTemporalCollector(prefix string) *temporalCollector {
	return &temporalCollector{
		prefix: prefix,
		names:  map[nameKey]string{},
		kinds:  map[string]kind{},
		series: map[string]prometheus.Metric{},
	}
}

// Describe sends nothing, which makes the collector unchecked: label sets
// are only known once the SDK emits.
func (c *temporalCollector) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series.
func (c *temporalCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	all := slices.Collect(maps.Values(c.series))
	c.mu.RUnlock()
	for _, m := range all {
		ch <- m
	}
}

// metric returns the series for (k, raw, labels), creating it on first use,
// or nil when it is dropped.
func (c *temporalCollector) metric(k kind, raw string, labels map[string]string, labelKey string) prometheus.Metric {
	c.mu.RLock()
	name, known := c.names[nameKey{k, raw}]
	m := c.series[name+"\xff"+labelKey]
	c.mu.RUnlock()
	if m != nil || (known && name == "") {
		return m
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	name = c.resolve(k, raw)
	if name == "" {
		return nil
	}
	key := name + "\xff" + labelKey
	if m := c.series[key]; m != nil {
		return m
	}
	if len(c.series) >= MaxTemporalSeries {
		return nil
	}
	m = newSeries(k, name, labels)
	if m != nil {
		c.series[key] = m
	}
	return m
}

// resolve maps an SDK name to its exported name; the caller holds c.mu.
func (c *temporalCollector) resolve(k kind, raw string) string {
	nk := nameKey{k, raw}
	if name, ok := c.names[nk]; ok {
		return name
	}
	base := metricName(c.prefix, raw)
	name := ""
	for _, cand := range []string{base, base + "_" + k.suffix()} {
		if c.fits(cand, k) {
			name = cand
			c.kinds[cand] = k
			break
		}
	}
	c.names[nk] = name
	return name
}

// fits reports whether name can be exported as type k next to the names
// already in use, following the registry's type and suffix checks.
func (c *temporalCollector) fits(name string, k kind) bool {
	if name == "" {
		return false
	}
	if existing, ok := c.kinds[name]; ok {
		return existing == k
	}
	for _, sfx := range []string{"_count", "_sum", "_bucket"} {
		if base, ok := strings.CutSuffix(name, sfx); ok && c.kinds[base] == kindTimer {
			return false
		}
		if _, ok := c.kinds[name+sfx]; ok && k == kindTimer {
			return false
		}
	}
	return true
}

// newSeries builds one series with the labels as constant labels; it
// recovers from client_golang panics (e.g. a reserved label) by dropping.
func newSeries(k kind, name string, labels map[string]string) (m prometheus.Metric) {
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	help := "Temporal SDK metric " + name + "."
	constLabels := prometheus.Labels(maps.Clone(labels))
	switch k {
	case kindCounter:
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: constLabels})
	case kindGauge:
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: constLabels})
	default:
		// "le" is the bucket label of histograms and may not be a tag.
		if v, ok := constLabels["le"]; ok {
			delete(constLabels, "le")
			constLabels["tag_le"] = v
		}
		return prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: name, Help: help + " Seconds.", ConstLabels: constLabels, Buckets: TimerBuckets,
		})
	}
}

// temporalHandler is one tag set on the shared collector.
type temporalHandler struct {
	c        *temporalCollector
	labels   map[string]string
	labelKey string
}

// WithTags returns a handler whose tags are the old ones overridden by tags;
// an empty value removes a tag, as Prometheus treats it as absent anyway.
func (h *temporalHandler) WithTags(tags map[string]string) client.MetricsHandler {
	labels := maps.Clone(h.labels)
	// Sorted keys make the winner deterministic when two keys sanitize to
	// the same label name.
	for _, key := range slices.Sorted(maps.Keys(tags)) {
		name := labelName(key)
		if name == "" {
			continue
		}
		if v := tags[key]; v == "" {
			delete(labels, name)
		} else {
			labels[name] = strings.ToValidUTF8(v, "\uFFFD")
		}
	}
	return &temporalHandler{c: h.c, labels: labels, labelKey: labelKey(labels)}
}

// labelKey encodes a label set; 0xfe and 0xff never occur in valid UTF-8.
func labelKey(labels map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b.WriteString(k)
		b.WriteByte(0xfe)
		b.WriteString(labels[k])
		b.WriteByte(0xff)
	}
	return b.String()
}

// Counter returns a counter; negative increments are ignored because a
// Prometheus counter panics on them.
func (h *temporalHandler) Counter(name string) client.MetricsCounter {
	c, _ := h.c.metric(kindCounter, name, h.labels, h.labelKey).(prometheus.Counter)
	return counter{c}
}

// Gauge returns a gauge.
func (h *temporalHandler) Gauge(name string) client.MetricsGauge {
	g, _ := h.c.metric(kindGauge, name, h.labels, h.labelKey).(prometheus.Gauge)
	return gauge{g}
}

// Timer returns a timer recorded into a histogram in seconds.
func (h *temporalHandler) Timer(name string) client.MetricsTimer {
	o, _ := h.c.metric(kindTimer, name, h.labels, h.labelKey).(prometheus.Histogram)
	return timer{o}
}

type counter struct{ c prometheus.Counter }

func (c counter) Inc(d int64) {
	if c.c != nil && d > 0 {
		c.c.Add(float64(d))
	}
}

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(v float64) {
	if g.g != nil {
		g.g.Set(v)
	}
}

type timer struct{ h prometheus.Histogram }

func (t timer) Record(d time.Duration) {
	if t.h != nil {
		t.h.Observe(d.Seconds())
	}
}
