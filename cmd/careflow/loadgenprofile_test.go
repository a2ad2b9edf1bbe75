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

// An MLLP phase sends to ~4 messages per order by default (never fewer than 8 orders), and to
// exactly the orders asked for with -mllp-orders.
func TestMLLPOrderCount(t *testing.T) {
	for _, c := range []struct{ orders, conc, want int }{
		{0, 8, 8}, {0, 32, 8}, {0, 128, 32}, {512, 128, 512}, {1, 32, 1},
	} {
		if got := mllpOrderCount(c.orders, c.conc); got != c.want {
			t.Errorf("mllpOrderCount(%d, %d) = %d, want %d", c.orders, c.conc, got, c.want)
		}
	}
}
