package x12

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// npmDir holds the conformance peers installed by `make npm-peers`.
var npmDir = filepath.Join("..", "..", "tests", "npm")

// nodeReport is one file's result from tests/npm/x12-parse.js.
type nodeReport struct {
	File     string `json:"file"`
	OK       bool   `json:"ok"`
	Segments int    `json:"segments"`
	Tags     []struct {
		Tag      string `json:"tag"`
		Elements int    `json:"elements"`
	} `json:"tags"`
	Errors []string `json:"errors"`
}

// runNodeX12 parses files with node-x12 in strict mode through tests/npm/x12-parse.js.
func runNodeX12(t *testing.T, files []string) map[string]nodeReport {
	t.Helper()
	return runNodeScript[nodeReport](t, "x12-parse.js", files, func(r nodeReport) string { return r.File })
}

// runNodeScript runs one of the tests/npm node-x12 scripts over files and returns its per-file
// reports by file. A missing node or node-x12 fails the test: the conformance check must not
// silently vanish.
func runNodeScript[R any](t *testing.T, script string, files []string, file func(R) string) map[string]R {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Node.js, then run make npm-peers")
	}
	if _, err := os.Stat(filepath.Join(npmDir, "node_modules", "node-x12", "package.json")); err != nil {
		t.Fatal("node-x12 is missing from tests/npm/node_modules: run make npm-peers")
	}
	path, err := filepath.Abs(filepath.Join(npmDir, script))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{path}, files...)...)
	cmd.Dir = npmDir // require('node-x12') resolves from tests/npm/node_modules
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "node %s: %s", script, stderr.String())

	var reports []R
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &reports), stdout.String())
	require.Len(t, reports, len(files))
	out := map[string]R{}
	for _, r := range reports {
		out[file(r)] = r
	}
	return out
}

// TestNodeX12ParsesBuilt270s checks every shape of 270 we generate against
// an independent X12 parser: it must parse cleanly in strict mode (envelope
// counts and control numbers) and see the same segments, each with the same
// number of elements, as our own parser.
func TestNodeX12ParsesBuilt270s(t *testing.T) {
	individual := sampleRequest()
	individual.Provider = Provider{NPI: "1234567893", LastName: "Welby", FirstName: "Marcus"}
	individual.ControlNumber = 999999999
	minimal := sampleRequest()
	minimal.ServiceTypes, minimal.ServiceDate = nil, time.Time{}
	minimal.Subscriber.GroupNumber, minimal.Subscriber.Gender = "", ""
	minimal.ControlNumber = 1
	delims := sampleRequest()
	delims.Delimiters = Delimiters{Element: '|', Component: '>', Repetition: '}', Segment: '\n'}
	manyTypes := sampleRequest()
	manyTypes.ServiceTypes = []string{"30", "98", "1", "33", "35", "47", "48", "50", "86", "88", "AL", "MH", "UC"}

	requests := map[string]InquiryRequest{
		"subscriber.x12":  sampleRequest(),
		"dependent.x12":   dependentRequest(),
		"individual.x12":  individual,
		"minimal.x12":     minimal,
		"delimiters.x12":  delims,
		"many-types.x12":  manyTypes,
		"accented.x12":    func() InquiryRequest { r := sampleRequest(); r.Subscriber.LastName = "Núñez"; return r }(),
		"ack-request.x12": func() InquiryRequest { r := sampleRequest(); r.AckRequested = true; r.Usage = 'P'; return r }(),
	}
	dir := t.TempDir()
	ours := map[string][]Segment{}
	var files []string
	for name, req := range requests {
		out := mustBuild270(t, req)
		_, segs, err := Split(out)
		require.NoError(t, err)
		ours[name] = segs
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, out, 0o600))
		files = append(files, path)
	}
	// A deliberately broken 270 proves the peer can fail: SE01 off by one.
	good := string(mustBuild270(t, sampleRequest()))
	broken := strings.Replace(good, "SE*15*0042~", "SE*14*0042~", 1)
	require.NotEqual(t, good, broken)
	brokenPath := filepath.Join(dir, "broken-count.x12")
	require.NoError(t, os.WriteFile(brokenPath, []byte(broken), 0o600))
	// So is one whose IEA02 disagrees with ISA13.
	mismatch := strings.Replace(good, "IEA*1*000000042~", "IEA*1*000000043~", 1)
	require.NotEqual(t, good, mismatch)
	mismatchPath := filepath.Join(dir, "broken-control.x12")
	require.NoError(t, os.WriteFile(mismatchPath, []byte(mismatch), 0o600))
	files = append(files, brokenPath, mismatchPath)

	reports := runNodeX12(t, files)
	for name, segs := range ours {
		t.Run(strings.TrimSuffix(name, ".x12"), func(t *testing.T) {
			r, ok := reports[name]
			require.True(t, ok, "no report")
			require.True(t, r.OK, "node-x12 rejected it: %v", r.Errors)
			require.Empty(t, r.Errors)
			require.Equal(t, len(segs), r.Segments, "segment count")
			for i, s := range segs {
				assert.Equal(t, s.ID, r.Tags[i].Tag, "segment %d", i+1)
				assert.Equal(t, s.Len(), r.Tags[i].Elements, "elements of segment %d (%s)", i+1, s.ID)
			}
		})
	}
	for _, name := range []string{"broken-count.x12", "broken-control.x12"} {
		r := reports[name]
		assert.False(t, r.OK, "node-x12 accepted %s", name)
		assert.NotEmpty(t, r.Errors, name)
	}
	// Our parser agrees that the broken ones are broken.
	_, err := Parse270([]byte(broken))
	assert.Error(t, err)
	_, err = Parse270([]byte(mismatch))
	assert.Error(t, err)
}
