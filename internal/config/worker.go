package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Worker tunes the engine's Temporal workers (WORKER_*), for the `worker` role and `run` alike.
type Worker struct {
	// Pollers is WORKER_POLLERS: PollersFixed or PollersAutoscale.
	Pollers string
	// StickyCacheSize is WORKER_STICKY_CACHE_SIZE: how many workflow executions the process
	// keeps in memory between their workflow tasks, so the next task needs no replay; 0 turns
	// sticky execution off.
	StickyCacheSize int
}

// WORKER_POLLERS values.
const (
	// PollersFixed polls each task queue with a fixed number of goroutines (internal/stack
	// DefaultWorkerOptions says how many and why).
	PollersFixed = "fixed"
	// PollersAutoscale lets the SDK add and remove pollers within bounds, on the server's
	// hints about each queue's backlog.
	PollersAutoscale = "autoscale"
)

// DefaultStickyCacheSize is the SDK's own default of 10,000 executions.
const DefaultStickyCacheSize = 10000

// MaxStickyCacheSize bounds WORKER_STICKY_CACHE_SIZE: a million cached executions is
// gigabytes of memory, beyond any one worker process.
const MaxStickyCacheSize = 1_000_000

// DefaultWorker is the tuning used when no WORKER_* variable is set: what measured best with
// the load generator (README, Benchmarks). Autoscaling pollers, because the SDK gives them
// separate pollers for the normal and the sticky queue: with fixed pollers every poller turns
// to the sticky queue while it has a backlog, and a new check-in's first workflow task (on the
// normal queue) waited 207-221 ms instead of 68-79 ms.
var DefaultWorker = Worker{Pollers: PollersAutoscale, StickyCacheSize: DefaultStickyCacheSize}

// OrDefault is w, or DefaultWorker for the zero Worker (callers that set no tuning).
func (w Worker) OrDefault() Worker {
	if w == (Worker{}) {
		return DefaultWorker
	}
	return w
}

// workerFromEnv reads WORKER_POLLERS and WORKER_STICKY_CACHE_SIZE.
func workerFromEnv() (Worker, error) {
	w := DefaultWorker
	switch v := strings.ToLower(strings.TrimSpace(os.Getenv("WORKER_POLLERS"))); v {
	case "":
	case PollersFixed, PollersAutoscale:
		w.Pollers = v
	default:
		return w, fmt.Errorf("config: WORKER_POLLERS must be %s or %s, got %q", PollersFixed, PollersAutoscale, v)
	}
	if v := os.Getenv("WORKER_STICKY_CACHE_SIZE"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > MaxStickyCacheSize {
			return w, fmt.Errorf("config: WORKER_STICKY_CACHE_SIZE must be a whole number of workflow executions from 0 (sticky execution off) to %d, got %q",
				MaxStickyCacheSize, v)
		}
		w.StickyCacheSize = n
	}
	return w, nil
}
