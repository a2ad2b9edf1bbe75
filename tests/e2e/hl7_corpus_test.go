package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
)

// TestConformanceCorpusIntoTheLabWorkflow sends every message of the HL7 conformance corpus
// (codecs/hl7/testdata/conformance: LRI, ELR, newborn screening with 95 OBX, microbiology,
// pathology text, a batch file) over MLLP into real lab-order workflows (issue 15): each is
// acknowledged without AE/AR and every result group reaches its order. The corpus names its own
// patients and orders, so the test points PID and the placer numbers at orders it started.
func TestConformanceCorpusIntoTheLabWorkflow(t *testing.T) {
	e := labEngine(t)
	files, err := filepath.Glob("../../codecs/hl7/testdata/conformance/*.hl7")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	type sent struct{ placer, controlID string }
	var all []sent
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		msgs := [][]byte{raw}
		if hl7.IsBatch(raw) {
			b, err := hl7.SplitBatch(raw)
			require.NoError(t, err)
			msgs = b.Messages
		}
		for _, m := range msgs {
			msg, err := hl7.Parse(m)
			require.NoError(t, err, f)
			oru, err := hl7.ParseORU(msg)
			require.NoError(t, err, f)
			text := string(m)
			tests := map[string][]string{}
			for _, o := range oru.Orders {
				p := o.PlacerOrderNumber()
				tests[p] = append(tests[p], o.Request.Service.Code)
			}
			for old, codes := range tests {
				n++
				// "no-results" keeps the LIS simulator from sending results of its own.
				placer := fmt.Sprintf("NO-RESULTS-CORPUS-%02d", n)
				text = strings.ReplaceAll(text, old, placer)
				order := labOrder(placer)
				order["tests"] = slices.Compact(codes)
				code, v := e.call("POST", "/v1/lab-orders", order)
				require.Equal(t, http.StatusCreated, code, v)
				require.Eventually(t, func() bool { _, ok := e.st.LISSim.Sim.Order(placer); return ok }, 30*time.Second, 100*time.Millisecond)
				all = append(all, sent{placer, oru.Header.ControlID})
			}
			segs := strings.Split(text, "\r")
			for i, s := range segs {
				if strings.HasPrefix(s, "PID|") {
					segs[i] = "PID|1||MRN1001^^^CLINIC^MR~pat-1001^^^^PI||Testpatient^Alpha"
				}
			}
			ack, err := e.st.LISSim.Sim.SendRaw([]byte(strings.Join(segs, "\r")))
			require.NoError(t, err, f)
			require.Contains(t, string(ack), "MSA|", f)
			require.NotContains(t, string(ack), "MSA|AE", "%s: %s", f, ack)
			require.NotContains(t, string(ack), "MSA|AR", "%s: %s", f, ack)
		}
	}
	for _, s := range all {
		v := e.waitLab(s.placer, func(v api.LabOrderView) bool {
			return slices.Contains(v.MessageIDs, s.controlID) && len(v.Results) > 0
		})
		require.NotEmpty(t, v.labOrder().Results, s.placer)
	}
}
