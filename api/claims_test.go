package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/claims"
)

const chSecret = "clearinghouse-webhook-secret-1"

func claimHarness(t *testing.T) *harness {
	return newHarness(t, func(d *api.Deps) {
		d.Claims = api.ClaimDefaults{WebhookSecret: chSecret, StatusSearchAttribute: claims.StatusSearchAttribute}
	})
}

func x12File(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../codecs/x12/testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

// push posts a signed results file.
func push(h *harness, payloadType, body, secret string) *httptest.ResponseRecorder {
	return h.do(http.MethodPost, "/webhooks/clearinghouse", body, "",
		api.ClearinghousePayloadTypeHeader, payloadType,
		api.ClearinghouseSignatureHeader, api.SignClearinghouseBody(secret, []byte(body)))
}

func TestClearinghouseWebhookSignalsEachClaimAndKeepsUnknown(t *testing.T) {
	h := claimHarness(t)
	body := x12File(t, "277ca/accepted_and_rejected.x12")
	h.temporal.On("SignalWorkflow", mock.Anything, "claim:PCN-1001", "", claims.ClaimAckSignalName,
		mock.MatchedBy(func(s *claims.ClaimAckSignal) bool { return s.Accepted && s.PayerClaimControlNumber == "PAYERCLM1001" })).
		Return(nil).Once()
	h.temporal.On("SignalWorkflow", mock.Anything, "claim:PCN-1002", "", claims.ClaimAckSignalName, mock.Anything).
		Return(serviceerror.NewNotFound("no such workflow")).Once()
	w := push(h, "X12_277_Response_005010X214", body, chSecret)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var res claims.PollerResult
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &res))
	assert.Equal(t, claims.PollerResult{Files: 1, Signalled: 1, Unmatched: 1}, res)
	kept := h.store.records[0]
	assert.Equal(t, billing.ActionUnmatched, kept.Action)
	assert.Equal(t, "PCN-1002", kept.Exchange)
	assert.Equal(t, body, string(kept.Payload))

	list := h.do(http.MethodGet, "/v1/admin/claims/unmatched", "", adminSecret)
	require.Equal(t, http.StatusOK, list.Code)
	assert.Contains(t, list.Body.String(), `"key":"PCN-1002"`)
	assert.NotContains(t, list.Body.String(), "NUNEZ", "metadata only")
}

func TestClearinghouseWebhook999ByCrosswalkAnd835(t *testing.T) {
	h := claimHarness(t)
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.X12Interchange, "102", "claim:PCN-9"))
	h.temporal.On("SignalWorkflow", mock.Anything, "claim:PCN-9", "", claims.AckSignalName,
		mock.MatchedBy(func(s *claims.AckSignal) bool { return !s.Accepted && s.GroupControlNumber == 102 })).Return(nil).Once()
	w := push(h, "X12_999_Response_005010X231A1", x12File(t, "999/rejected.x12"), chSecret)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	h.temporal.On("SignalWorkflow", mock.Anything, "claim:PCN-1001", "", claims.RemitSignalName,
		mock.MatchedBy(func(s *claims.RemitSignal) bool { return s.Trace == "CHK-70001" && len(s.Claims) == 2 })).Return(nil).Once()
	w = push(h, "X12_835_Response_005010X221A1", x12File(t, "835/reversal_plb.x12"), chSecret)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestClearinghouseWebhookRefusals(t *testing.T) {
	h := claimHarness(t) // no SignalWorkflow expectation: a signal fails the test
	body := x12File(t, "835/reversal_plb.x12")
	w := push(h, "X12_835_Response_005010X221A1", body, "wrong-secret-wrong-secret")
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, api.ProblemBadSignature, problem(t, w).Type)
	assert.Empty(t, h.store.records[1:], "a refused push keeps nothing but its audit line")

	w = push(h, "X12_270_Request", body, chSecret)
	assert.Equal(t, http.StatusBadRequest, w.Code)

	bad := "ISA*00*this is not an 835~"
	w = push(h, "X12_835_Response_005010X221A1", bad, chSecret)
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	var kept bool
	for _, r := range h.store.records {
		if r.Action == billing.ActionMalformed {
			kept = true
			assert.Equal(t, bad, string(r.Payload))
		}
	}
	assert.True(t, kept, "the malformed file is kept")
	h.temporal.AssertNotCalled(t, "SignalWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

func TestStartClaimAnswers422WithTheFailedRule(t *testing.T) {
	h := claimHarness(t)
	body := `{"patientControlNumber":"PCN-1","totalCharge":999,"placeOfService":"11","diagnoses":["J069"],
		"billingProvider":{"npi":"1234567890","organizationName":"C","taxonomy":"207Q00000X","taxId":"123456789",
		"address":{"line1":"1 A St","city":"X","state":"IL","postalCode":"627011234"}},
		"subscriber":{"memberId":"M1","lastName":"D","firstName":"J","birthDate":"1980-01-01T00:00:00Z","gender":"F",
		"address":{"line1":"1 A St","city":"X","state":"IL","postalCode":"62701"}},
		"payer":{"name":"P","id":"P1"},
		"lines":[{"code":"99213","charge":12500,"units":1,"diagnosisPointers":[2],"serviceDate":"2025-01-02T00:00:00Z"}]}`
	w := h.do(http.MethodPost, "/v1/claims", body, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	p := problem(t, w)
	rules := map[string]bool{}
	for _, ip := range p.InvalidParams {
		rule, _, _ := strings.Cut(ip.Reason, ":")
		rules[rule] = true
	}
	assert.True(t, rules["npi-check-digit"], p.InvalidParams)
	assert.True(t, rules["total-equals-sum-of-lines"], p.InvalidParams)
	assert.True(t, rules["diagnosis-pointer-in-range"], p.InvalidParams)
	assert.NotContains(t, w.Body.String(), "1234567890", "values are never echoed")
	h.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

func TestListClaimsValidatesStatus(t *testing.T) {
	h := claimHarness(t)
	w := h.do(http.MethodGet, "/v1/claims?status=bogus", "", adminSecret)
	assert.Equal(t, http.StatusBadRequest, w.Code)
}
