package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times; it is 100 on every Linux
// architecture Go supports, and reading it would need cgo.
const clockTicks = 100

// Usage is the CPU time and resident memory of the engine process (this one, in -standalone)
// and of its child processes (the Temporal server; PostgreSQL, not a child, is not counted),
// sampled from /proc.
type Usage struct {
	EngineCPU time.Duration
	ServerCPU time.Duration
	EngineRSS int64
	ServerRSS int64
}

// SampleUsage reads the current usage; on systems without /proc it returns zeros.
func SampleUsage() Usage {
	self := os.Getpid()
	u := Usage{}
	u.EngineCPU, u.EngineRSS, _ = procUsage(self)
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || pid == self {
			continue
		}
		cpu, rss, ppid := procUsage(pid)
		if ppid == self {
			u.ServerCPU += cpu
			u.ServerRSS += rss
		}
	}
	return u
}

// procUsage returns a process's user+system CPU time, resident set size and parent pid.
func procUsage(pid int) (time.Duration, int64, int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0
	}
	// The command name may hold spaces; the fields after its closing parenthesis do not.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 22 {
		return 0, 0, 0
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	rssPages, _ := strconv.ParseInt(f[21], 10, 64)
	cpu := time.Duration(utime+stime) * time.Second / clockTicks
	return cpu, rssPages * int64(os.Getpagesize()), ppid
}

// Cost is what one phase of the load cost per 1,000 flows.
type Cost struct {
	EngineCPUSecPer1k float64 `json:"engineCpuSecPer1k"`
	ServerCPUSecPer1k float64 `json:"serverCpuSecPer1k"`
	// EngineRSSMiB and ServerRSSMiB are resident memory at the end of the phase.
	EngineRSSMiB float64 `json:"engineRssMiB"`
	ServerRSSMiB float64 `json:"serverRssMiB"`
}

// costOf turns two samples around a phase of n flows into a Cost.
func costOf(before, after Usage, n int) *Cost {
	if n <= 0 {
		return nil
	}
	per := 1000 / float64(n)
	return &Cost{
		EngineCPUSecPer1k: (after.EngineCPU - before.EngineCPU).Seconds() * per,
		ServerCPUSecPer1k: (after.ServerCPU - before.ServerCPU).Seconds() * per,
		EngineRSSMiB:      float64(after.EngineRSS) / (1 << 20),
		ServerRSSMiB:      float64(after.ServerRSS) / (1 << 20),
	}
}

// String renders the cost on one line.
func (c *Cost) String() string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("    per 1,000: engine %.1f CPU-s, Temporal server %.1f CPU-s; RSS engine %.0f MiB, server %.0f MiB",
		c.EngineCPUSecPer1k, c.ServerCPUSecPer1k, c.EngineRSSMiB, c.ServerRSSMiB)
}

// settleWindow and settleQuietCores define quiet for Settle: less than 0.15 of a core used by
// the engine and its Temporal server over half a second (an idle pair polls at a few percent).
const (
	settleWindow     = 500 * time.Millisecond
	settleQuietCores = 0.15
)

// Settle waits, at most limit, until the engine process and the Temporal server it started
// are quiet, and returns how long it waited. A phase's tail (Stripe webhooks still arriving
// as signals, a check-in's arrival, copay and notice, timers firing) otherwise runs inside the
// next phase and counts as that phase's work: with the payments just before it, the no-op
// baseline paid for the payments' tail, and the ratio between them looked better than it was.
// Without /proc every sample is zero, so it returns at once.
func Settle(ctx context.Context, limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	start := time.Now()
	prev := SampleUsage()
	for time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(settleWindow):
		}
		cur := SampleUsage()
		used := (cur.EngineCPU - prev.EngineCPU) + (cur.ServerCPU - prev.ServerCPU)
		prev = cur
		if float64(used) < settleQuietCores*float64(settleWindow) {
			break
		}
	}
	return time.Since(start)
}
