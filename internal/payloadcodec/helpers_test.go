package payloadcodec_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// marker stands in for PHI; it must never appear in ciphertext or errors.
const marker = "PATIENT-JANE-DOE-MRN-0042"

// newSpec returns a PAYLOAD_KEYS entry "id:base64" with a fresh random key.
func newSpec(id string) string {
	key := make([]byte, payloadcodec.KeySize)
	_, _ = rand.Read(key)
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

// mustKeys parses the given entries joined with commas.
func mustKeys(t testing.TB, entries ...string) *payloadcodec.Keyring {
	t.Helper()
	k, err := payloadcodec.ParseKeys(strings.Join(entries, ","))
	require.NoError(t, err)
	return k
}

// jsonPayload builds the payload the default converter makes for v.
func jsonPayload(t testing.TB, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}
