package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// notDeployed are variables the source reads that the deployed roles do not: each with why.
var notDeployed = map[string]string{
	"CAREFLOW_TOKEN": "the load generator's client token (cmd/careflow loadgen), not a server setting",
	"TEMPORAL_BIN":   "the dev server binary that only `careflow run` starts",
}

// engineRoles are the services running the engine image; they must see every variable.
var engineRoles = []string{"api", "worker"}

// composeRequired are the variables the compose file requires (${VAR:?...}) beyond the engine's.
var composeRequired = []string{"POSTGRES_PASSWORD"}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func deployedVars(t *testing.T) []string {
	t.Helper()
	reads, err := EngineEnvVars(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, r := range reads {
		if _, skip := notDeployed[r.Name]; !skip {
			vars = append(vars, r.Name)
		}
	}
	// Guard the derivation itself: if the parser stopped seeing config's helpers the check
	// below would pass vacuously.
	for _, must := range []string{"TEMPORAL_ADDRESS", "PAYLOAD_KEYS", "LAB_ACK_TIMEOUT", "MLLP_MAX_CONNS"} {
		if !slices.Contains(vars, must) {
			t.Fatalf("source scan lost %s (found %v)", must, vars)
		}
	}
	return vars
}

func sentinel(name string) string { return "sentinel-" + strings.ToLower(name) }

// loadCompose loads path with the compose-spec loader (schema validation, interpolation,
// normalization, consistency check, resolved paths and environments) under env only.
func loadCompose(path string, env map[string]string) (*types.Project, error) {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithEnv(list),
		cli.WithDiscardEnvFile,
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// passThroughProblems loads path with every variable set to a sentinel and reports each
// variable that does not reach an engine role's environment unchanged.
func passThroughProblems(path string, vars []string) ([]string, error) {
	env := map[string]string{}
	for _, v := range append(slices.Clone(vars), composeRequired...) {
		env[v] = sentinel(v)
	}
	p, err := loadCompose(path, env)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, role := range engineRoles {
		svc, err := p.GetService(role)
		if err != nil {
			problems = append(problems, fmt.Sprintf("service %s is missing", role))
			continue
		}
		for _, v := range vars {
			got, ok := svc.Environment[v]
			switch {
			case !ok || got == nil:
				problems = append(problems, fmt.Sprintf("service %s does not pass %s", role, v))
			case *got != sentinel(v):
				problems = append(problems, fmt.Sprintf("service %s sets %s=%q instead of passing ${%s} through", role, v, *got, v))
			}
		}
	}
	return problems, nil
}

func TestComposePassesEveryEngineVariable(t *testing.T) {
	vars := deployedVars(t)
	problems, err := passThroughProblems(filepath.Join(repoRoot(t), "docker-compose.yml"), vars)
	if err != nil {
		t.Fatalf("compose-spec loader: %v", err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d engine variables passed through to %v", len(vars), engineRoles)
}

func TestComposeMissingVariableFailsNamingIt(t *testing.T) {
	vars := deployedVars(t)
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, victim := range []string{vars[0], vars[len(vars)-1]} {
		line := regexp.MustCompile(`(?m)^\s*` + victim + `:.*\n`)
		mutated := line.ReplaceAll(src, nil)
		if len(mutated) == len(src) {
			t.Fatalf("no %s line in docker-compose.yml to remove", victim)
		}
		path := filepath.Join(t.TempDir(), "docker-compose.yml")
		if err := os.WriteFile(path, mutated, 0o600); err != nil {
			t.Fatal(err)
		}
		problems, err := passThroughProblems(path, vars)
		if err != nil {
			t.Fatalf("mutated compose file: %v", err)
		}
		for _, role := range engineRoles {
			want := fmt.Sprintf("service %s does not pass %s", role, victim)
			if !slices.Contains(problems, want) {
				t.Errorf("without %s the check reported %q, want it to name %s for %s", victim, problems, victim, role)
			}
		}
	}
}

// TestComposeLoadsWithDefaults loads the file as an operator would, with only the required
// variables set, so every ${VAR:-default} must interpolate and the model must validate.
func TestComposeLoadsWithDefaults(t *testing.T) {
	env := map[string]string{}
	for _, v := range append([]string{"PAYLOAD_KEYS", "API_TOKENS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}, composeRequired...) {
		env[v] = "x"
	}
	p, err := loadCompose(filepath.Join(repoRoot(t), "docker-compose.yml"), env)
	if err != nil {
		t.Fatalf("compose-spec loader: %v", err)
	}
	api, err := p.GetService("api")
	if err != nil {
		t.Fatal(err)
	}
	if got := *api.Environment["DATABASE_URL"]; got != "postgres://careflow:x@postgres:5432/careflow?sslmode=disable" {
		t.Errorf("DATABASE_URL default = %q", got)
	}
	if got := *api.Environment["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		t.Errorf("TEMPORAL_ADDRESS default = %q", got)
	}

	// A required variable left unset must stop the load, naming it.
	delete(env, "PAYLOAD_KEYS")
	if _, err := loadCompose(filepath.Join(repoRoot(t), "docker-compose.yml"), env); err == nil || !strings.Contains(err.Error(), "PAYLOAD_KEYS") {
		t.Errorf("load without PAYLOAD_KEYS: err = %v, want one naming it", err)
	}
}

// TestComposeTopology checks the deployment's shape: pinned images, health checks that need no
// shell in the engine image, depends_on with conditions and the one-shot schema job first.
func TestComposeTopology(t *testing.T) {
	env := map[string]string{}
	for _, v := range append(deployedVars(t), composeRequired...) {
		env[v] = sentinel(v)
	}
	env["TEMPORAL_ADDRESS"] = "temporal:7233"
	p, err := loadCompose(filepath.Join(repoRoot(t), "docker-compose.yml"), env)
	if err != nil {
		t.Fatalf("compose-spec loader: %v", err)
	}
	for _, name := range []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "api", "worker"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	for _, svc := range p.Services {
		if svc.Build == nil {
			ref := svc.Image
			if i := strings.LastIndex(ref, ":"); i < 0 || ref[i+1:] == "latest" || strings.Contains(ref[i+1:], "/") {
				t.Errorf("service %s: image %q is not pinned to a tag", svc.Name, ref)
			}
		}
		for dep, d := range svc.DependsOn {
			if d.Condition == "" || d.Condition == types.ServiceConditionStarted {
				t.Errorf("service %s depends on %s without a health or completion condition", svc.Name, dep)
			}
		}
	}
	want := map[string]map[string]string{
		"temporal":    {"temporal-schema": types.ServiceConditionCompletedSuccessfully},
		"temporal-ui": {"temporal": types.ServiceConditionHealthy},
		"api":         {"postgres": types.ServiceConditionHealthy, "temporal": types.ServiceConditionHealthy, "temporal-namespace": types.ServiceConditionCompletedSuccessfully},
		"worker":      {"postgres": types.ServiceConditionHealthy, "temporal": types.ServiceConditionHealthy, "temporal-namespace": types.ServiceConditionCompletedSuccessfully},
	}
	for svc, deps := range want {
		s, _ := p.GetService(svc)
		for dep, cond := range deps {
			if got := s.DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends_on %s: condition %q, want %q", svc, dep, got, cond)
			}
		}
	}
	ds := readDockerfile(t)
	for _, role := range engineRoles {
		s, _ := p.GetService(role)
		if s.Build == nil || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s is not built from ./Dockerfile", role)
		}
		if len(s.Command) != 1 || s.Command[0] != role {
			t.Errorf("%s runs %q, want the %q role", role, s.Command, role)
		}
		hc := s.HealthCheck
		if hc == nil || len(hc.Test) < 3 || hc.Test[0] != "CMD" || hc.Test[1] != ds.entrypoint || hc.Test[2] != "healthcheck" {
			t.Errorf("%s health check %v must exec %s healthcheck (no shell in the image)", role, hc, ds.entrypoint)
		}
	}
	for _, name := range []string{"postgres", "temporal"} {
		if s, _ := p.GetService(name); s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}
	schema, _ := p.GetService("temporal-schema")
	script := strings.Join(schema.Command, " ")
	for _, want := range []string{"temporal-sql-tool", "--plugin postgres12", "setup-schema", "update-schema", "v12/$${dir}/versioned", "temporal_visibility:visibility", "temporal:temporal"} {
		if !strings.Contains(strings.ReplaceAll(script, "${dir}", "$${dir}"), want) {
			t.Errorf("schema job does not contain %q: %s", want, script)
		}
	}
	temporal, _ := p.GetService("temporal")
	if !strings.HasPrefix(temporal.Image, "temporalio/server:1.29.") || *temporal.Environment["DB"] != "postgres12" {
		t.Errorf("temporal: image %s, DB %s; want server 1.29.x on postgres12", temporal.Image, *temporal.Environment["DB"])
	}
	if _, es := temporal.Environment["ENABLE_ES"]; es {
		t.Error("temporal: ENABLE_ES set; visibility must be SQL")
	}
	ui, _ := p.GetService("temporal-ui")
	if v := ui.Environment["TEMPORAL_CODEC_ENDPOINT"]; v == nil || !strings.HasSuffix(*v, "/codec") {
		t.Errorf("temporal-ui: TEMPORAL_CODEC_ENDPOINT = %v, want the engine's /codec", v)
	}
}
