package testenv_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/internal/devserver"
	"github.com/careflow/engine/internal/testenv"
)

const (
	taskQueue  = "testenv-counter"
	addUpdate  = "add"
	doneSignal = "done"
)

// Counter is a tiny entity workflow: an "add" update with a validator, and a
// "done" signal that ends it with the total.
func Counter(ctx workflow.Context, start int) (int, error) {
	total := start
	err := workflow.SetUpdateHandlerWithOptions(ctx, addUpdate,
		func(ctx workflow.Context, n int) (int, error) {
			total += n
			return total, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, n int) error {
			if n <= 0 {
				return errors.New("n must be positive")
			}
			return nil
		}})
	if err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, doneSignal).Receive(ctx, nil)
	return total, workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func startWorker(t *testing.T, c client.Client) {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(Counter, workflow.RegisterOptions{Name: "Counter"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// TestUpdatesAgainstDevServer proves the server accepts workflow updates,
// validator rejections and update-with-start without extra dynamic config.
func TestUpdatesAgainstDevServer(t *testing.T) {
	ctx := t.Context()
	_, c := testenv.StartTemporal(t, client.Options{})
	startWorker(t, c)

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "counter-1", TaskQueue: taskQueue}, "Counter", 1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: run.GetID(), UpdateName: addUpdate, Args: []any{2},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatalf("UpdateWorkflow: %v", err)
	}
	var got int
	if err := h.Get(ctx, &got); err != nil || got != 3 {
		t.Fatalf("update result = %d, %v; want 3", got, err)
	}

	h, err = c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: run.GetID(), UpdateName: addUpdate, Args: []any{-5},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "n must be positive") {
		t.Fatalf("rejected update: err = %v", err)
	}

	// Update-with-start on a new ID starts the workflow and applies the update.
	op := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: "counter-2", TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, "Counter", 10)
	for i, want := range []int{15, 20} { // the second call reuses the running workflow
		h, err = c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: op,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateName: addUpdate, Args: []any{5}, WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err != nil {
			t.Fatalf("UpdateWithStartWorkflow #%d: %v", i+1, err)
		}
		if err := h.Get(ctx, &got); err != nil || got != want {
			t.Fatalf("update-with-start #%d result = %d, %v; want %d", i+1, got, err, want)
		}
		// An operation is single-use; a fresh one targets the same workflow ID.
		op = c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID: "counter-2", TaskQueue: taskQueue,
			WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, "Counter", 10)
	}

	for _, id := range []string{"counter-1", "counter-2"} {
		if err := c.SignalWorkflow(ctx, id, "", doneSignal, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Get(ctx, &got); err != nil || got != 3 {
		t.Fatalf("counter-1 result = %d, %v; want 3", got, err)
	}
	if err := c.GetWorkflow(ctx, "counter-2", "").Get(ctx, &got); err != nil || got != 20 {
		t.Fatalf("counter-2 result = %d, %v; want 20", got, err)
	}
}

// TestStartTemporalWithOptions checks that namespace, search attributes and
// extra server arguments reach the server.
func TestStartTemporalWithOptions(t *testing.T) {
	ctx := t.Context()
	key := temporal.NewSearchAttributeKeyKeyword("CareflowBusinessKey")
	srv, c := testenv.StartTemporalWith(t, testenv.Options{
		Client:           client.Options{Namespace: "careflow"},
		SearchAttributes: temporal.NewSearchAttributes(key.ValueSet("x")),
		ExtraArgs:        []string{"--namespace", "second"},
	})
	if srv.FrontendHostPort() == "" {
		t.Fatal("empty FrontendHostPort")
	}
	for _, ns := range []string{"careflow", "second"} {
		if _, err := c.WorkflowService().DescribeNamespace(ctx,
			&workflowservice.DescribeNamespaceRequest{Namespace: ns}); err != nil {
			t.Errorf("namespace %q: %v", ns, err)
		}
	}
	sa, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: "careflow"})
	if err != nil {
		t.Fatal(err)
	}
	if typ := sa.GetCustomAttributes()[key.GetName()]; typ != enums.INDEXED_VALUE_TYPE_KEYWORD {
		t.Errorf("search attribute %s type = %v, want Keyword", key.GetName(), typ)
	}
}

// fatalTB records Fatalf instead of failing the real test.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	// Like testing.T, stop the calling goroutine.
	runtime.Goexit()
}

func TestMissingBinaryFailsLoudly(t *testing.T) {
	t.Setenv(devserver.BinEnv, filepath.Join(t.TempDir(), "temporal"))
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		testenv.StartTemporal(f, client.Options{})
		t.Error("StartTemporal returned although the binary is missing")
	}()
	<-done
	if !strings.Contains(f.msg, "make temporal") {
		t.Fatalf("Fatalf message %q lacks the make temporal hint", f.msg)
	}
}
