package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// parseConns reads -mllp-conns ("8,32,128"); empty means one phase at def connections.
func parseConns(s string, def int) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return []int{def}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("loadgen: -mllp-conns wants positive integers, got %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// dynamicConfigFlag collects repeated -dynamic-config key=value flags.
type dynamicConfigFlag []string

func (d *dynamicConfigFlag) String() string { return strings.Join(*d, ",") }

func (d *dynamicConfigFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(val) == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*d = append(*d, strings.TrimSpace(k)+"="+strings.TrimSpace(val))
	return nil
}

// startProfiles starts the CPU and block profiles asked for; the returned func writes them.
// In -standalone the engine (API, workers, simulators) runs in this process, so these are
// the engine's profiles; the dev server is a separate process.
func startProfiles(cpuPath, blockPath string) (func(), error) {
	var cpu *os.File
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
		cpu = f
	}
	if blockPath != "" {
		// Every blocking event of 10 µs or more: enough to see channel and lock waits
		// without the profiler itself dominating.
		runtime.SetBlockProfileRate(10_000)
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if blockPath != "" {
			if f, err := os.Create(blockPath); err == nil {
				_ = pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
			runtime.SetBlockProfileRate(0)
		}
	}, nil
}
