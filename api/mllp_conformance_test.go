package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/mocks"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/workflows/laborders"
)

// observationsIn counts the observations a signal carries, whatever its exact shape.
func observationsIn(t *testing.T, sig any) int {
	t.Helper()
	js, err := json.Marshal(sig)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(js, &m))
	n := 0
	for k, v := range m {
		if arr, ok := v.([]any); ok && strings.EqualFold(k, "observations") {
			n += len(arr)
		}
	}
	return n
}

// The conformance corpus end to end through MLLP, the inbound wrapper and the ingest handler:
// every message is acknowledged AA (a batch with a batch ACK of AAs) and every observation
// reaches the lab workflow signals.
func TestConformanceCorpusThroughMLLP(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "codecs", "hl7", "testdata", "conformance", "*.hl7"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 6)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			js, err := os.ReadFile(strings.TrimSuffix(file, ".hl7") + ".json")
			require.NoError(t, err)
			var want struct{ Messages, Observations int }
			require.NoError(t, json.Unmarshal(js, &want))

			tc := mocks.NewClient(t)
			var mu sync.Mutex
			signals, observations := 0, 0
			onResult(tc, "", func(r laborders.ResultSignal) {
				mu.Lock()
				defer mu.Unlock()
				signals++
				observations += observationsIn(t, r)
			})
			c := serveMLLP(t, api.MLLPInboundHandler(api.Deps{Temporal: tc, Records: sealedStore(t)}))
			ack, err := c.Send(t.Context(), raw)
			require.NoError(t, err)

			acks := [][]byte{ack}
			if hl7.IsBatch(ack) {
				b, err := hl7.SplitBatch(ack)
				require.NoError(t, err)
				// The corpus messages ask for no application ACK (MSH-16 NE): an empty batch
				// acknowledgment means every message was accepted.
				acks = b.Messages
				assert.Empty(t, b.CountProblems)
			} else {
				require.Len(t, acks, want.Messages)
			}
			for _, a := range acks {
				assert.Equal(t, hl7.AckAccept, parseACK(t, a).Code)
			}
			mu.Lock()
			defer mu.Unlock()
			assert.GreaterOrEqual(t, signals, want.Messages, "every message reached the ingest")
			assert.Equal(t, want.Observations, observations)
		})
	}
}
