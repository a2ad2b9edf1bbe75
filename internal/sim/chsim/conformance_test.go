package chsim_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeReport is one file's result from tests/npm/x12-parse.js.
type nodeReport struct {
	File   string   `json:"file"`
	OK     bool     `json:"ok"`
	Errors []string `json:"errors"`
}

// TestAnswersParseWithNodeX12 hands every kind of answer the simulator
// gives to node-x12's strict parser, a peer nobody here wrote: the 271s and
// the 999 must parse cleanly, the deliberately malformed 271 must not. A
// missing peer fails the test (run make npm-peers), it never skips.
func TestAnswersParseWithNodeX12(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "tests", "npm"))
	require.NoError(t, err)
	script := filepath.Join(dir, "x12-parse.js")
	_, err = os.Stat(filepath.Join(dir, "node_modules", "node-x12", "package.json"))
	require.NoError(t, err, "npm peer node-x12 is not installed: run make npm-peers")
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is not on PATH; it runs the X12 conformance peer")

	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	tmp := t.TempDir()
	want := map[string]bool{}
	var files []string
	save := func(name string, req clearinghouse.RealTimeRequest, ok bool) {
		resp, err := c.RealTime(context.Background(), req)
		require.NoError(t, err, name)
		f := filepath.Join(tmp, name+".x12")
		require.NoError(t, os.WriteFile(f, resp.Payload, 0o600))
		files = append(files, f)
		want[name+".x12"] = ok
	}
	for _, m := range []string{chsim.MemberActive, chsim.MemberInactive, chsim.MemberNotFound, "UNKNOWN77"} {
		save(m, request(m, "node-"+m), true)
	}
	style := x12Style{elem: "|", comp: ">", rep: "!", seg: "~", eol: "\n"}
	save("delims", clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: "node-delims",
		Payload: []byte(make270(chsim.MemberActive, "000000555", "555", style))}, true)
	save("reject999", clearinghouse.RealTimeRequest{PayloadType: clearinghouse.PayloadType270, PayloadID: "node-999",
		Payload: []byte("not x12 at all")}, true)
	save("malformed", request(chsim.MemberMalformed, "node-bad"), false)

	out, err := exec.Command(node, append([]string{script}, files...)...).Output()
	require.NoError(t, err)
	var reports []nodeReport
	require.NoError(t, json.Unmarshal(out, &reports))
	require.Len(t, reports, len(files))
	for _, r := range reports {
		assert.Equal(t, want[r.File], r.OK, "%s: %v", r.File, r.Errors)
	}
}

// TestBatchAnswersParseWithNodeX12 hands the batch mode's 999, 277CA and 835s (every claim
// scenario) to node-x12's strict parser; only the deliberately cut 835 must fail.
func TestBatchAnswersParseWithNodeX12(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "tests", "npm"))
	require.NoError(t, err)
	script := filepath.Join(dir, "x12-parse.js")
	_, err = os.Stat(filepath.Join(dir, "node_modules", "node-x12", "package.json"))
	require.NoError(t, err, "npm peer node-x12 is not installed: run make npm-peers")
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is not on PATH; it runs the X12 conformance peer")

	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	_, err = c.SubmitBatch(context.Background(), clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "node-batch", Payload: build837(t, 77, claimFor("OK-1"), claimFor("REJ999-1"), claimFor("REJ277-1"),
			claimFor("DENY-1", 100, 200), claimFor("PART-1"), claimFor("REVERSE-1"), claimFor("PLB-1"))})
	require.NoError(t, err)
	_, err = c.SubmitBatch(context.Background(), clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "node-batch-bad", Payload: build837(t, 78, claimFor("BAD835-1"))})
	require.NoError(t, err)
	tmp := t.TempDir()
	want := map[string]bool{}
	var files []string
	for i, f := range srv.Sim.Pending("CAREFLOW") {
		name := filepath.Join(tmp, "file"+string(rune('a'+i))+".x12")
		require.NoError(t, os.WriteFile(name, f.Payload, 0o600))
		files = append(files, name)
		// The second submission's 835 (the last file) is the malformed one.
		want[filepath.Base(name)] = i != len(srv.Sim.Pending("CAREFLOW"))-1
	}
	require.Len(t, files, 7) // 999, 277CA, two 835s; then 999, 277CA, cut 835
	out, err := exec.Command(node, append([]string{script}, files...)...).Output()
	require.NoError(t, err)
	var reports []nodeReport
	require.NoError(t, json.Unmarshal(out, &reports))
	require.Len(t, reports, len(files))
	for _, r := range reports {
		assert.Equal(t, want[r.File], r.OK, "%s: %v", r.File, r.Errors)
	}
}
