// Package pgtemporal runs the PostgreSQL-backed Temporal topology built from Go modules by
// temporal-pg/build.sh: the Temporal server (persistence postgres12, SQL visibility) and the
// Web UI server, as child processes configured by the files in temporal-pg/. `careflow run
// -temporal postgres` and the PostgreSQL end-to-end test start it through this package.
package pgtemporal

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/careflow/engine/internal/localproc"
)

// DefaultNamespace is the namespace registered at start when Options.Namespace is empty.
const DefaultNamespace = "default"

// Postgres says where the server keeps its state.
type Postgres struct {
	// Addr is host:port of PostgreSQL; empty means 127.0.0.1:5432.
	Addr string
	// User and Password log in; an empty User means postgres (trust auth on the dev machine).
	User, Password string
	// DB and VisibilityDB are the two databases temporal-pg/setup.sh creates; empty means
	// careflow_temporal and careflow_temporal_visibility.
	DB, VisibilityDB string
}

func (p Postgres) withDefaults() Postgres {
	if p.Addr == "" {
		p.Addr = "127.0.0.1:5432"
	}
	if p.User == "" {
		p.User = "postgres"
	}
	if p.DB == "" {
		p.DB = "careflow_temporal"
	}
	if p.VisibilityDB == "" {
		p.VisibilityDB = "careflow_temporal_visibility"
	}
	return p
}

// url returns a connection URL for database db.
func (p Postgres) url(db string) string {
	u := url.URL{Scheme: "postgres", Host: p.Addr, Path: "/" + db, RawQuery: "sslmode=disable"}
	if p.Password != "" {
		u.User = url.UserPassword(p.User, p.Password)
	} else {
		u.User = url.User(p.User)
	}
	return u.String()
}

// env returns the TEMPORAL_PG_* variables the configuration templates and setup.sh read.
func (p Postgres) env() []string {
	return []string{
		"TEMPORAL_PG_ADDR=" + p.Addr,
		"TEMPORAL_PG_USER=" + p.User,
		"TEMPORAL_PG_PASSWORD=" + p.Password,
		"TEMPORAL_PG_DB=" + p.DB,
		"TEMPORAL_PG_VISIBILITY_DB=" + p.VisibilityDB,
	}
}

// Ports are the server's listen ports on loopback. The server runs four services in one
// process, each with a gRPC and a membership port; the frontend also serves HTTP.
type Ports struct {
	Frontend, FrontendHTTP, FrontendMembership int
	History, HistoryMembership                 int
	Matching, MatchingMembership               int
	Worker, WorkerMembership                   int
	// Metrics serves the server's Prometheus metrics at /metrics.
	Metrics int
	// UI is the Web UI server's port; zero starts no UI.
	UI int
}

// DefaultPorts are the defaults of temporal-pg/config/postgres.yaml: the dev server's
// ports plus 100, so `make run` and `make run-postgres` never ask for the same port.
func DefaultPorts() Ports {
	return Ports{
		Frontend: 7333, FrontendHTTP: 7343, FrontendMembership: 7033,
		History: 7334, HistoryMembership: 7034,
		Matching: 7335, MatchingMembership: 7035,
		Worker: 7339, WorkerMembership: 7039,
		Metrics: 7345,
		UI:      8333,
	}
}

// FreePorts picks unused loopback ports below 32768, for tests that run beside other servers:
// the server keeps its ports in smallint columns (cluster_membership), so the kernel's
// ephemeral ports, 32768 and up, are refused. Another process can still take one before the
// server binds it; Start then fails naming the port.
func FreePorts() (Ports, error) {
	var ps [11]int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			_ = l.Close()
		}
	}()
	for i, tries := 0, 0; i < len(ps); tries++ {
		if tries > 1000 {
			return Ports{}, errors.New("no free loopback port below 32768")
		}
		port := freePortLow + rand.IntN(freePortHigh-freePortLow)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		lns = append(lns, l)
		ps[i] = port
		i++
	}
	return Ports{
		Frontend: ps[0], FrontendHTTP: ps[1], FrontendMembership: ps[2],
		History: ps[3], HistoryMembership: ps[4],
		Matching: ps[5], MatchingMembership: ps[6],
		Worker: ps[7], WorkerMembership: ps[8],
		UI: ps[9], Metrics: ps[10],
	}, nil
}

