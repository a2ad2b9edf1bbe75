package pgtemporal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/careflow/engine/internal/localproc"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// startTimeout caps the wait for a usable frontend and UI: the server checks the
	// schema, joins its own membership ring and creates its system namespace, which takes
	// seconds on a busy 2-core machine; two minutes only trip on a real hang.
	startTimeout = 2 * time.Minute
	// stopGrace is how long Stop waits after SIGINT before it kills a process group.
	stopGrace = 20 * time.Second
	// tailLines is how much output a start-up error carries.
	tailLines = 30
	// retention keeps closed workflows for three days, long enough to look at a finished
	// development run in the Web UI.
	retention = 72 * time.Hour
)

// Server is a running Temporal server on PostgreSQL, with its Web UI when one was asked for.
type Server struct {
	addr    string
	uiURL   string
	metrics string
	ns      string
	pg      Postgres
	srv     *child
	ui      *child

	stopOnce sync.Once
	stopErr  error
}

// Start checks the schema, starts the server, registers the namespace through the SDK and
// starts the Web UI (when Ports.UI is set); it returns once the namespace accepts calls and
// the UI answers. ctx bounds only the start-up; the processes run until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := localproc.CheckExecutable(opts.ServerBin); err != nil {
		return nil, fmt.Errorf("temporal server binary %s: %w; run `make temporal-pg` (temporal-pg/build.sh) to build it", opts.ServerBin, err)
	}
	if opts.Ports.UI != 0 {
		if err := localproc.CheckExecutable(opts.UIBin); err != nil {
			return nil, fmt.Errorf("temporal UI server binary %s: %w; run `make temporal-pg` (temporal-pg/build.sh) to build it", opts.UIBin, err)
		}
	}
	// The server would also refuse a missing schema, but only in a log line among many
	// after it has started; this says what to run.
	if err := CheckSchema(ctx, opts.Postgres); err != nil {
		return nil, err
	}
	if err := checkPortsFree(opts.Ports); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	env := append(os.Environ(), opts.Postgres.env()...)
	env = append(env, opts.Ports.env()...)
	env = append(env, "TEMPORAL_PG_NAMESPACE="+opts.Namespace, "TEMPORAL_PG_UI_CODEC_ENDPOINT="+opts.UICodecEndpoint)

	s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Ports.Frontend)), ns: opts.Namespace, pg: opts.Postgres}
	if opts.Ports.Metrics != 0 {
		s.metrics = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Ports.Metrics)) + "/metrics"
	}
	s.srv, err = startChild("temporal server", opts.Dir, env, opts.LogWriter, opts.ServerBin,
		"--root", opts.Dir, "--config", "config", "--env", "postgres", "--allow-no-auth", "start")
	if err != nil {
		return nil, err
	}
	if err := s.waitFrontend(ctx); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("%w\n--- last temporal server output ---\n%s", err, s.srv.tail.LastLines(tailLines))
	}
	if opts.Ports.UI != 0 {
		s.uiURL = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Ports.UI))
		s.ui, err = startChild("temporal UI server", opts.Dir, env, opts.UILogWriter, opts.UIBin,
			"--root", opts.Dir, "--config", "ui", "--env", "postgres", "start")
		if err != nil {
			_ = s.Stop()
			return nil, err
		}
		if err := waitHTTP(ctx, s.ui, s.uiURL+"/"); err != nil {
			_ = s.Stop()
			return nil, fmt.Errorf("%w\n--- last temporal UI server output ---\n%s", err, s.ui.tail.LastLines(tailLines))
		}
	}
	return s, nil
}

// Address returns the frontend's host:port.
func (s *Server) Address() string { return s.addr }

// Namespace returns the namespace Start registered.
func (s *Server) Namespace() string { return s.ns }

// Postgres returns where the server keeps its state.
func (s *Server) Postgres() Postgres { return s.pg }

// UIURL returns the Web UI's base URL, or "" when no UI was started.
func (s *Server) UIURL() string { return s.uiURL }

// MetricsURL returns the server's Prometheus endpoint, or "" when Ports.Metrics was zero.
func (s *Server) MetricsURL() string { return s.metrics }

