package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/workflows/payments"
)

// Every malformed or near-miss credential is a 401 before anything reaches Temporal.
func TestAuthRejectsMissingAndUnknownTokens(t *testing.T) {
	h := newHarness(t) // no Temporal expectations: nothing may reach Temporal
	for name, header := range map[string]string{
		"none":           "",
		"unknown":        "Bearer not-a-token",
		"wrong scheme":   "Basic " + writerSecret,
		"empty bearer":   "Bearer ",
		"secret prefix":  "Bearer " + writerSecret[:len(writerSecret)-1],
		"secret postfix": "Bearer " + writerSecret + "x",
	} {
		t.Run(name, func(t *testing.T) {
			w := h.do(http.MethodPost, "/v1/payments", startBody, "", "Authorization", header)
			require.Equal(t, http.StatusUnauthorized, w.Code)
			assert.True(t, strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer"))
			problem(t, w)
		})
	}
}

// A valid token without the route's scope is a 403; scopes do not imply one another.
func TestAuthScopes(t *testing.T) {
	cases := map[string]struct {
		method, path, secret string
		want                 int
	}{
		"reader cannot start":             {http.MethodPost, "/v1/payments", readerSecret, http.StatusForbidden},
		"write does not imply read":       {http.MethodGet, "/v1/payments/pay-1", writerSecret, http.StatusForbidden},
		"codec token cannot read":         {http.MethodGet, "/v1/payments/pay-1", codecSecret, http.StatusForbidden},
		"reader cannot capture":           {http.MethodPost, "/v1/payments/pay-1/capture", readerSecret, http.StatusForbidden},
		"payments token cannot use codec": {http.MethodPost, "/codec/decode", writerSecret, http.StatusForbidden},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			w := h.do(tc.method, tc.path, `{}`, tc.secret)
			require.Equal(t, tc.want, w.Code)
			problem(t, w)
		})
	}
}

func TestAuthWildcardAndCaseInsensitiveScheme(t *testing.T) {
	h := newHarness(t)
	h.temporal.On("DescribeWorkflowExecution", mock.Anything, "payment:pay-1", "").Return(describeResponse("run-1"), nil)
	h.expectQuery("payment:pay-1", "run-1", payments.State{PaymentID: "pay-1", Status: payments.StatusAuthorized})

	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/v1/payments/pay-1", "", adminSecret).Code)
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/v1/payments/pay-1", "", "", "Authorization", "bearer "+readerSecret).Code)
	assert.Contains(t, h.logs.String(), `"token":"admin"`, "the token name is logged")
	assert.NotContains(t, h.logs.String(), adminSecret, "the secret is not")
}

// ParseTokens accepts colons inside secrets and refuses ambiguous or duplicate entries.
func TestParseTokens(t *testing.T) {
	toks, err := api.ParseTokens(" a:s1:payments.read+payments.write , b:x:y:z:* ,, ")
	require.NoError(t, err)
	assert.Equal(t, 2, toks.Len())

	empty, err := api.ParseTokens("")
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Len())

	for name, spec := range map[string]string{
		"no scopes":        "a:secret",
		"only a name":      "a",
		"empty secret":     "a::payments.read",
		"bad name":         "a b:secret:payments.read",
		"bad scope":        "a:secret:Payments Read",
		"empty scope":      "a:secret:payments.read+",
		"duplicate name":   "a:s1:*,a:s2:*",
		"duplicate secret": "a:same:*,b:same:payments.read",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := api.ParseTokens(spec)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "same", "errors never quote secrets")
		})
	}
}

func TestNoTokensConfiguredRejectsEveryone(t *testing.T) {
	h := newHarness(t, func(d *api.Deps) { d.Tokens = nil })
	w := h.do(http.MethodGet, "/v1/payments/pay-1", "", adminSecret)
	require.Equal(t, http.StatusUnauthorized, w.Code)
}
