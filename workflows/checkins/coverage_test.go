package checkins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/activities/eligibility"
	"github.com/careflow/engine/workflows/checkins"
)

// TestVerdictNamesCoverageAndSecondaryIsCheckedAfter: the verdict says which coverage was asked
// about; the secondary coverage is asked about after the primary's verdict and shown in the state.
func TestVerdictNamesCoverageAndSecondaryIsCheckedAfter(t *testing.T) {
	env := newEnv(t)
	c := ehrContext(true)
	c.Coverage.Order = 1
	c.SecondaryCoverage = &ehr.Coverage{CoverageID: "cov-2", MemberID: "SECOND0001", PayerID: "PAYER2", PayerName: "Second Plan",
		Order: 2, SubscriberFirstName: "Ada", SubscriberLastName: "Lovelace", SubscriberBirthDate: "1980-01-02"}
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(c, nil).Once()
	var order []string
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.MatchedBy(func(in eligibility.CheckInput) bool {
		return in.PayloadID == wfID+"/eligibility" && in.Subscriber.MemberID == "ACTIVE001" && in.ServiceDate == "2026-11-23"
	})).Return(func(_ context.Context, in eligibility.CheckInput) (eligibility.CheckResult, error) {
		order = append(order, "primary")
		return eligibility.CheckResult{Active: true, CopayAmount: ptr(int64(2500))}, nil
	}).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.MatchedBy(func(in eligibility.CheckInput) bool {
		return in.PayloadID == wfID+"/eligibility-secondary" && in.Subscriber.MemberID == "SECOND0001" && in.PayerID == "PAYER2"
	})).Return(func(_ context.Context, in eligibility.CheckInput) (eligibility.CheckResult, error) {
		order = append(order, "secondary")
		return eligibility.CheckResult{Active: true, PlanName: "SILVER SECONDARY", CopayAmount: ptr(int64(1000))}, nil
	}).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{VersionID: "2"}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
	notifyStandIn(env, delivered())
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	s := final(t, env)
	resp := v.result.(checkins.VerdictResponse)
	require.Equal(t, checkins.VerdictEligible, resp.Verdict.Verdict)
	require.Equal(t, &checkins.CoverageUsed{CoverageID: "cov-1", PayerID: "PAYER1", PayerName: "Acme Health", MemberID: "ACTIVE001", Order: 1},
		resp.Verdict.Coverage)
	require.Equal(t, []string{"primary", "secondary"}, order)
	require.NotNil(t, resp.State, "the state comes with the verdict")
	require.Equal(t, resp.Verdict, resp.State.Verdict)
	require.Equal(t, checkins.SecondaryChecking, resp.State.Secondary.Status, "as it stood when the verdict was answered")
	require.NotNil(t, s.Secondary)
	require.Equal(t, checkins.SecondaryDone, s.Secondary.Status)
	require.Equal(t, checkins.VerdictEligible, s.Secondary.Verdict.Verdict)
	require.Equal(t, "cov-2", s.Secondary.Verdict.Coverage.CoverageID)
	require.EqualValues(t, 2500, s.Copay.Amount, "the copay is the primary's")
	env.AssertExpectations(t)
}

// TestDependentIsAskedAboutInLoop2000D: a child on a parent's plan: the inquiry carries the
// parent as subscriber and the child as dependent.
func TestDependentIsAskedAboutInLoop2000D(t *testing.T) {
	env := newEnv(t)
	c := ehrContext(true)
	c.Coverage.MemberID, c.Coverage.SubscriberFirstName, c.Coverage.Relationship = "FAMILY0001", "Mike", "child"
	c.Coverage.Dependent = &ehr.Dependent{FirstName: "Ada", LastName: "Lovelace", BirthDate: "2015-06-01", Relationship: "child"}
	env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(c, nil).Once()
	env.OnActivity(eligibility.CheckEligibilityName, mock.Anything, mock.MatchedBy(func(in eligibility.CheckInput) bool {
		return in.Subscriber.FirstName == "Mike" && in.Dependent != nil && in.Dependent.FirstName == "Ada" &&
			in.Dependent.Relationship == "child"
	})).Return(eligibility.CheckResult{Active: true, Dependent: true}, nil).Once()
	env.OnActivity(ehr.MarkArrivedName, mock.Anything, mock.Anything).Return(ehr.MarkArrivedResult{VersionID: "2"}, nil).Once()
	env.OnActivity(ehr.CreateEncounterName, mock.Anything, mock.Anything).Return(ehr.CreateEncounterResult{EncounterID: "e"}, nil).Once()
	notifyStandIn(env, delivered())
	v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
	env.ExecuteWorkflow(checkins.CheckIn, input())

	final(t, env)
	resp := v.result.(checkins.VerdictResponse)
	require.Equal(t, checkins.VerdictEligible, resp.Verdict.Verdict)
	require.True(t, resp.Verdict.Coverage.Dependent)
	env.AssertExpectations(t)
}

// TestCoverageReasonsOfTheirOwn: no usable coverage, an unreadable subscriber and an unmapped
// payer each say so, and the payer is not asked (an AAA 75 "not found" is another reason).
func TestCoverageReasonsOfTheirOwn(t *testing.T) {
	for name, tc := range map[string]struct {
		edit   func(*ehr.CheckInContext)
		reason string
	}{
		"no usable coverage": {func(c *ehr.CheckInContext) { c.Coverage, c.CoveragesOnFile = nil, 2 }, "no usable coverage"},
		"none on file":       {func(c *ehr.CheckInContext) { c.Coverage = nil }, "no coverage on file"},
		"subscriber unreadable": {func(c *ehr.CheckInContext) { c.Coverage.Problem = ehr.ProblemSubscriberUnreadable },
			"subscriber could not be read"},
		"payer unmapped": {func(c *ehr.CheckInContext) { c.Coverage.Problem = ehr.ProblemPayerUnmapped }, "no clearinghouse payer id"},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			c := ehrContext(true)
			tc.edit(&c)
			env.OnActivity(ehr.LoadCheckInName, mock.Anything, mock.Anything).Return(c, nil).Once()
			v := sendUpdate(env, 0, checkins.VerdictUpdateName, checkins.VerdictRequest{})
			in := input()
			in.AttentionTimeoutSeconds = 60
			env.ExecuteWorkflow(checkins.CheckIn, in)

			s := final(t, env)
			resp := v.result.(checkins.VerdictResponse)
			require.Equal(t, checkins.VerdictNeedsAttention, resp.Verdict.Verdict)
			require.Contains(t, strings.Join(resp.Reasons, "; "), tc.reason)
			require.Equal(t, checkins.StatusNeedsAttention, s.Status)
			env.AssertExpectations(t) // CheckEligibility was never called
		})
	}
}
