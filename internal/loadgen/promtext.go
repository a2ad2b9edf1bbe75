package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Scrape is one reading of a Prometheus text exposition, keeping only its histograms: the
// load generator reads latencies, and every latency the Temporal server reports is one.
type Scrape struct {
	// series maps a family name to its series, keyed by their labels without "le".
	series map[string]map[string]*Histogram
}

// Histogram is one histogram series, or several added together.
type Histogram struct {
	Labels map[string]string
	// Bounds are the buckets' upper bounds in ascending order, +Inf last; Cumulative[i] is
	// the number of observations at most Bounds[i].
	Bounds     []float64
	Cumulative []float64
	Count, Sum float64
}

// ParseText reads the Prometheus text format (version 0.0.4). It keeps the families declared
// `# TYPE <name> histogram` and skips every other line, so counters, gauges and comments
// cost nothing but the read.
func ParseText(r io.Reader) (*Scrape, error) {
	s := &Scrape{series: map[string]map[string]*Histogram{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			f := strings.Fields(line)
			if len(f) == 4 && f[1] == "TYPE" && f[3] == "histogram" {
				if s.series[f[2]] == nil {
					s.series[f[2]] = map[string]*Histogram{}
				}
			}
			continue
		}
		name, labels, value, err := ParseSample(line)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", n, err)
		}
		family, part := histogramPart(name)
		fam, ok := s.series[family]
		if !ok || part == "" {
			continue
		}
		le := labels["le"]
		delete(labels, "le")
		key := labelKey(labels)
		h := fam[key]
		if h == nil {
			h = &Histogram{Labels: labels}
			fam[key] = h
		}
		switch part {
		case "bucket":
			bound, err := strconv.ParseFloat(le, 64)
			if err != nil {
				return nil, fmt.Errorf("metrics line %d: bucket bound %q: %w", n, le, err)
			}
			h.addBucket(bound, value)
		case "sum":
			h.Sum = value
		case "count":
			h.Count = value
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// histogramPart splits "x_bucket" into ("x", "bucket"); other names give part "".
func histogramPart(name string) (family, part string) {
	for _, p := range []string{"bucket", "sum", "count"} {
		if f, ok := strings.CutSuffix(name, "_"+p); ok {
			return f, p
		}
	}
	return name, ""
}

// ParseSample reads one sample line of the text format, `name{a="b",...} value [timestamp]`,
// for callers that read other families than ParseText keeps (the end-to-end tests' gauges).
func ParseSample(line string) (string, map[string]string, float64, error) {
	labels := map[string]string{}
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return "", nil, 0, fmt.Errorf("no value in %q", line)
	}
	name, rest := line[:i], line[i:]
	if rest[0] == '{' {
		var err error
		if rest, err = parseLabels(rest[1:], labels); err != nil {
			return "", nil, 0, err
		}
	}
	f := strings.Fields(rest)
	if len(f) == 0 || len(f) > 2 {
		return "", nil, 0, fmt.Errorf("want a value (and a timestamp) after %s, got %q", name, rest)
	}
	v, err := parseValue(f[0])
	if err != nil {
		return "", nil, 0, err
	}
	return name, labels, v, nil
}

// parseLabels reads `a="b",c="d"}` into into and returns what follows the brace.
func parseLabels(s string, into map[string]string) (string, error) {
	for {
		s = strings.TrimLeft(s, " \t,")
		if strings.HasPrefix(s, "}") {
			return s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || len(s) < eq+2 || s[eq+1] != '"' {
			return "", fmt.Errorf("malformed label set near %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		var b strings.Builder
		j := eq + 2
		for ; j < len(s) && s[j] != '"'; j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
				switch s[j] {
				case 'n':
					b.WriteByte('\n')
				default: // \\ and \"
					b.WriteByte(s[j])
				}
				continue
			}
			b.WriteByte(s[j])
		}
		if j >= len(s) {
			return "", fmt.Errorf("unterminated value of label %s", key)
		}
		into[key] = b.String()
		s = s[j+1:]
	}
}

func parseValue(s string) (float64, error) {
	switch s {
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// labelKey is a canonical string of a label set: sorted, so the order on the line is moot.
func labelKey(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q,", k, labels[k])
	}
	return b.String()
}

// addBucket records a cumulative count at bound, keeping the bounds sorted.
func (h *Histogram) addBucket(bound, cumulative float64) {
	i, found := slices.BinarySearch(h.Bounds, bound)
	if found {
		h.Cumulative[i] += cumulative
		return
	}
	h.Bounds = slices.Insert(h.Bounds, i, bound)
	h.Cumulative = slices.Insert(h.Cumulative, i, cumulative)
}

// Delta returns, per series of after, what was observed since before. A series absent from
// before, or whose count went down (the server restarted), counts from zero.
func Delta(before, after *Scrape) *Scrape {
	d := &Scrape{series: map[string]map[string]*Histogram{}}
	for name, fam := range after.series {
		out := map[string]*Histogram{}
		for key, a := range fam {
			var b *Histogram
			if before != nil && before.series[name] != nil {
				b = before.series[name][key]
			}
			out[key] = a.minus(b)
		}
		d.series[name] = out
	}
	return d
}

func (h *Histogram) minus(b *Histogram) *Histogram {
	out := &Histogram{Labels: h.Labels, Bounds: slices.Clone(h.Bounds), Cumulative: slices.Clone(h.Cumulative),
		Count: h.Count, Sum: h.Sum}
	if b == nil || b.Count > h.Count {
		return out
	}
	out.Count -= b.Count
	out.Sum -= b.Sum
	for i, bound := range out.Bounds {
		if j, ok := slices.BinarySearch(b.Bounds, bound); ok {
			out.Cumulative[i] -= b.Cumulative[j]
		}
	}
	return out
}

// Sum adds up the series of family whose labels match every key of want; a want value
// starting with "!" matches any value but the rest.
func (s *Scrape) Sum(family string, want map[string]string) Histogram {
	var total Histogram
	for _, h := range s.series[family] {
		if !matches(h.Labels, want) {
			continue
		}
		total.Count += h.Count
		total.Sum += h.Sum
		for i, bound := range h.Bounds {
			total.addBucket(bound, h.Cumulative[i])
		}
	}
	return total
}

func matches(labels, want map[string]string) bool {
	for k, v := range want {
		if not, ok := strings.CutPrefix(v, "!"); ok {
			if labels[k] == not {
				return false
			}
		} else if labels[k] != v {
			return false
		}
	}
	return true
}

// Values lists the distinct values of label among family's series, sorted.
func (s *Scrape) Values(family, label string) []string {
	seen := map[string]bool{}
	for _, h := range s.series[family] {
		if v, ok := h.Labels[label]; ok {
			seen[v] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// Mean is the average observation, 0 for an empty histogram.
func (h Histogram) Mean() float64 {
	if h.Count <= 0 {
		return 0
	}
	return h.Sum / h.Count
}

// Quantile estimates the q-quantile as Prometheus's histogram_quantile does: find the bucket
// that holds the rank q*Count and interpolate linearly inside it (from 0 for the first
// bucket). A rank in the +Inf bucket answers the largest finite bound, so the estimate is
// never finer than the buckets: the Temporal server's go 1, 2, 5, 10, 20, 50 ms and so on.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count <= 0 || len(h.Bounds) == 0 {
		return 0
	}
	rank := q * h.Count
	lower, below := 0.0, 0.0
	for i, bound := range h.Bounds {
		c := h.Cumulative[i]
		if c >= rank {
			if math.IsInf(bound, 1) {
				return lower
			}
			if c == below {
				return bound
			}
			return lower + (bound-lower)*(rank-below)/(c-below)
		}
		lower, below = bound, c
	}
	return lower
}
