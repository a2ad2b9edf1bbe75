package x12

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodeSegments is one file's result from tests/npm/x12-segments.js.
type nodeSegments struct {
	File     string     `json:"file"`
	OK       bool       `json:"ok"`
	Segments [][]string `json:"segments"`
	Errors   []string   `json:"errors"`
}

// runNodeSegments parses files with node-x12 in strict mode and returns every
// segment's elements (tests/npm/x12-segments.js).
func runNodeSegments(t *testing.T, files []string) map[string]nodeSegments {
	t.Helper()
	return runNodeScript[nodeSegments](t, "x12-segments.js", files, func(r nodeSegments) string { return r.File })
}

// TestNodeX12ParsesBuilt837s checks every shape of 837P we generate against
// node-x12 in strict mode, segment by segment and element by element: the
// independent parser must see exactly the segments and values we meant to
// write. Broken copies prove the peer can fail.
func TestNodeX12ParsesBuilt837s(t *testing.T) {
	single := sampleClaimBatch()
	single.Claims = single.Claims[:1]
	single.Envelope.ControlNumber = 999999999
	void := sampleClaimBatch()
	void.Claims = void.Claims[1:]
	void.Claims[0].Frequency = FrequencyVoid
	delims := sampleClaimBatch()
	delims.Envelope.Delimiters = Delimiters{Element: '|', Component: '>', Repetition: '}', Segment: '\n'}
	maxLine := sampleClaimBatch()
	maxLine.Claims = maxLine.Claims[1:]
	maxLine.Claims[0].Diagnoses = strings.Split("S93401A W19XXXA Y92009 R52 M25571 M25572 R262 Z9181 W010XXA Y93K1 Z23 I10", " ")
	maxLine.Claims[0].Lines[0].DiagnosisPointers = []int{12, 11, 10, 9}

	batches := map[string]ClaimBatch{
		"two-claims.x12": sampleClaimBatch(),
		"single.x12":     single,
		"void.x12":       void,
		"delimiters.x12": delims,
		"many-claims.x12": func() ClaimBatch {
			b := claimsOf(25)
			b.Envelope.ControlNumber = 7
			return b
		}(),
		"twelve-diagnoses.x12": maxLine,
	}
	dir := t.TempDir()
	ours := map[string][]Segment{}
	var files []string
	for name, b := range batches {
		out := mustBuild837(t, b)
		_, segs, err := Split(out)
		require.NoError(t, err)
		ours[name] = segs
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, out, 0o600))
		files = append(files, path)
	}
	good := string(mustBuild837(t, sampleClaimBatch()))
	broken := map[string]string{
		"broken-se-count.x12": strings.Replace(good, "SE*25*0001~", "SE*24*0001~", 1),
		"broken-ge-count.x12": strings.Replace(good, "GE*2*1001~", "GE*1*1001~", 1),
		"broken-iea.x12":      strings.Replace(good, "IEA*1*000001001~", "IEA*1*000001002~", 1),
	}
	for name, doc := range broken {
		require.NotEqual(t, good, doc, name)
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
		files = append(files, path)
	}

	reports := runNodeSegments(t, files)
	for name, segs := range ours {
		t.Run(strings.TrimSuffix(name, ".x12"), func(t *testing.T) {
			r, ok := reports[name]
			require.True(t, ok, "no report")
			require.True(t, r.OK, "node-x12 rejected it: %v", r.Errors)
			require.Len(t, r.Segments, len(segs), "segment count")
			for i, s := range segs {
				want := append([]string{s.ID}, s.Elements...)
				got := r.Segments[i]
				// node-x12 reads ISA13 and IEA02 as numbers, dropping the
				// zero padding; compare those control numbers by value.
				if ctl := map[string]int{"ISA": 13, "IEA": 2}[s.ID]; ctl > 0 && len(got) == len(want) {
					assert.True(t, sameControl(want[ctl], got[ctl]), "%s%02d", s.ID, ctl)
					want[ctl] = got[ctl]
				}
				assert.Equal(t, want, got, "segment %d", i+1)
			}
		})
	}
	for name := range broken {
		r := reports[name]
		assert.False(t, r.OK, "node-x12 accepted %s", name)
		assert.NotEmpty(t, r.Errors, name)
	}
}
