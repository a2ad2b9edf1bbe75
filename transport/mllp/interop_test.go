package mllp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/transport/mllp"
)

// npmDir holds the conformance peers' package.json and mllp-peer.js.
var npmDir = filepath.Join("..", "..", "tests", "npm")

// peerEvent is one JSON line printed by tests/npm/mllp-peer.js.
type peerEvent struct {
	Event     string `json:"event"`
	Error     string `json:"error"`
	Ack       string `json:"ack"`
	MSA1      string `json:"msa1"`
	MSA2      string `json:"msa2"`
	Port      int    `json:"port"`
	Message   string `json:"message"`
	ControlID string `json:"controlId"`
}

// requireNodePeers fails (never skips) when the npm peers are not installed.
func requireNodePeers(t *testing.T) string {
	t.Helper()
	for _, pkg := range []string{"node-hl7-client", "node-hl7-server", "@medplum/hl7", "@medplum/core"} {
		if _, err := os.Stat(filepath.Join(npmDir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("npm MLLP peer %s is not installed in tests/npm/node_modules: run make npm-peers", pkg)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH (needed for the npm MLLP peers; run make npm-peers): %v", err)
	}
	return node
}

// fixture reads an HL7 test file and converts its LF line ends to the CR segment terminator.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(bytes.TrimRight(raw, "\n"), []byte("\n"), []byte("\r"))
}

// TestInteropNodeClientToServer: npm clients send an ORU^R01 to our Server,
// whose handler answers with an AA ACK, and print the ACK they received.
func TestInteropNodeClientToServer(t *testing.T) {
	node := requireNodePeers(t)
	for _, lib := range []string{"node-hl7", "medplum"} {
		t.Run(lib, func(t *testing.T) {
			var mu sync.Mutex
			var got [][]byte
			var sentAck []byte
			srv := &mllp.Server{Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
				ack := ackFor(msg)
				mu.Lock()
				got, sentAck = append(got, msg), ack
				mu.Unlock()
				return ack
			})}
			addr := startServer(t, srv)
			_, port, _ := strings.Cut(addr, ":")

			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			file, _ := filepath.Abs(filepath.Join("testdata", "oru_r01.hl7"))
			cmd := exec.CommandContext(ctx, node, "mllp-peer.js", "send", port, file, "--lib", lib)
			cmd.Dir = npmDir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node peer failed: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
			}
			var ev peerEvent
			if err := json.Unmarshal(lastLine(out), &ev); err != nil || ev.Event != "ack" {
				t.Fatalf("node peer printed %s (%v), want an ack event", out, err)
			}

			mu.Lock()
			defer mu.Unlock()
			want := fixture(t, "oru_r01.hl7")
			if len(got) != 1 || !bytes.Equal(got[0], want) {
				t.Fatalf("handler received %q, want exactly %q", got, want)
			}
			if ev.MSA1 != "AA" || ev.MSA2 != "ORU-0001" {
				t.Errorf("node saw MSA-1=%q MSA-2=%q, want AA / ORU-0001", ev.MSA1, ev.MSA2)
			}
			if ev.Ack != string(sentAck) {
				t.Errorf("node received ACK %q, we sent %q", ev.Ack, sentAck)
			}
		})
	}
}

// TestInteropClientToNodeServer: our Client sends ORM^O01 messages to
// node-hl7-server, which answers AA, and we read its ACKs.
func TestInteropClientToNodeServer(t *testing.T) {
	node := requireNodePeers(t)
	events := startNodeServer(t, node)
	var port int
	select {
	case ev := <-events:
		if ev.Event != "listening" || ev.Port == 0 {
			t.Fatalf("node server printed %+v, want a listening event", ev)
		}
		port = ev.Port
	case <-time.After(30 * time.Second):
		t.Fatal("node server did not start listening")
	}

	addr := "127.0.0.1:" + strconv.Itoa(port)
	first := fixture(t, "orm_o01.hl7")
	second := bytes.Replace(first, []byte("|ORM-0001|"), []byte("|ORM-0002|"), 1)
	for _, tc := range []struct {
		id  string
		msg []byte
	}{{"ORM-0001", first}, {"ORM-0002", second}} {
		// One connection per message: node-hl7-server 2.5.0 never clears its
		// receive buffer, so a second message on the same connection is
		// answered for the first one (Bugs5382/node-hl7-server#102).
		c := newClient(t, addr)
		ack, err := c.Send(t.Context(), tc.msg)
		if err != nil {
			t.Fatalf("Send %s to node-hl7-server: %v", tc.id, err)
		}
		if code, ref := msa(ack); code != "AA" || ref != tc.id {
			t.Fatalf("node-hl7-server ACK for %s: MSA %q|%q\n%q", tc.id, code, ref, ack)
		}
		if !bytes.HasPrefix(ack, []byte("MSH|^~\\&|LIS|LAB|CAREFLOW|HOSP|")) {
			t.Errorf("ACK header does not swap sender and receiver: %q", ack)
		}
		select {
		case ev := <-events:
			if ev.Event != "message" || ev.ControlID != tc.id || ev.Message != string(tc.msg) {
				t.Fatalf("node server reported %+v, want message %s as sent", ev, tc.id)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("node server did not report message %s", tc.id)
		}
		_ = c.Close()
	}
}

// startNodeServer runs mllp-peer.js serve on a free port and streams its
// events; Cleanup stops that process by its pid.
func startNodeServer(t *testing.T, node string) <-chan peerEvent {
	t.Helper()
	cmd := exec.Command(node, "mllp-peer.js", "serve", "0")
	cmd.Dir = npmDir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	events := make(chan peerEvent, 16)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var ev peerEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = peerEvent{Event: "unparsed", Error: sc.Text()}
			}
			if ev.Event == "data.error" || ev.Event == "error" || ev.Event == "unparsed" {
				t.Errorf("node server: %s %s", ev.Event, ev.Error)
				continue
			}
			events <- ev
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-scanned
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("node server stderr:\n%s", stderr.String())
		}
	})
	return events
}

func lastLine(out []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	return lines[len(lines)-1]
}
