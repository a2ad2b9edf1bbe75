package devserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// BinEnv names the environment variable that overrides the binary location.
const BinEnv = "TEMPORAL_BIN"

// FindBinary returns the temporal CLI to run: $TEMPORAL_BIN if set, else <repo root>/.bin/temporal.
func FindBinary() (string, error) {
	if p := os.Getenv(BinEnv); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinEnv, p, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find temporal binary: %w", err)
	}
	root, err := repoRoot(wd)
	if err != nil {
		return "", fmt.Errorf("find temporal binary: %w; set %s or run from inside the repository", err, BinEnv)
	}
	p := filepath.Join(root, ".bin", "temporal")
	if err := checkExecutable(p); err != nil {
		return "", fmt.Errorf("temporal dev server binary %s: %w; run `make temporal` (or temporal-dev/build.sh) to build it", p, err)
	}
	return p, nil
}

// repoRoot walks up from dir to the nearest directory holding go.mod. Tests
// run in their package directory and `make run` in the root, so the working
// directory alone does not locate .bin.
func repoRoot(dir string) (string, error) {
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

// checkExecutable reports whether p is a regular file with an execute bit.
func checkExecutable(p string) error {
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
