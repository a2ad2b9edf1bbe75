// Package docs checks the documentation in docs/ against the code: every served route must be
// in docs/api.md and every environment variable the engine reads in docs/configuration.md.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/tests/deploy"
)

// repoRoot is the module root, found from the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := deploy.RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readDoc(t *testing.T, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// documents reports whether one line of doc names path (not as the prefix of a longer path)
// together with method as a word.
func documents(doc, method, path string) bool {
	pathRe := regexp.MustCompile(regexp.QuoteMeta(path) + `([^A-Za-z0-9_{}/-]|$)`)
	methodRe := regexp.MustCompile(`\b` + method + `\b`)
	for _, line := range strings.Split(doc, "\n") {
		if pathRe.MatchString(line) && methodRe.MatchString(line) {
			return true
		}
	}
	return false
}

// TestDocumentsEveryRoute fails when api.Routes() serves a route that docs/api.md does not name
// (method and path on one line).
func TestDocumentsEveryRoute(t *testing.T) {
	doc := readDoc(t, repoRoot(t), "api.md")
	routes := api.Routes()
	if len(routes) == 0 {
		t.Fatal("api.Routes() is empty")
	}
	for _, rt := range routes {
		if !documents(doc, rt.Method, rt.Path) {
			t.Errorf("docs/api.md does not document %s %s", rt.Method, rt.Path)
		}
	}
}

// TestDocumentsHelperRejects keeps the route matcher able to fail: a longer path or another
// method on the line does not count.
func TestDocumentsHelperRejects(t *testing.T) {
	doc := "| `POST /v1/claims/{id}/void` | update |\n| `GET /v1/claims?status=` | list |"
	if documents(doc, "POST", "/v1/claims") {
		t.Error("a longer path counted as /v1/claims")
	}
	if documents(doc, "DELETE", "/v1/claims/{id}/void") {
		t.Error("another method counted")
	}
	if !documents(doc, "GET", "/v1/claims") || !documents(doc, "POST", "/v1/claims/{id}/void") {
		t.Error("a documented route was not found")
	}
}

// configReads finds variables internal/config reads by name (os.Getenv and its env, duration
// and days helpers), beside those the deploy scanner finds across the source.
var configReads = regexp.MustCompile(`\b(?:Getenv|LookupEnv|env|duration|days)\("([A-Z][A-Z0-9_]*)"`)

// engineVariables is every variable the engine's source reads.
func engineVariables(t *testing.T, root string) []string {
	t.Helper()
	reads, err := deploy.EngineEnvVars(root)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range reads {
		seen[r.Name] = true
	}
	files, err := filepath.Glob(filepath.Join(root, "internal", "config", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range configReads.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// TestDocumentsEveryVariable fails when the engine reads a variable docs/configuration.md does
// not name in backquotes.
func TestDocumentsEveryVariable(t *testing.T) {
	root := repoRoot(t)
	doc := readDoc(t, root, "configuration.md")
	vars := engineVariables(t, root)
	if len(vars) < 40 {
		t.Fatalf("found only %d variables; the scanners missed the source", len(vars))
	}
	for _, v := range vars {
		if !strings.Contains(doc, "`"+v+"`") {
			t.Errorf("docs/configuration.md does not document %s", v)
		}
	}
}
