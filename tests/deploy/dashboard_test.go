package deploy

import (
	"bufio"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/internal/metrics"
)

// sdkMetricKinds reads the Temporal SDK's own source in the module cache: the metric-name
// constants of internal/common/metrics and, from the SDK's calls such as
// handler.Counter(metrics.WorkflowCompletedCounter), which kind each name is emitted as.
func sdkMetricKinds(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("locating the Temporal SDK: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(dir, "internal/common/metrics/constants.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	var eval func(ast.Expr) (string, bool)
	eval = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.Ident:
			s, ok := consts[e.Name]
			return s, ok
		case *ast.BinaryExpr:
			a, ok1 := eval(e.X)
			b, ok2 := eval(e.Y)
			return a + b, ok1 && ok2 && e.Op == token.ADD
		}
		return "", false
	}
	for _, decl := range f.Decls {
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if s, ok := eval(vs.Values[i]); ok {
							consts[n.Name] = s
						}
					}
				}
			}
		}
	}
	kinds := map[string]string{}
	err = filepath.WalkDir(filepath.Join(dir, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(src, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			method, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (method.Sel.Name != "Counter" && method.Sel.Name != "Timer" && method.Sel.Name != "Gauge") {
				return true
			}
			if arg, ok := call.Args[0].(*ast.SelectorExpr); ok {
				if pkg, ok := arg.X.(*ast.Ident); ok && pkg.Name == "metrics" {
					if name, ok := consts[arg.Sel.Name]; ok {
						kinds[name] = method.Sel.Name
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if kinds["temporal_workflow_completed"] != "Counter" || kinds["temporal_activity_execution_latency"] != "Timer" {
		t.Fatalf("SDK source scan lost the workflow/activity metrics: %v", kinds)
	}
	return kinds
}

// exportedMetricNames starts the engine's registry with every metric family it serves (the
// HTTP middleware, the MLLP counters and the Temporal SDK adapter the stack wires in), makes
// each emit, and returns the series names scraped from the /metrics handler.
func exportedMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	reg := metrics.NewRegistry()
	mllp := metrics.NewMLLP(reg)
	mllp.Refused("sender-not-allowed")
	mllp.Warned("fs-without-cr")
	mllp.Acked("AA")
	metrics.NewActivities(reg).Observe("CapturePayment", time.Millisecond, nil)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/payments/{id}", func(http.ResponseWriter, *http.Request) {})
	mux.Handle("GET /metrics", metrics.Handler(reg))
	srv := httptest.NewServer(metrics.HTTPMiddleware(reg, mux, nil))
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/v1/payments/pay-1"); err == nil {
		resp.Body.Close()
	}

	// The stack passes prefix "" (internal/stack), so SDK names are exported as the SDK names them.
	h := metrics.NewTemporalHandler(reg, "").WithTags(map[string]string{
		"namespace": "default", "task_queue": "payments", "workflow_type": "Payment",
		"activity_type": "CreatePaymentIntent", "worker_type": "ActivityWorker",
	})
	for name, kind := range sdkMetricKinds(t) {
		switch kind {
		case "Counter":
			h.Counter(name).Inc(1)
		case "Gauge":
			h.Gauge(name).Update(1)
		case "Timer":
			h.Timer(name).Record(time.Second)
		}
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(io.Reader(resp.Body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		names[name] = true
	}
	return names
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promRanges   = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(?`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// promMetricNames returns the metric names a PromQL expression selects: identifiers that are not
// functions, keywords, label names, strings, ranges or Grafana variables.
func promMetricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = promMatchers.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	e = regexp.MustCompile(`\$\{?\w+\}?`).ReplaceAllString(e, " ")
	var names []string
	for _, m := range promIdent.FindAllString(e, -1) {
		if strings.HasSuffix(m, "(") {
			continue // a function or aggregation
		}
		m = strings.TrimSpace(m)
		if !promKeywords[strings.ToLower(m)] && !slices.Contains(names, m) {
			names = append(names, m)
		}
	}
	return names
}

// dashboardQueries returns every PromQL expression of the dashboard (panel targets and
// templating queries) with where it is.
func dashboardQueries(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query struct {
					Query string `json:"query"`
				} `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	q := map[string]string{}
	for _, p := range d.Panels {
		for i, tg := range p.Targets {
			q[p.Title+" #"+strconv.Itoa(i)] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		if m := regexp.MustCompile(`label_values\(([^,)]+)`).FindStringSubmatch(v.Query.Query); m != nil {
			q["variable "+v.Name] = m[1]
		}
	}
	return q
}

func unknownMetrics(queries map[string]string, exported map[string]bool) []string {
	var bad []string
	for where, expr := range queries {
		for _, n := range promMetricNames(expr) {
			if !exported[n] {
				bad = append(bad, where+": "+n)
			}
		}
	}
	slices.Sort(bad)
	return bad
}

func TestDashboardNamesOnlyExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy/grafana/careflow.json"))
	if err != nil {
		t.Fatal(err)
	}
	queries := dashboardQueries(t, raw)
	if len(queries) < 10 {
		t.Fatalf("dashboard has only %d queries", len(queries))
	}
	exported := exportedMetricNames(t)
	for _, bad := range unknownMetrics(queries, exported) {
		t.Errorf("dashboard query names a metric the engine does not export: %s", bad)
	}
	// The panels the operators need are there.
	all := strings.Join(slices.Collect(func(yield func(string) bool) {
		for _, q := range queries {
			if !yield(q) {
				return
			}
		}
	}), "\n")
	for _, want := range []string{"careflow_http_requests_total", "careflow_http_request_duration_seconds_bucket", "careflow_mllp_refusals_total", "temporal_workflow_completed", "temporal_activity_execution_latency_bucket", "temporal_activity_execution_failed"} {
		if !strings.Contains(all, want) {
			t.Errorf("dashboard has no panel on %s", want)
		}
	}
}

// TestDashboardCheckCatchesUnknownMetric proves the check can fail: a misspelt metric and an SDK
// counter named with the _total suffix it does not have are both reported.
func TestDashboardCheckCatchesUnknownMetric(t *testing.T) {
	exported := exportedMetricNames(t)
	queries := map[string]string{
		"typo":   `sum by (reason) (rate(careflow_mllp_refusal_total{job=~"$job"}[$__rate_interval]))`,
		"suffix": `sum(rate(temporal_workflow_completed_total[5m])) / on(job) group_left sum(rate(temporal_workflow_failed[5m]))`,
		"good":   `histogram_quantile(0.99, sum by (route, le) (rate(careflow_http_request_duration_seconds_bucket{code=~"5.."}[5m])))`,
	}
	got := unknownMetrics(queries, exported)
	want := []string{"suffix: temporal_workflow_completed_total", "typo: careflow_mllp_refusal_total"}
	if !slices.Equal(got, want) {
		t.Errorf("unknown metrics = %q, want %q", got, want)
	}
}
