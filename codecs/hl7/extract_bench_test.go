package hl7

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// extractFiles are the single-message conformance files: the typed-extraction workload.
func extractFiles(tb testing.TB) []string {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.hl7"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !IsBatch(readFile(tb, n)) {
			out = append(out, n)
		}
	}
	if len(out) < 5 {
		tb.Fatalf("only %d extraction messages", len(out))
	}
	return out
}

// extractORU is the typed extraction the ingest does per message: parse, then every OBX with
// its decoded value. It returns the number of observations.
func extractORU(data []byte) (int, error) {
	m, err := Parse(data)
	if err != nil {
		return 0, err
	}
	u, err := ParseORU(m)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range u.Orders {
		n += len(o.Observations)
	}
	return n, nil
}

// BenchmarkExtractORU measures typed ORU extraction (every OBX with its value decoded by
// OBX-2, leniently) over the conformance messages, with allocations per OBX.
func BenchmarkExtractORU(b *testing.B) {
	var msgs [][]byte
	obx := 0
	for _, f := range extractFiles(b) {
		data := readFile(b, f)
		n, err := extractORU(data)
		if err != nil {
			b.Fatal(err)
		}
		msgs, obx = append(msgs, data), obx+n
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		for _, data := range msgs {
			if _, err := extractORU(data); err != nil {
				b.Fatal(err)
			}
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*obx), "allocs/OBX")
}

// TestCompareTypedExtraction runs typed ORU extraction in Go and with @medplum/core (the
// fastest npm parser) on the same messages in one run. A measurement, so only with
// HL7_COMPARE=1:
//
//	HL7_COMPARE=1 go test -run TestCompareTypedExtraction -v ./codecs/hl7/
func TestCompareTypedExtraction(t *testing.T) {
	if os.Getenv("HL7_COMPARE") != "1" {
		t.Skip("set HL7_COMPARE=1 to compare with the npm parsers")
	}
	iterations := 2000
	if s := os.Getenv("HL7_COMPARE_ITERATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("HL7_COMPARE_ITERATIONS=%q is not a positive integer", s)
		}
		iterations = n
	}
	files := extractFiles(t)
	var abs []string
	obx := 0
	for _, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		abs = append(abs, a)
		n, err := extractORU(readFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		obx += n
	}
	var peer struct {
		Node    string `json:"node"`
		Results []struct {
			Parser            string  `json:"parser"`
			Version           string  `json:"version"`
			MessagesPerSecond float64 `json:"messagesPerSecond"`
			Observations      int     `json:"observations"`
		} `json:"results"`
	}
	runNode(t, 30*time.Minute, &peer, append([]string{"extract", "--iterations", strconv.Itoa(iterations)}, abs...)...)
	if len(peer.Results) != 1 || peer.Results[0].MessagesPerSecond <= 0 {
		t.Fatalf("node extract: %+v", peer)
	}
	if peer.Results[0].Observations != obx {
		t.Fatalf("node read %d observations, Go %d", peer.Results[0].Observations, obx)
	}
	r := testing.Benchmark(BenchmarkExtractORU)
	ours := r.Extra["msgs/s"]
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "%d messages, %d OBX, node %s\n", len(files), obx, peer.Node)
	fmt.Fprintln(w, "parser\tversion\tmessages/s\tcodecs/hl7 is\tallocs/OBX")
	fmt.Fprintf(w, "codecs/hl7 (Go)\t-\t%.0f\t1.0x\t%.1f\n", ours, r.Extra["allocs/OBX"])
	p := peer.Results[0]
	fmt.Fprintf(w, "%s\t%s\t%.0f\t%.1fx faster\t-\n", p.Parser, p.Version, p.MessagesPerSecond, ours/p.MessagesPerSecond)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}
