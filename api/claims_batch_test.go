package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/workflows/claims"
)

// TestClearinghouseWebhook999PerTransactionSet: a 999 of a batched interchange signals each
// set's verdict to the claim that set carried.
func TestClearinghouseWebhook999PerTransactionSet(t *testing.T) {
	h := claimHarness(t)
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.X12InterchangeSet, crosswalk.SetKey(77, "0001"), "claim:A-1"))
	require.NoError(t, h.store.PutCrosswalk(t.Context(), crosswalk.X12InterchangeSet, crosswalk.SetKey(77, "0002"), "claim:B-1"))
	h.temporal.On("SignalWorkflow", mock.Anything, "claim:A-1", "", claims.AckSignalName,
		mock.MatchedBy(func(s *claims.AckSignal) bool { return s.Accepted && s.SetControlNumber == "0001" })).Return(nil).Once()
	h.temporal.On("SignalWorkflow", mock.Anything, "claim:B-1", "", claims.AckSignalName,
		mock.MatchedBy(func(s *claims.AckSignal) bool { return !s.Accepted && s.SetControlNumber == "0002" })).Return(nil).Once()
	ack := "ISA*00*          *00*          *ZZ*CHSIM          *ZZ*CAREFLOW       *250304*1000*^*00501*000000301*0*T*:~" +
		"GS*FA*CHSIM*CAREFLOW*20250304*1000*301*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*77*005010X222A1~" +
		"AK2*837*0001*005010X222A1~IK5*A~AK2*837*0002*005010X222A1~IK5*R*5~" +
		"AK9*P*2*2*1~SE*8*0001~GE*1*301~IEA*1*000000301~"
	w := push(h, "X12_999_Response_005010X231A1", ack, chSecret)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	h.temporal.AssertExpectations(t)
}

const validClaim = `"patientControlNumber":"PCN-1","totalCharge":12500,"placeOfService":"11","diagnoses":["J06.9"],
	"providerSignature":true,"benefitsAssigned":true,
	"billingProvider":{"npi":"1234567893","organizationName":"C","taxonomy":"207Q00000X","taxId":"123456789",
	"address":{"line1":"1 A St","city":"Springfield","state":"IL","postalCode":"627011234"}},
	"subscriber":{"memberId":"M1","lastName":"D","firstName":"J","birthDate":"1980-01-01T00:00:00Z","gender":"F",
	"address":{"line1":"1 A St","city":"Springfield","state":"IL","postalCode":"62701"}},
	"payer":{"name":"P","id":"P1"},
	"lines":[{"code":"99213","charge":12500,"units":1,"diagnosisPointers":[1],"serviceDate":"2025-01-02T00:00:00Z"}]`

// TestStartClaimPatientBalanceNeedsAPaymentMethod: asking for the balance without a Stripe
// PaymentMethod is refused before anything starts.
func TestStartClaimPatientBalanceNeedsAPaymentMethod(t *testing.T) {
	h := claimHarness(t)
	w := h.do(http.MethodPost, "/v1/claims", `{`+validClaim+`,"collectPatientBalance":true,"customerRef":"cust-1","paymentMethod":"card-4242"}`, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	p := problem(t, w)
	require.Len(t, p.InvalidParams, 1)
	assert.Equal(t, "paymentMethod", p.InvalidParams[0].Name)
	h.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)

	w = h.do(http.MethodPost, "/v1/claims", `{`+validClaim+`,"collectPatientBalance":true,"paymentMethod":"pm_card_visa"}`, adminSecret)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
	assert.Equal(t, "customerRef", problem(t, w).InvalidParams[0].Name)
}
