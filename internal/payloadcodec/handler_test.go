package payloadcodec_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const uiOrigin = "http://127.0.0.1:8233"

// uiPayloads mirrors the JSON body the Temporal Web UI posts to a codec:
// protobuf JSON with base64 metadata values and data.
type uiPayloads struct {
	Payloads []struct {
		Metadata map[string]string `json:"metadata"`
		Data     string            `json:"data"`
	} `json:"payloads"`
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// newCodecServer starts the handler under /codec/ as the API mounts it.
func newCodecServer(t *testing.T, opts payloadcodec.HandlerOptions) *httptest.Server {
	t.Helper()
	codec := payloadcodec.NewCodec(mustKeys(t, newSpec("k1")))
	mux := http.NewServeMux()
	mux.Handle("/codec/", payloadcodec.NewHTTPHandler(codec, opts))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, url, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func decodeBody[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v
}

func TestHandlerEncodeDecodeRoundTrip(t *testing.T) {
	srv := newCodecServer(t, payloadcodec.HandlerOptions{AllowedOrigins: []string{uiOrigin}})
	value := `{"name":"` + marker + `"}`
	body := `{"payloads":[{"metadata":{"encoding":"` + b64("json/plain") + `"},"data":"` + b64(value) + `"}]}`

	resp := post(t, srv.URL+"/codec/encode", body, map[string]string{"Origin": uiOrigin})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, uiOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), marker)
	assert.NotContains(t, string(raw), b64(value))
	var enc uiPayloads
	require.NoError(t, json.Unmarshal(raw, &enc))
	require.Len(t, enc.Payloads, 1)
	assert.Equal(t, b64(payloadcodec.Encoding), enc.Payloads[0].Metadata["encoding"])
	assert.Equal(t, b64("k1"), enc.Payloads[0].Metadata[payloadcodec.MetadataKeyID])

	resp = post(t, srv.URL+"/codec/decode", string(raw), map[string]string{"Origin": uiOrigin})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	dec := decodeBody[uiPayloads](t, resp)
	require.Len(t, dec.Payloads, 1)
	assert.Equal(t, b64("json/plain"), dec.Payloads[0].Metadata["encoding"])
	assert.Equal(t, b64(value), dec.Payloads[0].Data)
}

func TestHandlerPreflight(t *testing.T) {
	srv := newCodecServer(t, payloadcodec.HandlerOptions{
		AllowedOrigins: []string{uiOrigin, "http://localhost:8233/"},
		// Preflights must pass even though this denies everything.
		Authorize: func(*http.Request) bool { return false },
	})
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/codec/decode", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	for _, origin := range []string{uiOrigin, "http://localhost:8233"} {
		resp := preflight(origin)
		require.Equal(t, http.StatusNoContent, resp.StatusCode, origin)
		assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
		assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST")
		allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"content-type", "x-namespace", "authorization"} {
			assert.Contains(t, allowed, h)
		}
	}

	resp := preflight("http://evil.example")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	// A simple cross-origin POST, which skips the preflight, is refused too.
	resp = post(t, srv.URL+"/codec/decode", `{"payloads":[]}`, map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestHandlerUnauthorized(t *testing.T) {
	srv := newCodecServer(t, payloadcodec.HandlerOptions{
		AllowedOrigins: []string{uiOrigin},
		Authorize:      func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer ok" },
	})
	resp := post(t, srv.URL+"/codec/decode", `{"payloads":[]}`, map[string]string{"Origin": uiOrigin})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	// CORS headers stay so the UI can read the 401 and prompt for login.
	assert.Equal(t, uiOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, problem{"about:blank", "Unauthorized", 401}, decodeBody[problem](t, resp))

	resp = post(t, srv.URL+"/codec/decode", `{"payloads":[]}`, map[string]string{"Authorization": "Bearer ok"})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestHandlerErrorsAreGenericProblems(t *testing.T) {
	srv := newCodecServer(t, payloadcodec.HandlerOptions{MaxBodyBytes: 1 << 10})
	cases := map[string]struct {
		path, body string
		status     int
	}{
		// The JSON parser's message would quote the (plaintext) input.
		"malformed json": {"/codec/encode", `{"payloads":[{"data":"` + marker + `"`, http.StatusBadRequest},
		"unknown key": {"/codec/decode", `{"payloads":[{"metadata":{"encoding":"` + b64(payloadcodec.Encoding) +
			`","encryption-key-id":"` + b64("nope") + `"},"data":"` + b64(marker) + `"}]}`, http.StatusBadRequest},
		"too large":    {"/codec/encode", `{"payloads":[{"data":"` + strings.Repeat("A", 2<<10) + `"}]}`, http.StatusRequestEntityTooLarge},
		"unknown path": {"/codec/other", `{}`, http.StatusNotFound},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := post(t, srv.URL+tc.path, tc.body, nil)
			require.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), marker)
			assert.NotContains(t, string(raw), "nope")
			var p problem
			require.NoError(t, json.Unmarshal(raw, &p))
			assert.Equal(t, tc.status, p.Status)
			assert.Equal(t, http.StatusText(tc.status), p.Title)
		})
	}

	resp, err := http.Get(srv.URL + "/codec/decode")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "POST, OPTIONS", resp.Header.Get("Allow"))
}
