package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/ehrsim"
)

// fhirReport is one file's result from tests/npm/fhir-validate.js.
type fhirReport struct {
	File         string `json:"file"`
	ResourceType string `json:"resourceType"`
	Valid        bool   `json:"valid"`
	Issues       []struct {
		Severity   string `json:"severity"`
		Code       string `json:"code"`
		Expression string `json:"expression"`
		Message    string `json:"message"`
	} `json:"issues"`
}

// fhirProblems validates resources with the official R4 definitions through @medplum/core
// (structure, cardinality, bindings and the invariants: app-*, enc-*, obs-*, dom-*, ...) and
// returns one line per error, naming the resource and the rule. A missing node or npm peer
// fails the test: the check must not silently vanish.
func fhirProblems(t *testing.T, resources []map[string]any) []string {
	t.Helper()
	if len(resources) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(npmDir, "node_modules", "@medplum", "core", "package.json")); err != nil {
		t.Fatal("@medplum/core is not installed in tests/npm/node_modules: run make npm-peers")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (needed for FHIR validation; run make npm-peers): %v", err)
	}
	dir := t.TempDir()
	names := map[string]string{}
	args := []string{"fhir-validate.js"}
	for i, r := range resources {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		f := filepath.Join(dir, fmt.Sprintf("r%04d.json", i))
		require.NoError(t, os.WriteFile(f, b, 0o600))
		names[f] = fmt.Sprintf("%v/%v (version %v)", r["resourceType"], r["id"], versionOf(r))
		args = append(args, f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = npmDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Exit 1 means "some resource is invalid", which the report says; anything else is a crash.
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("node fhir-validate.js: %v: %s", err, stderr.String())
	}
	var reports []fhirReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &reports), stdout.String())
	require.Len(t, reports, len(resources))
	var out []string
	for _, r := range reports {
		for _, i := range r.Issues {
			if i.Severity == "error" || i.Severity == "fatal" {
				out = append(out, fmt.Sprintf("%s: %s at %s: %s", names[r.File], i.Code, i.Expression, i.Message))
			}
		}
	}
	return out
}

func versionOf(r map[string]any) any {
	if m, ok := r["meta"].(map[string]any); ok {
		return m["versionId"]
	}
	return ""
}

// validateReceivedFHIR checks every resource version the engine wrote to the EHR simulator
// during the test (creates and updates: Encounters, appointment write-backs, lab
// DiagnosticReports and Observations, ...) against the R4 definitions and invariants. Every
// engine test registers it, so a resource the engine writes wrongly fails the test that wrote it.
func (e *engine) validateReceivedFHIR() {
	e.t.Helper()
	if e.t.Failed() || e.st.EHRSim == nil {
		return
	}
	received := e.st.EHRSim.Sim.Received()
	problems := fhirProblems(e.t, received)
	require.Empty(e.t, problems, "resources the engine wrote break FHIR R4 rules")
	if len(received) > 0 {
		e.t.Logf("%d resource versions the engine wrote are valid FHIR R4", len(received))
	}
}

// TestFHIRValidationCatchesInvariants proves the check can fail: an Appointment written
// arrived with its cancelationReason kept (what the engine once did) breaks app-4.
func TestFHIRValidationCatchesInvariants(t *testing.T) {
	bad := map[string]any{"resourceType": "Appointment", "id": "a1", "status": "arrived",
		"cancelationReason": map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "code": "pat"}}},
		"start": "2026-12-06T10:00:00Z", "end": "2026-12-06T10:30:00Z",
		"participant": []any{map[string]any{"actor": map[string]any{"reference": "Patient/p1"}, "status": "accepted"}}}
	good := map[string]any{"resourceType": "Appointment", "id": "a2", "status": "arrived",
		"start": "2026-12-06T10:00:00Z", "end": "2026-12-06T10:30:00Z",
		"participant": []any{map[string]any{"actor": map[string]any{"reference": "Patient/p1"}, "status": "accepted"}}}
	problems := fhirProblems(t, []map[string]any{bad, good})
	require.Len(t, problems, 1)
	require.Contains(t, problems[0], "Appointment/a1")
	require.Contains(t, problems[0], "app-4")
}

// TestSimulatorSeedIsValidFHIR: the charts the EHR simulator is seeded with are valid R4, so
// what the engine derives from them (the appointment write-back keeps every field) can be too.
func TestSimulatorSeedIsValidFHIR(t *testing.T) {
	now := time.Now()
	require.Empty(t, fhirProblems(t, append(ehrsim.DefaultSeedAt(now), ehrsim.LivedInSeed(now)...)))
}