// The range FreePorts draws from: above the well-known and common service ports, below the
// kernel's ephemeral range and the smallint limit.
const (
	freePortLow  = 20000
	freePortHigh = 32000
)

// list names every port for the free-port check.
func (p Ports) list() map[string]int {
	m := map[string]int{
		"frontend": p.Frontend, "frontend HTTP": p.FrontendHTTP, "frontend membership": p.FrontendMembership,
		"history": p.History, "history membership": p.HistoryMembership,
		"matching": p.Matching, "matching membership": p.MatchingMembership,
		"worker": p.Worker, "worker membership": p.WorkerMembership,
	}
	if p.Metrics != 0 {
		m["metrics"] = p.Metrics
	}
	if p.UI != 0 {
		m["web UI"] = p.UI
	}
	return m
}

func (p Ports) env() []string {
	kv := func(k string, v int) string { return k + "=" + strconv.Itoa(v) }
	return []string{
		kv("TEMPORAL_PG_FRONTEND_PORT", p.Frontend),
		kv("TEMPORAL_PG_FRONTEND_HTTP_PORT", p.FrontendHTTP),
		kv("TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT", p.FrontendMembership),
		kv("TEMPORAL_PG_HISTORY_PORT", p.History),
		kv("TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT", p.HistoryMembership),
		kv("TEMPORAL_PG_MATCHING_PORT", p.Matching),
		kv("TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT", p.MatchingMembership),
		kv("TEMPORAL_PG_WORKER_PORT", p.Worker),
		kv("TEMPORAL_PG_WORKER_MEMBERSHIP_PORT", p.WorkerMembership),
		kv("TEMPORAL_PG_UI_PORT", p.UI),
		kv("TEMPORAL_PG_METRICS_PORT", p.Metrics),
	}
}

// Options configures Start.
type Options struct {
	// Dir is the repository's temporal-pg directory (configuration and scripts); empty means
	// the one above the working directory's go.mod.
	Dir string
	// ServerBin and UIBin are the binaries; empty means .bin/temporal-server/server and
	// .bin/temporal-ui/server beside Dir.
	ServerBin, UIBin string
	Postgres         Postgres
	// Ports are the listen ports; the zero value means DefaultPorts.
	Ports Ports
	// Namespace is registered through the SDK when missing; empty means DefaultNamespace.
	Namespace string
	// UICodecEndpoint is the remote codec the Web UI decodes payloads with.
	UICodecEndpoint string
	// LogWriter and UILogWriter receive the server's and the UI server's output; nil discards.
	LogWriter, UILogWriter io.Writer
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, err
		}
		root, err := localproc.RepoRoot(wd)
		if err != nil {
			return o, fmt.Errorf("find temporal-pg: %w", err)
		}
		o.Dir = filepath.Join(root, "temporal-pg")
	}
	bin := filepath.Join(filepath.Dir(o.Dir), ".bin")
	if o.ServerBin == "" {
		o.ServerBin = filepath.Join(bin, "temporal-server", "server")
	}
	if o.UIBin == "" {
		o.UIBin = filepath.Join(bin, "temporal-ui", "server")
	}
	o.Postgres = o.Postgres.withDefaults()
	if o.Ports == (Ports{}) {
		o.Ports = DefaultPorts()
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.LogWriter == nil {
		o.LogWriter = io.Discard
	}
	if o.UILogWriter == nil {
		o.UILogWriter = io.Discard
	}
	return o, nil
}
