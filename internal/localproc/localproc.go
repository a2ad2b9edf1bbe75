// Package localproc holds what the launchers of the project's own server processes (the
// Temporal dev server in internal/devserver, the PostgreSQL-backed server in
// internal/pgtemporal) share: finding the repository's .bin, checking a binary, and keeping
// the tail of a child's output for error messages.
package localproc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// RepoRoot walks up from dir to the nearest directory holding go.mod: tests run in their
// package directory and the make targets in the root, so the working directory alone does
// not locate .bin.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in any parent directory")
		}
		dir = parent
	}
}

// CheckExecutable reports whether p is a regular file with an execute bit.
func CheckExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("not found")
		}
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

// TailBuffer keeps the last Max bytes written to it, so a failed start can show what the
// process said without holding its whole log in memory.
type TailBuffer struct {
	// Max is how many trailing bytes are kept.
	Max int
	mu  sync.Mutex
	buf []byte
}

// Write implements io.Writer; it never fails.
func (t *TailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.Max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// LastLines returns at most n trailing lines of what was written.
func (t *TailBuffer) LastLines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bytes.TrimRight(t.buf, "\n")
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			n--
			if n == 0 {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}
