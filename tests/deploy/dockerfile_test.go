package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dockerfile is what the checks need from the Dockerfile's final stage.
type dockerfile struct {
	stages     [][]string // instructions per stage, continuation lines joined
	entrypoint string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	var cur string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || (line == "" && cur == "") {
			continue
		}
		if c, ok := strings.CutSuffix(line, "\\"); ok {
			cur += c + " "
			continue
		}
		ins := strings.TrimSpace(cur + line)
		cur = ""
		if ins == "" {
			continue
		}
		if strings.EqualFold(strings.Fields(ins)[0], "FROM") {
			d.stages = append(d.stages, nil)
		}
		if len(d.stages) == 0 {
			t.Fatalf("Dockerfile: %q before FROM", ins)
		}
		d.stages[len(d.stages)-1] = append(d.stages[len(d.stages)-1], ins)
	}
	if len(d.stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a builder and a final stage", len(d.stages))
	}
	for _, ins := range d.stages[len(d.stages)-1] {
		if rest, ok := cutKeyword(ins, "ENTRYPOINT"); ok {
			var argv []string
			if err := json.Unmarshal([]byte(rest), &argv); err != nil || len(argv) == 0 {
				t.Fatalf("Dockerfile ENTRYPOINT %q must be exec form (no shell in the image)", rest)
			}
			d.entrypoint = argv[0]
		}
	}
	return d
}

func cutKeyword(ins, kw string) (string, bool) {
	f := strings.Fields(ins)
	if len(f) == 0 || !strings.EqualFold(f[0], kw) {
		return "", false
	}
	return strings.TrimSpace(ins[len(f[0]):]), true
}

func TestDockerfileFinalStage(t *testing.T) {
	d := readDockerfile(t)
	final := d.stages[len(d.stages)-1]
	from, _ := cutKeyword(final[0], "FROM")
	base := strings.Fields(from)[0]
	if base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s: want scratch or distroless/static (no shell)", base)
	}
	user := ""
	for _, ins := range final {
		if _, ok := cutKeyword(ins, "RUN"); ok {
			t.Errorf("final stage runs %q: there is no shell in it", ins)
		}
		if u, ok := cutKeyword(ins, "USER"); ok {
			user = u
		}
	}
	name, _, _ := strings.Cut(user, ":")
	if user == "" || name == "root" || name == "0" {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
	if d.entrypoint == "" {
		t.Error("final stage has no ENTRYPOINT")
	}

	build := strings.Join(d.stages[0], "\n")
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/careflow"} {
		if !strings.Contains(build, want) {
			t.Errorf("builder stage lacks %q", want)
		}
	}
}
