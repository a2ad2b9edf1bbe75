package eligibility_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/sim/chsim"
)

func startCH(t *testing.T) (*chsim.Server, *eligibility.Activities, audit.Store) {
	t.Helper()
	srv, err := chsim.Start(chsim.Options{Username: "u", Password: "p", SlowDelay: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	store := audit.NewMemory()
	c := clearinghouse.New(clearinghouse.Config{BaseURL: srv.BaseURL(), Username: "u", Password: "p",
		SenderID: "CAREFLOW", ReceiverID: "CLEARINGHOUSE"})
	return srv, &eligibility.Activities{Clearinghouse: c, Records: store,
		Envelope: x12.Envelope{SenderQualifier: "ZZ", SenderID: "CAREFLOW", ReceiverQualifier: "ZZ", ReceiverID: "CLEARINGHOUSE", Usage: 'T'}}, store
}

func check(t *testing.T, acts *eligibility.Activities, member string) (eligibility.CheckResult, error) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(eligibility.CheckEligibilityName, eligibility.CheckInput{
		PayloadID: "checkin:appt-" + member + "/eligibility", TraceNumber: "CF0000000001", ProviderNPI: "1234567893",
		ProviderName: "Clinic", PayerID: "SIMPAYER01", PayerName: "Sim Payer",
		Subscriber:  eligibility.Subscriber{MemberID: member, FirstName: "Ada", LastName: "Testpatient", BirthDate: "1980-01-02", Gender: "female"},
		ServiceDate: "2030-01-15", ServiceTypes: []string{"30", "98"},
	})
	if err != nil {
		return eligibility.CheckResult{}, err
	}
	var res eligibility.CheckResult
	require.NoError(t, v.Get(&res))
	return res, nil
}

func TestActiveCoverageWithCopay(t *testing.T) {
	srv, acts, store := startCH(t)
	res, err := check(t, acts, chsim.MemberActive)
	require.NoError(t, err)
	require.True(t, res.Active)
	require.NotNil(t, res.CopayAmount)
	require.EqualValues(t, 2500, *res.CopayAmount)
	require.NotNil(t, res.CoinsurancePercent)
	require.NotNil(t, res.DeductibleRemaining)
	require.EqualValues(t, 50000, *res.DeductibleRemaining)
	require.Equal(t, 1, srv.Sim.Stats().Inquiries)

	// A retried activity sends the same PayloadID; the clearinghouse replays its answer.
	_, err = check(t, acts, chsim.MemberActive)
	require.NoError(t, err)
	require.Equal(t, 1, srv.Sim.Stats().Replays)
	recs, err := store.List(t.Context(), audit.Filter{Action: "clearinghouse.270"})
	require.NoError(t, err)
	require.Len(t, recs, 2)
}

func TestInactiveAndRejected(t *testing.T) {
	_, acts, _ := startCH(t)
	res, err := check(t, acts, chsim.MemberInactive)
	require.NoError(t, err)
	require.False(t, res.Active)
	require.Empty(t, res.Rejections)

	res, err = check(t, acts, chsim.MemberNotFound)
	require.NoError(t, err)
	require.Len(t, res.Rejections, 1)
	require.Equal(t, "75", res.Rejections[0].Code)
	require.NotEmpty(t, res.Rejections[0].Meaning)
}

func TestMalformedAndServerErrors(t *testing.T) {
	_, acts, _ := startCH(t)
	_, err := check(t, acts, chsim.MemberMalformed)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, eligibility.ErrTypeMalformed, appErr.Type())
	var d eligibility.MalformedDetail
	require.NoError(t, appErr.Details(&d))
	require.NotEmpty(t, d.Reason)
	require.NotEmpty(t, d.Raw, "the raw payload is kept (encrypted in history)")

	_, err = check(t, acts, chsim.MemberServerError)
	require.Error(t, err)
	require.False(t, errorsAsNonRetryable(err), "HTTP 500 stays retryable")
}

func errorsAsNonRetryable(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.NonRetryable()
}

// fakeCH answers every inquiry with one canned response.
type fakeCH struct {
	resp *clearinghouse.RealTimeResponse
}

func (f fakeCH) RealTime(context.Context, clearinghouse.RealTimeRequest) (*clearinghouse.RealTimeResponse, error) {
	return f.resp, nil
}

func TestRejecting999IsPermanent(t *testing.T) {
	ack := "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*CAREFLOW       *300115*1200*^*00501*000000001*0*T*:~" +
		"GS*FA*CLEARINGHOUSE*CAREFLOW*20300115*1200*1*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HS*1*005010X279A1~" +
		"AK2*270*0001*005010X279A1~IK5*R*5~AK9*R*1*1*0~SE*6*0001~GE*1*1~IEA*1*000000001~"
	_, acts, _ := startCH(t)
	acts.Clearinghouse = fakeCH{resp: &clearinghouse.RealTimeResponse{PayloadType: clearinghouse.PayloadType999, Payload: []byte(ack)}}
	_, err := check(t, acts, chsim.MemberActive)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, eligibility.ErrTypeRejected, appErr.Type())
	require.True(t, appErr.NonRetryable())
}

// TestDependentInquiryReadsTheDependentsLoop: a child on a parent's plan is asked about with the
// parent in 2100C and the child in 2000D/2100D; the benefits come from the 271's loop 2110D.
func TestDependentInquiryReadsTheDependentsLoop(t *testing.T) {
	srv, acts, _ := startCH(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(eligibility.CheckEligibilityName, eligibility.CheckInput{
		PayloadID: "checkin:appt-dep/eligibility", TraceNumber: "CF0000000002", ProviderNPI: "1234567893",
		ProviderName: "Clinic", PayerID: "SIMPAYER01", PayerName: "Sim Payer",
		Subscriber: eligibility.Subscriber{MemberID: chsim.MemberFamily, FirstName: "Mike", LastName: "Testpatient",
			BirthDate: "1980-04-14", Gender: "male"},
		Dependent: &eligibility.Dependent{FirstName: "Lima", LastName: "Testpatient", BirthDate: "2015-06-01",
			Gender: "female", Relationship: "child"},
		ServiceDate: "2030-01-15", ServiceTypes: []string{"30", "98"},
	})
	require.NoError(t, err)
	var res eligibility.CheckResult
	require.NoError(t, v.Get(&res))
	require.True(t, res.Active)
	require.True(t, res.Dependent)
	require.NotNil(t, res.CopayAmount)
	require.EqualValues(t, 1500, *res.CopayAmount, "the dependent's copay, from loop 2110D")

	inq := srv.Sim.Inquiries()
	require.Len(t, inq, 1)
	sent, perr := x12.Parse270(inq[0].Payload)
	require.NoError(t, perr)
	require.NotNil(t, sent.Dependent, "the 270 carries loop 2000D")
	require.Equal(t, "LIMA", sent.Dependent.FirstName)
	require.Equal(t, "19", sent.Dependent.Relationship)
	require.Equal(t, chsim.MemberFamily, sent.Subscriber.MemberID)
}
