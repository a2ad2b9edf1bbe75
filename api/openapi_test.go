package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
)

type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

type operation struct {
	OperationID string                 `json:"operationId"`
	Security    *[]map[string][]string `json:"security"`
	Responses   map[string]any         `json:"responses"`
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func loadDoc(t *testing.T) (openAPIDoc, map[string]any) {
	t.Helper()
	var doc openAPIDoc
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &doc))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &raw))
	return doc, raw
}

// The route table and the document agree in both directions, including each route's security.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, _ := loadDoc(t)
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	routes := api.Routes()
	require.NotEmpty(t, routes)
	served := map[string]bool{}
	for _, rt := range routes {
		key := strings.ToLower(rt.Method) + " " + rt.Path
		served[key] = true
		rawOp, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !assert.True(t, ok, "openapi.json lacks %s", key) {
			continue
		}
		var op operation
		require.NoError(t, json.Unmarshal(rawOp, &op), key)
		assert.NotEmpty(t, op.OperationID, key)
		assert.NotEmpty(t, op.Responses, key)
		require.NotNil(t, op.Security, "%s must state its security explicitly", key)
		switch {
		case rt.Auth == api.AuthBearer || (rt.Auth == api.AuthCodec && rt.Method != http.MethodOptions):
			assert.Equal(t, []map[string][]string{{"bearerAuth": {rt.Scope}}}, *op.Security, key)
		case rt.Auth == api.AuthStripeSignature:
			assert.Equal(t, []map[string][]string{{"stripeSignature": {}}}, *op.Security, key)
		default:
			assert.Empty(t, *op.Security, key)
		}
	}
	// And the reverse: the document promises nothing the API does not serve.
	for path, item := range doc.Paths {
		for method := range item {
			if httpMethods[method] {
				assert.True(t, served[method+" "+path], "openapi.json documents %s %s, which is not served", method, path)
			}
		}
	}
}

func TestOpenAPIReferencesResolve(t *testing.T) {
	_, raw := loadDoc(t)
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if s, ok := val.(string); ok && k == "$ref" {
					refs = append(refs, s)
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(raw)
	require.NotEmpty(t, refs)
	for _, ref := range refs {
		require.True(t, strings.HasPrefix(ref, "#/"), ref)
		var node any = raw
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := node.(map[string]any)
			require.True(t, ok, "unresolvable %s", ref)
			node, ok = m[part]
			require.True(t, ok, "unresolvable %s", ref)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t)
	w := h.do(http.MethodGet, "/openapi.json", "", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, string(api.OpenAPI()), w.Body.String())
}
