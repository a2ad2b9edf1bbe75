package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/workflows/laborders"
)

// npmDir holds tests/npm: package.json, node_modules and mllp-peer.js.
var npmDir = filepath.Join("..", "npm")

// peerAck is the line tests/npm/mllp-peer.js prints for the ACK it received.
type peerAck struct {
	Event string `json:"event"`
	Error string `json:"error"`
	Lib   string `json:"lib"`
	Ack   string `json:"ack"`
	MSA1  string `json:"msa1"`
	MSA2  string `json:"msa2"`
}

// mllpPeer runs the npm MLLP clients against one engine's listener.
type mllpPeer struct {
	t    *testing.T
	node string
	port string
	dir  string
}

// newMLLPPeer fails (never skips) when node or the npm peers are missing.
func newMLLPPeer(t *testing.T, mllpAddr string) *mllpPeer {
	t.Helper()
	for _, pkg := range []string{"node-hl7-client", "@medplum/hl7", "@medplum/core"} {
		if _, err := os.Stat(filepath.Join(npmDir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("npm MLLP peer %s is not installed in tests/npm/node_modules: run make npm-peers", pkg)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (needed for the npm MLLP peers; run make npm-peers): %v", err)
	}
	_, port, err := net.SplitHostPort(mllpAddr)
	require.NoError(t, err)
	return &mllpPeer{t: t, node: node, port: port, dir: t.TempDir()}
}

// send writes msg to a file and sends it with the npm client lib ("node-hl7" or "medplum"),
// returning the ACK the client received. The node process always ends before send returns:
// it exits after the ACK, and the context kills it if it hangs.
func (p *mllpPeer) send(lib, name, msg string) peerAck {
	p.t.Helper()
	file := filepath.Join(p.dir, name+".hl7")
	require.NoError(p.t, os.WriteFile(file, []byte(msg), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.node, "mllp-peer.js", "send", p.port, file, "--lib", lib)
	cmd.Dir = npmDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(p.t, err, "%s peer failed\nstdout: %s\nstderr: %s", lib, out, stderr.String())
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	var ev peerAck
	require.NoError(p.t, json.Unmarshal(lines[len(lines)-1], &ev), "peer output: %s", out)
	require.Equal(p.t, "ack", ev.Event, "peer output: %s", out)
	require.Equal(p.t, lib, ev.Lib)
	return ev
}

// iopORU is an ORU^R01 for placer with potassium and glucose results of the given OBX-11 status.
func iopORU(controlID, placer, status, potassium, glucose string) string {
	return strings.Join([]string{
		`MSH|^~\&|LIS|LAB|CAREFLOW|CLINIC|20261123080000||ORU^R01^ORU_R01|` + controlID + `|P|2.5.1`,
		"PID|1||pat-1001^^^^PI||SYNTHETIC^PATIENTNAME||19700101|U",
		"ORC|RE|" + placer + "^CAREFLOW|FILL-" + controlID + "^LAB||CM",
		"OBR|1|" + placer + "^CAREFLOW|FILL-" + controlID + "^LAB|24320-4^Basic metabolic panel^LN|||20261123070000||||||||||||||||||" + status,
		"OBX|1|NM|2823-3^Potassium^LN||" + potassium + "|mmol/L|3.5-5.1|N|||" + status,
		"OBX|2|NM|2345-7^Glucose^LN||" + glucose + "|mg/dL|70-99|N|||" + status,
	}, "\r")
}

// result returns the kept result for a LOINC code from a lab-order view.
func result(v api.LabOrderView, code string) *laborders.Result {
	for i := range v.Results {
		if v.Results[i].Code == code {
			return &v.Results[i]
		}
	}
	return nil
}

// assertAck checks the MSA of an ACK an npm client received and that it names no patient.
func assertAck(t *testing.T, ev peerAck, code, controlID string) {
	t.Helper()
	assert.Equal(t, code, ev.MSA1, "%s ACK: %q", ev.Lib, ev.Ack)
	assert.Equal(t, controlID, ev.MSA2, "%s ACK: %q", ev.Lib, ev.Ack)
	assert.True(t, strings.HasPrefix(ev.Ack, "MSH|"), "%s ACK: %q", ev.Lib, ev.Ack)
	assert.NotContains(t, ev.Ack, "SYNTHETIC")
	assert.NotContains(t, ev.Ack, "PATIENTNAME")
	if code != "AA" {
		assert.Contains(t, ev.Ack, "\rERR|", "an %s carries an ERR segment", code)
	}
}

// TestInteropNpmMLLPClientsDeliverResults: node-hl7-client and @medplum/hl7 send ORU^R01
// results to the engine's MLLP listener; the engine answers AA only once the result is in the
// order's workflow, deduplicates a resend by MSH-10, and answers AE for an unknown order.
func TestInteropNpmMLLPClientsDeliverResults(t *testing.T) {
	e := labEngine(t)
	peer := newMLLPPeer(t, e.st.MLLPAddr)
	const placer = "NO-RESULTS-IOP1" // the LIS simulator never sends results for this order
	code, v := e.call("POST", "/v1/lab-orders", labOrder(placer))
	require.Equal(t, http.StatusCreated, code, v)

	// Preliminary results from node-hl7-client.
	prelim := iopORU("IOP-MSG-1", placer, "P", "4.1", "95")
	assertAck(t, peer.send("node-hl7", "prelim", prelim), "AA", "IOP-MSG-1")
	v = e.waitLab(placer, func(v api.LabOrderView) bool { return v.MessagesReceived == 1 })
	k := result(v.labOrder(), "2823-3")
	require.NotNil(t, k, v)
	assert.Equal(t, "4.1", k.Value)
	assert.Equal(t, "P", k.Status)
	assert.Equal(t, laborders.StatusPartial, v.labOrder().Status)

	// The same message resent by @medplum/hl7 is acknowledged again but counted once.
	assertAck(t, peer.send("medplum", "prelim-again", prelim), "AA", "IOP-MSG-1")
	// Final results from @medplum/hl7.
	assertAck(t, peer.send("medplum", "final", iopORU("IOP-MSG-2", placer, "F", "4.2", "96")), "AA", "IOP-MSG-2")
	v = e.waitLab(placer, func(v api.LabOrderView) bool {
		return v.MessagesReceived == 2 && v.DuplicatesIgnored == 1 && v.Status == laborders.StatusFinal
	})
	for code, want := range map[string]string{"2823-3": "4.2", "2345-7": "96"} {
		r := result(v.labOrder(), code)
		require.NotNil(t, r, "result %s missing: %s", code, v)
		assert.Equal(t, want, r.Value, code)
		assert.Equal(t, "F", r.Status, code)
	}
	assert.Equal(t, false, v.labOrder().Critical)

	// A result for an order the engine never placed is refused with AE by either client.
	for _, lib := range []string{"node-hl7", "medplum"} {
		id := "IOP-UNKNOWN-" + lib
		ev := peer.send(lib, "unknown-"+lib, iopORU(id, "NO-SUCH-ORDER-IOP", "F", "4.0", "90"))
		assertAck(t, ev, "AE", id)
		assert.Contains(t, ev.Ack, "unknown order")
	}
	v = e.waitLab(placer, func(v api.LabOrderView) bool { return v.MessagesReceived == 2 })
	assert.EqualValues(t, 1, v.labOrder().DuplicatesIgnored, "the refused messages never reached the order")
}
