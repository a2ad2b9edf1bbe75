package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestDynamicConfigFlagRepeats(t *testing.T) {
	var d dynamicConfigFlag
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&d, "dynamic-config", "")
	if err := fs.Parse([]string{"-dynamic-config", "system.enableActivityEagerExecution=false",
		"-dynamic-config", " history.cacheMaxSize = 10 "}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"system.enableActivityEagerExecution=false", "history.cacheMaxSize=10"}; !slices.Equal(d, want) {
		t.Fatalf("values %q, want %q", d, want)
	}
	for _, bad := range []string{"novalue", "=true", "key="} {
		if err := fs.Parse([]string{"-dynamic-config", bad}); err == nil {
			t.Errorf("-dynamic-config %q accepted", bad)
		}
	}
}
