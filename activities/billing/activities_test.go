package billing_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/chsim"
)

func TestActivityNamesResolve(t *testing.T) {
	typ := reflect.TypeOf(&billing.Activities{})
	for _, name := range []string{billing.AllocateControlNumberName, billing.SubmitClaimName, billing.RetrieveResultsName,
		billing.LookupInterchangeName, billing.KeepUnmatchedName, billing.SignalWithStartName, billing.SubmitBatchName} {
		_, ok := typ.MethodByName(name)
		assert.True(t, ok, "%s is a method of Activities", name)
	}
}

func claim(pcn string) x12.ProfessionalClaim {
	return x12.ProfessionalClaim{
		BillingProvider: x12.BillingProvider{NPI: "1234567893", OrganizationName: "Riverside Clinic",
			Taxonomy: "207Q00000X", TaxID: "123456789",
			Address: x12.Address{Line1: "100 Main St", City: "Springfield", State: "IL", PostalCode: "627011234"}},
		Subscriber: x12.ClaimSubscriber{MemberID: "W1", LastName: "Doe", FirstName: "Jane",
			BirthDate: time.Date(1985, 2, 14, 0, 0, 0, 0, time.UTC), Gender: "F",
			Address: &x12.Address{Line1: "12 Oak Ave", City: "Springfield", State: "IL", PostalCode: "62704"}},
		Payer:                x12.ClaimPayer{Name: "Acme", ID: "ACME01"},
		PatientControlNumber: pcn, TotalCharge: 12500, PlaceOfService: "11", ProviderSignature: true,
		BenefitsAssigned: true, Diagnoses: []string{"J06.9"},
		Lines: []x12.ServiceLine{{Code: "99213", Charge: 12500, Units: 1, DiagnosisPointers: []int{1},
			ServiceDate: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}},
	}
}

func newActs(t *testing.T) (*billing.Activities, *chsim.Server, *testsuite.TestActivityEnvironment) {
	srv, err := chsim.Start(chsim.Options{Username: "u", Password: "p"})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	acts := &billing.Activities{
		Clearinghouse: clearinghouse.New(clearinghouse.Config{BaseURL: srv.BaseURL(), Username: "u", Password: "p",
			SenderID: "CAREFLOW", ReceiverID: "CHSIM", HTTPClient: &http.Client{Timeout: 5 * time.Second}}),
		Envelope:     x12.Envelope{SenderQualifier: "ZZ", SenderID: "CAREFLOW", ReceiverQualifier: "ZZ", ReceiverID: "CHSIM", Usage: 'T'},
		Submitter:    x12.Submitter{Name: "Careflow", ID: "CAREFLOW", ContactName: "Billing", ContactPhone: "5555550100"},
		ReceiverName: "Clearinghouse", ReceiverID: "CHSIM",
		Records: audit.NewMemoryWith(audit.Options{Sealer: testSealer(t)}),
		Now:     func() time.Time { return time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC) },
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return acts, srv, env
}

func TestSubmitRetrieveLookupKeep(t *testing.T) {
	acts, srv, env := newActs(t)
	v, err := env.ExecuteActivity(billing.AllocateControlNumberName, billing.AllocateInput{WorkflowID: "claim:A-1"})
	require.NoError(t, err)
	var a1, a2 billing.AllocateResult
	require.NoError(t, v.Get(&a1))
	v, err = env.ExecuteActivity(billing.AllocateControlNumberName, billing.AllocateInput{WorkflowID: "claim:A-1"})
	require.NoError(t, err)
	require.NoError(t, v.Get(&a2))
	assert.Greater(t, a2.ControlNumber, a1.ControlNumber)

	in := billing.SubmitInput{WorkflowID: "claim:PART-1", ControlNumber: a2.ControlNumber, Claim: claim("PART-1"), PayloadKey: "claim:PART-1/submit/0"}
	_, err = env.ExecuteActivity(billing.SubmitClaimName, in)
	require.NoError(t, err)
	_, err = env.ExecuteActivity(billing.SubmitClaimName, in) // a retry: the same batch
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Sim.Stats().Batches)

	v, err = env.ExecuteActivity(billing.LookupInterchangeName, billing.LookupInput{ControlNumber: a2.ControlNumber})
	require.NoError(t, err)
	var lk billing.LookupResult
	require.NoError(t, v.Get(&lk))
	assert.Equal(t, "claim:PART-1", lk.WorkflowID)

	v, err = env.ExecuteActivity(billing.RetrieveResultsName, billing.RetrieveInput{PayloadType: clearinghouse.PayloadType835Retrieval,
		PayloadKey: "poll-1/835", Max: 5})
	require.NoError(t, err)
	var got billing.RetrieveResult
	require.NoError(t, v.Get(&got))
	require.Len(t, got.Files, 1)
	rm, err := x12.Parse835(got.Files[0].Payload)
	require.NoError(t, err)
	assert.Equal(t, x12.Money(8750), rm.FindClaim("PART-1").Paid)

	_, err = env.ExecuteActivity(billing.KeepUnmatchedName, billing.KeepInput{Reason: "unmatched", Kind: "835", Key: "X-1", Payload: []byte("ISA~")})
	require.NoError(t, err)
	recs, err := acts.Records.(audit.Store).List(context.Background(), audit.Filter{Action: billing.ActionUnmatched})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].HasPayload)

	bad := claim("BAD-1")
	bad.TotalCharge = 1
	_, err = env.ExecuteActivity(billing.SubmitClaimName, billing.SubmitInput{WorkflowID: "claim:BAD-1", ControlNumber: 9, Claim: bad, PayloadKey: "k"})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, billing.ErrTypeInvalidClaim, ae.Type())
	assert.True(t, ae.NonRetryable())
}

func testSealer(t *testing.T) audit.Sealer {
	t.Helper()
	s, err := audit.NewAESGCMSealer(map[string][]byte{"k1": make([]byte, audit.AESKeySize)}, "k1")
	require.NoError(t, err)
	return s
}

// TestControlNumbersSurviveARestart: numbers come from the store's record IDs, so an engine
// restarted on the same database never reuses one.
func TestControlNumbersSurviveARestart(t *testing.T) {
	path := t.TempDir() + "/engine.db"
	allocate := func(n int) []int64 {
		st, err := audit.OpenSQLite(context.Background(), path)
		require.NoError(t, err)
		defer st.Close()
		var s testsuite.WorkflowTestSuite
		env := s.NewTestActivityEnvironment()
		env.RegisterActivity(&billing.Activities{Records: st})
		var out []int64
		for range n {
			v, err := env.ExecuteActivity(billing.AllocateControlNumberName, billing.AllocateInput{WorkflowID: "claim:X"})
			require.NoError(t, err)
			var r billing.AllocateResult
			require.NoError(t, v.Get(&r))
			out = append(out, r.ControlNumber)
		}
		return out
	}
	first := allocate(3)
	second := allocate(3)
	seen := map[int64]bool{}
	for _, n := range append(first, second...) {
		assert.False(t, seen[n], "control number %d reused", n)
		assert.Positive(t, n)
		seen[n] = true
	}
	assert.Greater(t, second[0], first[2])
}
