package devserver

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/careflow/engine/internal/localproc"
)

// BinEnv names the environment variable that overrides the binary location.
const BinEnv = "TEMPORAL_BIN"

// FindBinary returns the temporal CLI to run: $TEMPORAL_BIN if set, else <repo root>/.bin/temporal.
func FindBinary() (string, error) {
	if p := os.Getenv(BinEnv); p != "" {
		if err := localproc.CheckExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinEnv, p, err)
		}
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find temporal binary: %w", err)
	}
	root, err := localproc.RepoRoot(wd)
	if err != nil {
		return "", fmt.Errorf("find temporal binary: %w; set %s or run from inside the repository", err, BinEnv)
	}
	p := filepath.Join(root, ".bin", "temporal")
	if err := localproc.CheckExecutable(p); err != nil {
		return "", fmt.Errorf("temporal dev server binary %s: %w; run `make temporal` (or temporal-dev/build.sh) to build it", p, err)
	}
	return p, nil
}
