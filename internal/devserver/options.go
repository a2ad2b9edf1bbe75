package devserver

import (
	"io"
	"maps"
	"net"
	"slices"
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
)

// DefaultHost is the loopback address the dev server binds when Options.Host is empty.
const DefaultHost = "127.0.0.1"

// DefaultPort is the frontend gRPC port used when Options.Port is zero.
const DefaultPort = 7233

// DefaultUIPort is the conventional Web UI port (frontend port + 1000); callers set it explicitly.
const DefaultUIPort = 8233

// DefaultNamespace is the namespace used when Options.Namespace is empty.
const DefaultNamespace = "default"

// Options configures a dev server child process.
type Options struct {
	// BinPath is the temporal CLI binary; empty means FindBinary.
	BinPath string
	// DBFile is the SQLite file that keeps state across restarts; empty keeps state in memory.
	DBFile string
	// Host is the IP address for the frontend and the Web UI; empty means DefaultHost.
	Host string
	// Port is the frontend gRPC port; zero means DefaultPort.
	Port int
	// UIPort is the Web UI port; zero disables the UI (--headless).
	UIPort int
	// MetricsPort serves the server's Prometheus metrics at /metrics on Host; zero leaves the
	// port to the CLI, which then picks a free one and tells only its own log.
	MetricsPort int
	// Namespace is created at start-up if missing and checked for readiness; empty means DefaultNamespace.
	Namespace string
	// UICodecEndpoint is the remote codec the Web UI calls to decode payloads, e.g. http://127.0.0.1:8080/codec.
	UICodecEndpoint string
	// LogWriter receives the server's stdout and stderr; nil discards them.
	LogWriter io.Writer
	// SearchAttributes are registered in the namespace when the dev server creates its
	// database, so that every service loads them at start; with them the server keeps its
	// search-attribute cache as a production server does (CachedSearchAttributesArgs).
	SearchAttributes map[string]enumspb.IndexedValueType
	// ExtraArgs are appended to the start-dev command line.
	ExtraArgs []string
}

// withDefaults returns a copy of o with empty fields filled in.
func (o Options) withDefaults() Options {
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.LogWriter == nil {
		o.LogWriter = io.Discard
	}
	return o
}

// SinglePartitionArgs give every task queue one partition. A single-node dev server gains
// nothing from four, and with them a task can wait about two seconds for forwarding to a
// partition that has a poller: measured with the load generator, the no-op baseline's p99 fell
// from 2.1 s to 0.19 s and its throughput rose 4x.
var SinglePartitionArgs = []string{
	"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
	"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
}

// EagerActivityArgs turn on eager activity dispatch, which the server leaves off unless
// configured (the SDK asks for it by default): an activity the workflow schedules on its own
// task queue comes back in the answer to the workflow task's completion, to the worker that
// completed it, without a trip through matching. Measured with tools/bench-worker-tuning.sh,
// payments gained 11% and the check-in verdict's p99 fell 11% (README, Benchmarks).
var EagerActivityArgs = []string{
	"--dynamic-config-value", "system.enableActivityEagerExecution=true",
}

// CachedSearchAttributesArgs undo the CLI's development default of re-reading the search
// attributes and the namespace from the database on every use, which it sets so that an
// attribute added by hand is usable at once. A payment upserts its operator attributes several
// times, and the re-reads were a third of the server's CPU per payment (README, Benchmarks).
// Only safe where the attributes exist before the services start (Options.SearchAttributes):
// one added later is seen within the server's cache refresh (a minute), as in production.
var CachedSearchAttributesArgs = []string{
	"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=false",
}

// WriteAheadLogArgs put a dev server's SQLite file (Options.DBFile) in write-ahead-log mode. The
// CLI leaves SQLite's default rollback journal, where every commit writes, syncs and deletes a
// journal file besides the database, and the server runs its persistence through one
// connection: measured with the load generator on a file (-temporal dev-file), alternated with
// the rollback journal, WAL made payments 1.4-1.7x, check-ins 1.4-2.1x and MLLP 1.5-2.6x faster
// (README, Benchmarks).
// synchronous stays FULL, so each commit is synced to the log before it is acknowledged and
// survives a power cut as before; the file gains two companions, -wal and -shm.
var WriteAheadLogArgs = []string{
	"--sqlite-pragma", "journal_mode=WAL",
	"--sqlite-pragma", "synchronous=FULL",
}

// searchAttributeArgs are the start-dev flags that register attrs, in name order.
func searchAttributeArgs(attrs map[string]enumspb.IndexedValueType) []string {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		args = append(args, "--search-attribute", name+"="+attrs[name].String())
	}
	return args
}

// args builds the start-dev command line for o, which must already have defaults applied.
func (o Options) args() []string {
	args := []string{
		"server", "start-dev",
		"--ip", o.Host,
		"--port", strconv.Itoa(o.Port),
		// The version check phones home to temporal.io; this machine has no such
		// network and local development must not depend on it.
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false",
	}
	args = append(args, SinglePartitionArgs...)
	args = append(args, EagerActivityArgs...)
	if len(o.SearchAttributes) > 0 {
		args = append(args, searchAttributeArgs(o.SearchAttributes)...)
		args = append(args, CachedSearchAttributesArgs...)
	}
	// "default" is always created by the CLI; naming it again is harmless but noisy.
	if o.Namespace != DefaultNamespace {
		args = append(args, "--namespace", o.Namespace)
	}
	if o.DBFile != "" {
		args = append(args, "--db-filename", o.DBFile)
		args = append(args, WriteAheadLogArgs...)
	}
	if o.MetricsPort != 0 {
		args = append(args, "--metrics-port", strconv.Itoa(o.MetricsPort))
	}
	if o.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort))
		if o.UICodecEndpoint != "" {
			args = append(args, "--ui-codec-endpoint", o.UICodecEndpoint)
		}
	}
	return append(args, o.ExtraArgs...)
}

// address returns the frontend host:port.
func (o Options) address() string {
	return net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
}

// metricsURL returns the Prometheus endpoint, or "" when the CLI chose the port.
func (o Options) metricsURL() string {
	if o.MetricsPort == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort(o.Host, strconv.Itoa(o.MetricsPort)) + "/metrics"
}

// uiURL returns the Web UI base URL, or "" when the UI is disabled.
func (o Options) uiURL() string {
	if o.UIPort == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort(o.Host, strconv.Itoa(o.UIPort))
}
