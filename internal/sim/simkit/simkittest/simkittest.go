// Package simkittest holds what the simulators' tests share: calls to the
// /_sim/ control routes.
package simkittest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// client bounds a hung control call; control routes answer at once.
var client = &http.Client{Timeout: 10 * time.Second}

// Control sends a JSON control request without credentials, decodes a 2xx
// answer into out when out is not nil, and returns the status.
func Control(t testing.TB, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}
