package baseline_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	workflowsPkgs = "github.com/careflow/engine/workflows/..."
	baselinePkg   = "github.com/careflow/engine/workflows/internal/baseline"
	sdkWorkflow   = "go.temporal.io/sdk/workflow"
)

// covered is one Baseline literal found in the workflow packages.
type covered struct {
	pos    string
	id     string
	covers map[string]int64
}

// asking is one call that asks a change: Run.Version or workflow.GetVersion.
type asking struct {
	pos      string
	id       string
	min, max int64
}

// TestCoveredChangesAreNeverBumped is the tripwire for the baseline rule: a change a Baseline
// covers keeps the version the baseline froze. Bumping its maxSupported afterwards would
// compile, replay and pass every test, while runs under the baseline silently went on taking
// the frozen version and never the new behaviour. A change id is one string wherever it is
// asked, so the rule holds for workflow.GetVersion calls too (the claims' results poller asks a
// change the claim's baseline covers). A Covers key naming no change the code asks fails too.
// The check reads every workflow package's source with its types, so it sees every call site,
// not only those a test happens to reach.
func TestCoveredChangesAreNeverBumped(t *testing.T) {
	baselines, askings := scanWorkflows(t, workflowsPkgs)
	// The scan must have found what is there, or the checks below would pass on nothing.
	require.GreaterOrEqual(t, len(baselines), 7, "Baseline literals found")
	require.GreaterOrEqual(t, len(askings), 20, "calls asking a change found")
	t.Logf("%d baselines, %d calls asking a change", len(baselines), len(askings))
	for _, p := range problems(baselines, askings) {
		t.Error(p)
	}
}

// TestProblemsNameEachBreak checks the rule itself on made-up call sites, one break each.
func TestProblemsNameEachBreak(t *testing.T) {
	b := []covered{{pos: "p/b.go:1", id: "p-baseline", covers: map[string]int64{"a": 1, "b": 2, "stale": 1}}}
	got := problems(b, []asking{
		{pos: "p/w.go:1", id: "a", min: 0, max: 1},  // as frozen
		{pos: "p/w.go:2", id: "b", min: -1, max: 3}, // bumped after the baseline
		{pos: "p/w.go:3", id: "a", min: -1, max: 2}, // another workflow's own ask, bumped
		{pos: "p/w.go:4", id: "b", min: 3, max: 2},  // dropped the frozen version
		{pos: "p/w.go:5", id: "free", min: -1, max: 4},
	})
	require.Len(t, got, 4, "%q", got)
	require.Contains(t, got[0], `p/b.go:1: p-baseline covers "stale"`)
	require.Contains(t, got[1], `p/w.go:2: change "b" asks versions up to 3, but p-baseline (p/b.go:1) froze it at 2`)
	require.Contains(t, got[2], `p/w.go:3: change "a" asks versions up to 2, but p-baseline (p/b.go:1) froze it at 1`)
	require.Contains(t, got[3], `p/w.go:4: change "b" no longer supports version 2`)
}

// problems lists every way the calls break the baselines' covers.
func problems(baselines []covered, askings []asking) []string {
	var out []string
	asked := map[string]bool{}
	for _, a := range askings {
		asked[a.id] = true
		for _, b := range baselines {
			frozen, ok := b.covers[a.id]
			switch {
			case !ok:
			case a.max != frozen:
				out = append(out, fmt.Sprintf("%s: change %q asks versions up to %d, but %s (%s) froze it at %d: "+
					"a covered change is never bumped; give the new behaviour a change id of its own "+
					"(README, Changing a workflow, step 5)", a.pos, a.id, a.max, b.id, b.pos, frozen))
			case a.min > frozen:
				out = append(out, fmt.Sprintf("%s: change %q no longer supports version %d, which %s (%s) froze: "+
					"runs under that baseline would fail", a.pos, a.id, frozen, b.id, b.pos))
			}
		}
	}
	for _, b := range baselines {
		for id := range b.covers {
			if !asked[id] {
				out = append(out, fmt.Sprintf("%s: %s covers %q, which no workflow code asks", b.pos, b.id, id))
			}
		}
	}
	sort.Strings(out)
	return out
}

