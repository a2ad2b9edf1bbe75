package devserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helperEnv marks the re-executed test binary that plays a parent process.
const helperEnv = "DEVSERVER_TEST_PARENT_PORT"

// TestHelperParent is not a test on its own: TestKilledParentStopsServer runs
// the test binary again with helperEnv set, and this function then starts a
// server, prints its pid and waits to be killed.
func TestHelperParent(t *testing.T) {
	port, err := strconv.Atoi(os.Getenv(helperEnv))
	if err != nil {
		return // ordinary test run
	}
	banner := &bannerWatch{seen: make(chan struct{})}
	// "never" keeps the server silent after its banner: a write into the dead
	// parent's pipe would kill it by SIGPIPE and hide a missing Pdeathsig.
	s, err := Start(context.Background(), Options{
		Port: port, LogWriter: banner, ExtraArgs: []string{"--log-level", "never"},
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	<-banner.seen
	fmt.Printf("pid=%d\n", s.cmd.Process.Pid)
	select {}
}

// bannerWatch closes seen once the CLI has printed the last line of its
// start-up banner.
type bannerWatch struct {
	mu   sync.Mutex
	buf  []byte
	done bool
	seen chan struct{}
}

func (b *bannerWatch) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.buf = append(b.buf, p...)
		if bytes.Contains(b.buf, []byte("Metrics:")) {
			b.done, b.buf = true, nil
			close(b.seen)
		}
	}
	return len(p), nil
}

// TestKilledParentStopsServer checks Pdeathsig: a parent killed with SIGKILL
// (no chance to call Stop) must not leave the dev server running.
func TestKilledParentStopsServer(t *testing.T) {
	parent := exec.Command(os.Args[0], "-test.run=^TestHelperParent$", "-test.count=1")
	parent.Env = append(os.Environ(), helperEnv+"="+strconv.Itoa(freePort(t)), BinEnv+"="+binary(t))
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = parent.Process.Kill(); _ = parent.Wait() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper parent said nothing: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid=")))
	if err != nil {
		t.Fatalf("helper parent: %q", line)
	}
	t.Cleanup(func() {
		// Never leave the server behind, even when the assertion below fails.
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if !alive(pid) {
		t.Fatalf("server pid %d not running before the parent was killed", pid)
	}

	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()

	// The deadline only guards against hanging; graceful shutdown takes a second or two.
	deadline := time.Now().Add(30 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("dev server pid %d still running after its parent was killed", pid)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// alive reports whether pid exists and is not a zombie (a container's init
// may not reap orphans promptly).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Format: pid (comm) state ...; comm may hold spaces, so split after ')'.
	rest := stat[strings.LastIndexByte(string(stat), ')')+1:]
	fields := strings.Fields(string(rest))
	return len(fields) > 0 && fields[0] != "Z"
}
