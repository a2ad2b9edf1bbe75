package hl7

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// npmDir holds the npm conformance peers installed by `make npm-peers`.
var npmDir = filepath.Join("..", "..", "tests", "npm")

// runNode runs tests/npm/hl7-bench.js with args and decodes its JSON
// output into out. It fails, rather than skips, when node or the peers are
// missing: the conformance check is part of the test suite.
func runNode(t *testing.T, timeout time.Duration, out any, args ...string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(npmDir, "node_modules", "@medplum", "core")); err != nil {
		t.Fatalf("npm peers missing in %s (run make npm-peers): %v", npmDir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found on PATH (install Node.js, then run make npm-peers): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"hl7-bench.js"}, args...)...)
	cmd.Dir = npmDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node hl7-bench.js %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("decode node output: %v", err)
	}
}

// absTestdata returns the testdata messages as absolute paths for node.
func absTestdata(t *testing.T) []string {
	var out []string
	for _, name := range testdataFiles(t) {
		abs, err := filepath.Abs(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, abs)
	}
	return out
}

type nodeInspect struct {
	File    string `json:"file"`
	Medplum *struct {
		Segments   int    `json:"segments"`
		ControlID  string `json:"controlId"`
		Delimiters string `json:"delimiters"`
		Detail     []struct {
			Name   string       `json:"name"`
			Fields [][][]string `json:"fields"`
		} `json:"detail"`
	} `json:"medplum"`
	MedplumError string `json:"medplumError"`
	Redox        *struct {
		ControlID string `json:"controlId"`
	} `json:"redox"`
	RedoxError string `json:"redoxError"`
}

// TestMedplumConformance parses every testdata message with @medplum/core
// and requires the same segment count, MSH-10, delimiters and, field by
// field, the same repetitions and components (both keep them escaped).
// Redox, which reads messages through a schema, must agree on MSH-10.
func TestMedplumConformance(t *testing.T) {
	files := absTestdata(t)
	var got []nodeInspect
	runNode(t, 2*time.Minute, &got, append([]string{"inspect"}, files...)...)
	if len(got) != len(files) {
		t.Fatalf("node inspected %d of %d files", len(got), len(files))
	}
	for i, peer := range got {
		name := filepath.Base(files[i])
		t.Run(name, func(t *testing.T) {
			if peer.File != name {
				t.Fatalf("node answered for %q", peer.File)
			}
			if peer.Medplum == nil {
				t.Fatalf("@medplum/core failed: %s", peer.MedplumError)
			}
			m := mustParseFile(t, name)
			mp := peer.Medplum
			if mp.Segments != len(m.Segments) {
				t.Errorf("segments: medplum %d, ours %d", mp.Segments, len(m.Segments))
			}
			if want := m.Raw("MSH-10"); mp.ControlID != want {
				t.Errorf("MSH-10: medplum %q, ours %q", mp.ControlID, want)
			}
			d := m.Delims
			if want := string([]byte{d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent}); mp.Delimiters != want {
				t.Errorf("delimiters: medplum %q, ours %q", mp.Delimiters, want)
			}
			for j, seg := range mp.Detail {
				if j >= len(m.Segments) {
					break
				}
				ours := &m.Segments[j]
				fields := ours.Fields
				if j == 0 {
					fields = fields[2:] // medplum lists MSH from MSH-3
				}
				if seg.Name != ours.Name || !reflect.DeepEqual(seg.Fields, splitForCompare(fields, &d)) {
					t.Errorf("segment %d (%s) differs from medplum", j+1, ours.Name)
				}
			}
			if peer.Redox == nil {
				t.Errorf("redox failed: %s", peer.RedoxError)
			} else if want := m.Get("MSH-10"); peer.Redox.ControlID != want {
				t.Errorf("MSH-10: redox %q, ours %q", peer.Redox.ControlID, want)
			}
		})
	}
}

// splitForCompare splits wire fields into repetitions and components the
// way medplum does (an empty field is one empty component).
func splitForCompare(fields []string, d *Delims) [][][]string {
	out := make([][][]string, len(fields))
	for i, f := range fields {
		reps := strings.Split(f, string(d.Repetition))
		out[i] = make([][]string, len(reps))
		for j, r := range reps {
			out[i][j] = strings.Split(r, string(d.Component))
		}
	}
	return out
}

type nodeBench struct {
	Node       string `json:"node"`
	Iterations int    `json:"iterations"`
	Results    []struct {
		Parser            string   `json:"parser"`
		Version           string   `json:"version"`
		Op                string   `json:"op"`
		Messages          int      `json:"messages"`
		MessagesPerSecond float64  `json:"messagesPerSecond"`
		Failed            []string `json:"failed"`
	} `json:"results"`
}

// TestCompareNodeParsers measures codecs/hl7 and the npm parsers on the
// same testdata messages in one run and prints messages/s with ratios. It
// is a measurement, not a check, so it runs only with HL7_COMPARE=1:
//
//	HL7_COMPARE=1 go test -run TestCompareNodeParsers -v ./codecs/hl7/
//
// HL7_COMPARE_ITERATIONS sets the node iterations (default 2000).
func TestCompareNodeParsers(t *testing.T) {
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
	files := absTestdata(t)
	var peers nodeBench
	runNode(t, 30*time.Minute, &peers, append([]string{"bench", "--iterations", strconv.Itoa(iterations)}, files...)...)

	parse := testing.Benchmark(BenchmarkParseAll)
	encode := testing.Benchmark(BenchmarkEncodeAll)
	n := float64(len(files))
	type row struct {
		op, parser, version string
		rate                float64
		allocs              string
		note                string
	}
	perMsg := func(r testing.BenchmarkResult) string {
		return fmt.Sprintf("%.1f allocs, %.0f B", float64(r.AllocsPerOp())/n, float64(r.AllocedBytesPerOp())/n)
	}
	ours := map[string]float64{
		"parse":  n * float64(parse.N) / parse.T.Seconds(),
		"encode": n * float64(encode.N) / encode.T.Seconds(),
	}
	rows := []row{
		{"parse", "codecs/hl7 (Go)", "-", ours["parse"], perMsg(parse), ""},
		{"encode", "codecs/hl7 (Go)", "-", ours["encode"], perMsg(encode), ""},
	}
	for _, r := range peers.Results {
		note := ""
		if len(r.Failed) > 0 {
			note = "failed on " + strings.Join(r.Failed, ",")
		}
		rows = append(rows, row{r.Op, r.Parser, r.Version, r.MessagesPerSecond, "-", note})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages, node %s, %d node iterations\n", len(files), peers.Node, peers.Iterations)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "op\tparser\tversion\tmessages/s\tcodecs/hl7 is\tGo per message\tnote")
	for _, op := range []string{"parse", "encode"} {
		for _, r := range rows {
			if r.op != op {
				continue
			}
			ratio := "1.0x"
			if r.parser != "codecs/hl7 (Go)" {
				if r.rate <= 0 {
					t.Fatalf("%s %s reported no rate", r.parser, op)
				}
				ratio = fmt.Sprintf("%.1fx faster", ours[op]/r.rate)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%.0f\t%s\t%s\t%s\n", r.op, r.parser, r.version, r.rate, ratio, r.allocs, r.note)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if ours["parse"] <= 0 || ours["encode"] <= 0 {
		t.Fatal("Go benchmark reported no rate")
	}
}