// scanWorkflows type-checks the packages pattern names (their dependencies from the compiler's
// export data) and collects their Baseline literals and the calls that ask a change.
func scanWorkflows(t *testing.T, pattern string) ([]covered, []asking) {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-json=ImportPath,Export,Dir,GoFiles,DepOnly", pattern)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list")
	exports := map[string]string{}
	var targets []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		exports[p.ImportPath] = p.Export
		// The baseline package's own calls are the mechanism, asked with whatever ids it is given.
		if !p.DepOnly && p.ImportPath != baselinePkg {
			targets = append(targets, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var baselines []covered
	var askings []asking
	for _, p := range targets {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			require.NoError(t, err)
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{},
			Selections: map[*ast.SelectorExpr]*types.Selection{}}
		_, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info)
		require.NoError(t, err, "type-checking %s", p.ImportPath)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					if isNamed(info.Types[n].Type, baselinePkg, "Baseline") {
						baselines = append(baselines, baselineOf(t, fset, info, n))
					}
				case *ast.CallExpr:
					if a, ok := askingOf(t, fset, info, n); ok {
						askings = append(askings, a)
					}
				}
				return true
			})
		}
	}
	return baselines, askings
}

// listed is the part of `go list -json` the scan reads.
type listed struct {
	ImportPath, Export, Dir string
	GoFiles                 []string
	DepOnly                 bool
}

// baselineOf reads a Baseline literal: its ID and every Covers entry, all constants.
func baselineOf(t *testing.T, fset *token.FileSet, info *types.Info, lit *ast.CompositeLit) covered {
	b := covered{pos: short(fset, lit.Pos()), covers: map[string]int64{}}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		require.True(t, ok, "%s: Baseline literal without field names", b.pos)
		switch kv.Key.(*ast.Ident).Name {
		case "ID":
			b.id = constString(t, fset, info, kv.Value)
		case "Covers":
			m, ok := kv.Value.(*ast.CompositeLit)
			require.True(t, ok, "%s: Covers must be a map literal the check can read", b.pos)
			for _, c := range m.Elts {
				ckv := c.(*ast.KeyValueExpr)
				b.covers[constString(t, fset, info, ckv.Key)] = constInt(t, fset, info, ckv.Value)
			}
		}
	}
	require.NotEmpty(t, b.id, "%s: Baseline without ID", b.pos)
	return b
}

// askingOf recognises Run.Version(ctx, id, min, max) and workflow.GetVersion(ctx, id, min, max).
func askingOf(t *testing.T, fset *token.FileSet, info *types.Info, call *ast.CallExpr) (asking, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return asking{}, false
	}
	s := info.Selections[sel]
	viaRun := s != nil && s.Kind() == types.MethodVal && sel.Sel.Name == "Version" && isNamed(s.Recv(), baselinePkg, "Run")
	fn, _ := info.Uses[sel.Sel].(*types.Func)
	viaSDK := fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == sdkWorkflow && fn.Name() == "GetVersion"
	if !viaRun && !viaSDK {
		return asking{}, false
	}
	a := asking{pos: short(fset, call.Pos())}
	require.Len(t, call.Args, 4, "%s: a change asked with other arguments than (ctx, id, min, max)", a.pos)
	a.id = constString(t, fset, info, call.Args[1])
	a.min = constInt(t, fset, info, call.Args[2])
	a.max = constInt(t, fset, info, call.Args[3])
	return a, true
}

func constString(t *testing.T, fset *token.FileSet, info *types.Info, e ast.Expr) string {
	v := info.Types[e].Value
	require.True(t, v != nil && v.Kind() == constant.String,
		"%s: a change id must be a string constant, so this check can read it", short(fset, e.Pos()))
	return constant.StringVal(v)
}

func constInt(t *testing.T, fset *token.FileSet, info *types.Info, e ast.Expr) int64 {
	v := info.Types[e].Value
	require.True(t, v != nil && v.Kind() == constant.Int,
		"%s: a version must be an integer constant, so this check can read it", short(fset, e.Pos()))
	n, ok := constant.Int64Val(v)
	require.True(t, ok)
	return n
}

// isNamed reports whether typ (or what it points to) is the named type pkg.name.
func isNamed(typ types.Type, pkg, name string) bool {
	if p, ok := typ.(*types.Pointer); ok {
		typ = p.Elem()
	}
	n, ok := typ.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// short names a position by the file's last two path elements and its line.
func short(fset *token.FileSet, p token.Pos) string {
	pos := fset.Position(p)
	return fmt.Sprintf("%s/%s:%d", filepath.Base(filepath.Dir(pos.Filename)), filepath.Base(pos.Filename), pos.Line)
}
