package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/localproc"
	"github.com/careflow/engine/tests/replay"
)

// The crash tests run the engine's worker as a separate OS process, so they can SIGKILL or
// SIGTERM it for real; the binary is built once per test run.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the binary the crash tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// careflowBinary builds cmd/careflow once and returns its path.
func careflowBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "careflow-e2e-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "careflow")
		var out []byte
		out, binErr = exec.Command("go", "build", "-o", binPath, "github.com/careflow/engine/cmd/careflow").CombinedOutput()
		if binErr != nil {
			binErr = &buildError{err: binErr, out: string(out)}
		}
	})
	require.NoError(t, binErr)
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// workerProc is a `careflow worker` process a test started.
type workerProc struct {
	cmd  *exec.Cmd
	logs *localproc.TailBuffer
	// done is closed once the process has exited and been waited for.
	done chan struct{}
}

// startWorkerProcess starts `careflow worker` against the Temporal server at temporalAddr with
// every vendor unset (so the role's start-up validation decides, as in production) and the
// test's own variables in env, which win over these defaults. The kernel kills it if the test
// process dies, and the test's cleanup kills it if it still runs.
func startWorkerProcess(t *testing.T, temporalAddr string, env ...string) *workerProc {
	t.Helper()
	cmd := exec.Command(careflowBinary(t), "worker")
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+temporalAddr, "TEMPORAL_NAMESPACE=default", "PAYLOAD_KEYS="+replay.PayloadKeys,
		"DATA_DIR="+t.TempDir(), "DATABASE_URL=", "API_ADDR=127.0.0.1:0", "MLLP_ADDR=127.0.0.1:0", "API_TOKENS=",
		"STRIPE_BASE_URL=", "STRIPE_SECRET_KEY=", "STRIPE_WEBHOOK_SECRET=", "FHIR_BASE_URL=", "FHIR_WEBHOOK_SECRET=",
		"CLEARINGHOUSE_BASE_URL=", "TWILIO_BASE_URL=", "LIS_MLLP_ADDR=", "PUBLIC_URL=", "WORKER_METRICS_ADDR=",
		"TEMPORAL_TLS_CERT_FILE=", "TEMPORAL_TLS_KEY_FILE=", "TEMPORAL_TLS_CA_FILE=", "TEMPORAL_TLS_SERVER_NAME=", "TEMPORAL_API_KEY=",
		"PHARMACY_BASE_URL=", "PHARMACY_TLS_CERT_FILE=", "PHARMACY_TLS_KEY_FILE=", "PHARMACY_TLS_CA_FILE=",
		"PMS_BASE_URL=", "SMTP_ADDR=", "SMTP_USERNAME=", "SMTP_PASSWORD=", "SMTP_FROM=")
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	w := &workerProc{cmd: cmd, logs: &localproc.TailBuffer{Max: 64 << 10}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w.logs, w.logs
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// output is the end of what the worker printed, for failure messages.
func (w *workerProc) output() string { return w.logs.LastLines(200) }
