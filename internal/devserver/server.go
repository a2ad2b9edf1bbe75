// Package devserver runs the project-built Temporal CLI dev server (frontend,
// SQLite persistence and Web UI) as a child process for `make run`.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/careflow/engine/internal/localproc"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

const (
	// startTimeout caps the wait for a healthy frontend; a cold SQLite file
	// takes a few seconds, so a minute only trips on a real hang.
	startTimeout = time.Minute
	// stopGrace is how long Stop waits after SIGINT before it kills.
	stopGrace = 10 * time.Second
	// tailLines is how much server output a start-up error carries.
	tailLines = 30
)

// Server is a running dev server child process.
type Server struct {
	cmd     *exec.Cmd
	addr    string
	uiURL   string
	metrics string
	tail    *localproc.TailBuffer
	done    chan struct{} // closed once the process has exited and waitErr is set
	waitErr error

	stopOnce sync.Once
	stopErr  error
}

// Start launches the dev server and returns once its frontend answers health
// checks and opts.Namespace exists. ctx bounds only the start-up wait; the
// server runs until Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if opts.BinPath == "" {
		p, err := FindBinary()
		if err != nil {
			return nil, err
		}
		opts.BinPath = p
	}
	if err := localproc.CheckExecutable(opts.BinPath); err != nil {
		return nil, fmt.Errorf("temporal binary %s: %w", opts.BinPath, err)
	}
	// Checking ports here gives a plain error instead of a log tail; the CLI
	// repeats the check, which covers the short race after this one.
	if err := checkPortFree(opts.Host, opts.Port); err != nil {
		return nil, fmt.Errorf("frontend port: %w", err)
	}
	if opts.UIPort != 0 {
		if err := checkPortFree(opts.Host, opts.UIPort); err != nil {
			return nil, fmt.Errorf("web UI port: %w", err)
		}
	}
	if opts.MetricsPort != 0 {
		if err := checkPortFree(opts.Host, opts.MetricsPort); err != nil {
			return nil, fmt.Errorf("metrics port: %w", err)
		}
	}
	if opts.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(opts.DBFile), 0o755); err != nil {
			return nil, fmt.Errorf("temporal db directory: %w", err)
		}
	}

	s := &Server{
		addr:    opts.address(),
		uiURL:   opts.uiURL(),
		metrics: opts.metricsURL(),
		tail:    &localproc.TailBuffer{Max: 64 << 10},
		done:    make(chan struct{}),
	}
	out := io.MultiWriter(opts.LogWriter, s.tail)
	s.cmd = exec.Command(opts.BinPath, opts.args()...)
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{
		// A group of its own keeps a terminal Ctrl-C away from the server, so
		// the parent decides the shutdown order (workers first, server last).
		Setpgid: true,
		// If the parent dies without calling Stop, the kernel sends SIGTERM,
		// which the CLI handles as a graceful shutdown. The signal is tied to
		// the OS thread that forked; Go only retires threads that exit while
		// locked, so this holds in practice.
		Pdeathsig: syscall.SIGTERM,
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := s.waitReady(ctx, opts.Namespace); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("%w\n--- last dev server output ---\n%s", err, s.tail.LastLines(tailLines))
	}
	return s, nil
}

// waitReady polls the frontend until it is healthy and namespace is described,
// the process exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context, namespace string) error {
	var lastErr error
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if lastErr = s.probe(ctx, namespace); lastErr == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("temporal dev server exited during start-up: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("temporal dev server at %s not ready: %w (last probe: %v)", s.addr, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// probe makes one readiness check: dial, gRPC health, then the namespace.
func (s *Server) probe(ctx context.Context, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.addr,
		Namespace: namespace,
		// Refused connections are expected while the server boots.
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	return err
}

// Address returns the frontend host:port.
func (s *Server) Address() string { return s.addr }

// UIURL returns the Web UI base URL (http://host:port), or "" when the UI is disabled.
func (s *Server) UIURL() string { return s.uiURL }

// MetricsURL returns the Prometheus endpoint (http://host:port/metrics), or "" when
// Options.MetricsPort was zero.
func (s *Server) MetricsURL() string { return s.metrics }

// Done returns a channel closed when the server process has exited, for
// callers that want to notice a crash.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop sends SIGINT, waits up to 10s for a graceful exit, then kills the
// process group. It is safe to call more than once; later calls return the
// first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	select {
	case <-s.done:
		return nil // already gone; Done tells the caller it crashed
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("interrupt temporal dev server: %w", err)
	}
	select {
	case <-s.done:
		return nil
	case <-time.After(stopGrace):
	}
	// Negative pid: the whole group, in case the server left helpers behind.
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	return fmt.Errorf("temporal dev server (pid %d) ignored SIGINT for %v and was killed", s.cmd.Process.Pid, stopGrace)
}

// checkPortFree fails when host:port cannot be bound right now.
func checkPortFree(host string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		return fmt.Errorf("%s:%d is already in use (is another Temporal server running?): %w", host, port, err)
	}
	return l.Close()
}
