package devserver

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/careflow/engine/internal/localproc"
)

func TestArgsHeadlessWhenNoUIPort(t *testing.T) {
	got := Options{}.withDefaults().args()
	want := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", "7233",
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
		"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
		"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
		"--dynamic-config-value", "system.enableActivityEagerExecution=true", "--headless"}
	if !slices.Equal(got, want) {
		t.Fatalf("args = %q, want %q", got, want)
	}
	if u := (Options{}).withDefaults().metricsURL(); u != "" {
		t.Errorf("metricsURL without a MetricsPort = %q, want none", u)
	}
}

func TestArgsFull(t *testing.T) {
	o := Options{
		Host: "127.0.0.2", Port: 7000, UIPort: 8000, MetricsPort: 9000, Namespace: "careflow",
		DBFile: "/tmp/x.db", UICodecEndpoint: "http://127.0.0.1:8080/codec",
		ExtraArgs: []string{"--log-level", "error"},
	}.withDefaults()
	got := strings.Join(o.args(), " ")
	for _, part := range []string{
		"--ip 127.0.0.2", "--port 7000", "--namespace careflow",
		"--db-filename /tmp/x.db --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=FULL",
		"--ui-port 8000", "--metrics-port 9000", "--ui-codec-endpoint http://127.0.0.1:8080/codec",
	} {
		if !strings.Contains(got, part) {
			t.Errorf("args %q lack %q", got, part)
		}
	}
	if strings.Contains(got, "--headless") {
		t.Errorf("args %q disable the UI although UIPort is set", got)
	}
	if !strings.HasSuffix(got, "--log-level error") {
		t.Errorf("args %q do not end with ExtraArgs", got)
	}
	if o.address() != "127.0.0.2:7000" || o.uiURL() != "http://127.0.0.2:8000" || o.metricsURL() != "http://127.0.0.2:9000/metrics" {
		t.Errorf("address %q, uiURL %q, metricsURL %q", o.address(), o.uiURL(), o.metricsURL())
	}
}

func TestFindBinaryFromEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "temporal")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BinEnv, p)
	got, err := FindBinary()
	if err != nil || got != p {
		t.Fatalf("FindBinary() = %q, %v; want %q", got, err, p)
	}

	t.Setenv(BinEnv, p+".missing")
	if _, err := FindBinary(); err == nil || !strings.Contains(err.Error(), BinEnv) {
		t.Fatalf("FindBinary() with missing $%s: err = %v", BinEnv, err)
	}
}

func TestFindBinaryInRepo(t *testing.T) {
	t.Setenv(BinEnv, "")
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)

	_, err := FindBinary()
	if err == nil || !strings.Contains(err.Error(), "make temporal") {
		t.Fatalf("FindBinary() without a build: err = %v, want a hint to run make temporal", err)
	}

	bin := filepath.Join(root, ".bin", "temporal")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := FindBinary()
	if err != nil {
		t.Fatal(err)
	}
	// TempDir may sit behind a symlink; compare resolved paths.
	gotReal, _ := filepath.EvalSymlinks(got)
	wantReal, _ := filepath.EvalSymlinks(bin)
	if gotReal != wantReal {
		t.Fatalf("FindBinary() = %q, want %q", got, bin)
	}
}

func TestTailBufferKeepsLastLines(t *testing.T) {
	tb := &localproc.TailBuffer{Max: 16}
	for _, s := range []string{"one\n", "two\n", "three\n", "four\n"} {
		if _, err := tb.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	// 19 bytes written, 16 kept: "one\n" is cut to "\n" at the front.
	if got := tb.LastLines(2); got != "three\nfour" {
		t.Errorf("lastLines(2) = %q", got)
	}
	if got := tb.LastLines(10); got != "\ntwo\nthree\nfour" {
		t.Errorf("lastLines(10) = %q", got)
	}
}

func TestArgsRegisterSearchAttributesAndKeepTheCache(t *testing.T) {
	o := Options{SearchAttributes: map[string]enumspb.IndexedValueType{
		"CareflowStatus": enumspb.INDEXED_VALUE_TYPE_KEYWORD, "CareflowCritical": enumspb.INDEXED_VALUE_TYPE_BOOL,
	}}.withDefaults()
	got := strings.Join(o.args(), " ")
	want := "--search-attribute CareflowCritical=Bool --search-attribute CareflowStatus=Keyword " +
		"--dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=false"
	if !strings.Contains(got, want) {
		t.Errorf("args %q lack %q", got, want)
	}
	if plain := strings.Join(Options{}.withDefaults().args(), " "); strings.Contains(plain, "forceSearchAttributesCacheRefreshOnRead") {
		t.Errorf("without search attributes the CLI's cache default must stay: %q", plain)
	}
}
