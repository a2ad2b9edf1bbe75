package devserver

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"
)

// binary returns the project-built CLI or fails: these tests must not pass
// silently on a machine that never ran `make temporal`.
func binary(t *testing.T) string {
	t.Helper()
	p, err := FindBinary()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// freePort asks the kernel for an unused loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func dial(t *testing.T, s *Server, namespace string) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort: s.Address(), Namespace: namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestStateSurvivesRestart runs the server twice on one SQLite file and checks
// that a namespace and a running workflow from the first run are still there.
func TestStateSurvivesRestart(t *testing.T) {
	ctx := t.Context()
	opts := Options{
		BinPath: binary(t),
		DBFile:  filepath.Join(t.TempDir(), "state", "temporal.db"),
		Port:    freePort(t),
		UIPort:  freePort(t),
	}

	first := startServer(t, opts)
	c := dial(t, first, "default")
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	resp, err := http.Get(first.UIURL())
	if err != nil {
		t.Fatalf("Web UI: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Web UI %s answered %s", first.UIURL(), resp.Status)
	}

	_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        "persisted",
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	if err != nil {
		t.Fatalf("RegisterNamespace: %v", err)
	}
	run := startUnserved(t, c, "devserver-test-orphan")
	c.Close()

	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-first.Done():
	default:
		t.Fatal("Done not closed after Stop returned")
	}
	if err := first.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	second := startServer(t, opts)
	c2 := dial(t, second, "default")
	if _, err := c2.WorkflowService().DescribeNamespace(ctx,
		&workflowservice.DescribeNamespaceRequest{Namespace: "persisted"}); err != nil {
		t.Fatalf("namespace lost across restart: %v", err)
	}
	requireRunning(t, c2, run, "across restart")
}

// startUnserved starts a workflow no worker serves, so that it stays Running forever.
func startUnserved(t *testing.T, c client.Client, id string) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{
		ID: id, TaskQueue: "nobody-polls-this",
	}, "NobodyServesThis")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	return run
}

// requireRunning fails unless the server behind c still has run, Running; when says after what.
func requireRunning(t *testing.T, c client.Client, run client.WorkflowRun, when string) {
	t.Helper()
	desc, err := c.DescribeWorkflowExecution(t.Context(), run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatalf("workflow lost %s: %v", when, err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("workflow status %s = %v, want Running", when, st)
	}
}

// TestFileStateSurvivesKill runs the server on a SQLite file, kills it with SIGKILL right after a
// workflow start was acknowledged, and checks that a second server on the same file still has the
// workflow. The file runs in write-ahead-log mode (WriteAheadLogArgs), whose log is what a
// killed server leaves to be replayed at the next open.
func TestFileStateSurvivesKill(t *testing.T) {
	db := filepath.Join(t.TempDir(), "temporal.db")
	opts := Options{BinPath: binary(t), DBFile: db, Port: freePort(t)}

	first := startServer(t, opts)
	if _, err := os.Stat(db + "-wal"); err != nil {
		t.Fatalf("the SQLite file is not in WAL mode: %v", err)
	}
	c := dial(t, first, "default")
	run := startUnserved(t, c, "devserver-test-killed")
	c.Close()
	if err := syscall.Kill(-first.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-first.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the killed server did not exit")
	}

	second := startServer(t, opts)
	requireRunning(t, dial(t, second, "default"), run, "with the killed server")
}

// TestInMemoryNamespaceOption checks a non-default namespace is created and
// that the UI can be disabled.
func TestInMemoryNamespaceOption(t *testing.T) {
	s := startServer(t, Options{BinPath: binary(t), Port: freePort(t), Namespace: "careflow-test"})
	if s.UIURL() != "" {
		t.Errorf("UIURL() = %q for a headless server", s.UIURL())
	}
	c := dial(t, s, "careflow-test")
	if _, err := c.WorkflowService().DescribeNamespace(t.Context(),
		&workflowservice.DescribeNamespaceRequest{Namespace: "careflow-test"}); err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
}

func TestStartFailsWhenPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = Start(t.Context(), Options{BinPath: binary(t), Port: port})
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("Start on a taken port: err = %v", err)
	}
}

func TestStartReportsEarlyExit(t *testing.T) {
	_, err := Start(t.Context(), Options{
		BinPath:   binary(t),
		Port:      freePort(t),
		ExtraArgs: []string{"--no-such-flag"},
	})
	if err == nil {
		t.Fatal("Start with a bad flag succeeded")
	}
	// The error carries the CLI's own complaint from the log tail.
	if !strings.Contains(err.Error(), "exited during start-up") || !strings.Contains(err.Error(), "no-such-flag") {
		t.Fatalf("Start error lacks the exit and the log tail: %v", err)

	}
}

func TestStartMissingBinary(t *testing.T) {
	_, err := Start(t.Context(), Options{BinPath: filepath.Join(t.TempDir(), "temporal"), Port: freePort(t)})
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("Start with a missing binary: err = %v", err)
	}
}
