// Package deploy checks the deployment files (docker-compose.yml, Dockerfile, the Grafana
// dashboard) against the engine's source, without a container engine.
package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// EnvRead is one environment variable the engine's source reads, with where.
type EnvRead struct {
	Name string
	Pos  string
}

// EngineEnvVars walks every non-test Go file under root (skipping tests/ and hidden folders) and
// returns the variables read through os.Getenv, os.LookupEnv, or a package-level helper that
// passes one of its parameters to them (config's env/duration helpers), by string literal or
// package-level string constant.
func EngineEnvVars(root string) ([]EnvRead, error) {
	byDir := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || rel == "tests" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		byDir[filepath.Dir(path)] = append(byDir[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []EnvRead
	for _, files := range byDir {
		for _, r := range packageEnvReads(fset, root, files) {
			if !seen[r.Name] {
				seen[r.Name] = true
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// packageEnvReads finds the variables one package reads.
func packageEnvReads(fset *token.FileSet, root string, files []*ast.File) []EnvRead {
	consts := map[string]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	// helpers maps a package-level function to the index of the parameter it reads as a
	// variable name; grown until no new helper appears (helpers calling helpers).
	helpers := map[string]int{}
	isRead := func(call *ast.CallExpr) (int, bool) {
		switch fn := call.Fun.(type) {
		case *ast.SelectorExpr:
			if x, ok := fn.X.(*ast.Ident); ok && x.Name == "os" && (fn.Sel.Name == "Getenv" || fn.Sel.Name == "LookupEnv") {
				return 0, true
			}
		case *ast.Ident:
			if i, ok := helpers[fn.Name]; ok {
				return i, true
			}
		}
		return 0, false
	}
	for changed := true; changed; {
		changed = false
		for _, f := range files {
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Recv != nil || fd.Body == nil {
					continue
				}
				if _, done := helpers[fd.Name.Name]; done {
					continue
				}
				params := map[string]int{}
				idx := 0
				for _, field := range fd.Type.Params.List {
					for _, n := range field.Names {
						params[n.Name] = idx
						idx++
					}
					if len(field.Names) == 0 {
						idx++
					}
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					if i, ok := isRead(call); ok && i < len(call.Args) {
						if id, ok := call.Args[i].(*ast.Ident); ok {
							if p, ok := params[id.Name]; ok {
								helpers[fd.Name.Name] = p
								changed = true
							}
						}
					}
					return true
				})
			}
		}
	}
	var out []EnvRead
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			i, ok := isRead(call)
			if !ok || i >= len(call.Args) {
				return true
			}
			name := ""
			switch a := call.Args[i].(type) {
			case *ast.BasicLit:
				if a.Kind == token.STRING {
					name, _ = strconv.Unquote(a.Value)
				}
			case *ast.Ident:
				name = consts[a.Name]
			}
			if name != "" {
				p := fset.Position(call.Pos())
				rel, _ := filepath.Rel(root, p.Filename)
				out = append(out, EnvRead{Name: name, Pos: rel + ":" + strconv.Itoa(p.Line)})
			}
			return true
		})
	}
	return out
}

// RepoRoot returns the module root above dir.
func RepoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", os.ErrNotExist
		}
	}
}