// Done returns a channel closed when the server process has exited, to notice a crash.
func (s *Server) Done() <-chan struct{} { return s.srv.done }

// Pid returns the Temporal server process's id, for a chaos test that kills it with SIGKILL.
func (s *Server) Pid() int { return s.srv.cmd.Process.Pid }

// Output returns the last lines the server printed, for a failing test's log.
func (s *Server) Output() string { return s.srv.tail.LastLines(200) }

// Stop stops the UI server, then the Temporal server: SIGINT, then SIGKILL to the process
// group after a grace period. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.ui != nil {
			errs = append(errs, s.ui.stop())
		}
		errs = append(errs, s.srv.stop())
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// waitFrontend polls until the frontend is healthy, then registers the namespace and waits
// until calls in it are accepted (the frontend learns of a new namespace on its next cache
// refresh, a second with the repository's dynamic configuration).
func (s *Server) waitFrontend(ctx context.Context) error {
	var lastErr error
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if lastErr = s.probe(ctx); lastErr == nil {
			return nil
		}
		select {
		case <-s.srv.done:
			return fmt.Errorf("temporal server exited during start-up: %v", s.srv.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("temporal server at %s not ready: %w (last probe: %v)", s.addr, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// probe makes one readiness step: dial and health, namespace registration, a visibility call.
func (s *Server) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	quiet := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	c, err := client.DialContext(ctx, client.Options{HostPort: s.addr, Namespace: s.ns, Logger: quiet})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	nc, err := client.NewNamespaceClient(client.Options{HostPort: s.addr, Logger: quiet})
	if err != nil {
		return err
	}
	defer nc.Close()
	if _, err := nc.Describe(ctx, s.ns); err != nil {
		var nf *serviceerror.NamespaceNotFound
		if !errors.As(err, &nf) {
			return err
		}
		err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        s.ns,
			Description:                      "careflow (registered at start by internal/pgtemporal)",
			WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("register namespace %s: %w", s.ns, err)
		}
	}
	// Counting goes through the frontend's namespace cache and SQL visibility, the two
	// things a first start or signal needs.
	_, err = c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: s.ns})
	return err
}

// waitHTTP polls url until it answers, the child exits, or ctx ends.
func waitHTTP(ctx context.Context, c *child, url string) error {
	hc := &http.Client{Timeout: 3 * time.Second}
	var lastErr error
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		lastErr = err
		select {
		case <-c.done:
			return fmt.Errorf("%s exited during start-up: %v", c.name, c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("%s at %s not ready: %w (last probe: %v)", c.name, url, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// checkPortsFree fails naming the first port that cannot be bound now.
func checkPortsFree(p Ports) error {
	list := p.list()
	names := make([]string, 0, len(list))
	for n := range list {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(list[n])))
		if err != nil {
			return fmt.Errorf("temporal %s port 127.0.0.1:%d is already in use (is another Temporal server running?): %w", n, list[n], err)
		}
		_ = l.Close()
	}
	return nil
}

// child is one started process with its exit status and the tail of its output.
type child struct {
	name    string
	cmd     *exec.Cmd
	tail    *localproc.TailBuffer
	done    chan struct{} // closed once the process has exited and waitErr is set
	waitErr error
}

func startChild(name, dir string, env []string, log io.Writer, bin string, args ...string) (*child, error) {
	c := &child{name: name, tail: &localproc.TailBuffer{Max: 64 << 10}, done: make(chan struct{})}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Dir = dir
	c.cmd.Env = env
	out := io.MultiWriter(log, c.tail)
	c.cmd.Stdout, c.cmd.Stderr = out, out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{
		// A group of its own keeps a terminal Ctrl-C away, so the parent stops the engine
		// before the server it depends on.
		Setpgid: true,
		// If the parent dies without Stop, the kernel sends SIGTERM, a graceful shutdown.
		Pdeathsig: syscall.SIGTERM,
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// stop sends SIGINT, waits stopGrace, then kills the process group.
func (c *child) stop() error {
	select {
	case <-c.done:
		return nil // already gone
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("interrupt %s: %w", c.name, err)
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
	return fmt.Errorf("%s (pid %d) ignored SIGINT for %v and was killed", c.name, c.cmd.Process.Pid, stopGrace)
}
