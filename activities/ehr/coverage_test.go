package ehr_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/activities/ehr"
	"github.com/careflow/engine/clients/fhir"
	"github.com/careflow/engine/internal/sim/ehrsim"
)

func cov(id, status string, order int, start, end string) fhir.Coverage {
	c := fhir.Coverage{ResourceType: "Coverage", ID: id, Status: status, Order: order}
	if start != "" || end != "" {
		c.Period = &fhir.Period{Start: fhir.DateTime(start), End: fhir.DateTime(end)}
	}
	return c
}

// TestSelectCoverages covers the billing office's rules: active only, period covering the
// appointment's date (open ends, no period, date-only and dateTime bounds), lowest order, then
// the most recently started, then id.
func TestSelectCoverages(t *testing.T) {
	const appt = "2026-12-06T09:30:00-05:00"
	for name, tc := range map[string]struct {
		covs []fhir.Coverage
		want []string
	}{
		"last year's ended, listed first": {
			[]fhir.Coverage{cov("a", "active", 0, "2024-01-01", "2024-12-31"), cov("b", "active", 0, "2025-01-01", "")},
			[]string{"b"}},
		"future coverage not yet started": {
			[]fhir.Coverage{cov("a", "active", 0, "2027-01-01", ""), cov("b", "active", 0, "2020-01-01", "")},
			[]string{"b"}},
		"open-ended both sides and no period": {
			[]fhir.Coverage{cov("a", "active", 0, "", "2030-01-01"), cov("b", "active", 0, "", "")},
			[]string{"a", "b"}},
		"ends on the appointment's date": {
			[]fhir.Coverage{cov("a", "active", 0, "2026-01-01", "2026-12-06")},
			[]string{"a"}},
		"ended the day before in the appointment's zone": {
			[]fhir.Coverage{cov("a", "active", 0, "2026-01-01", "2026-12-05")},
			nil},
		"dateTime end before the appointment's instant": {
			[]fhir.Coverage{cov("a", "active", 0, "2026-01-01", "2026-12-06T14:00:00Z")},
			nil},
		"partial end covers its whole year": {
			[]fhir.Coverage{cov("a", "active", 0, "2025", "2026")},
			[]string{"a"}},
		"order 1 before order 2, whatever the listing": {
			[]fhir.Coverage{cov("a", "active", 2, "2026-01-01", ""), cov("b", "active", 1, "2020-01-01", "")},
			[]string{"b", "a"}},
		"ordered before unordered": {
			[]fhir.Coverage{cov("a", "active", 0, "2026-06-01", ""), cov("b", "active", 3, "2020-01-01", "")},
			[]string{"b", "a"}},
		"two primaries: the most recently started first": {
			[]fhir.Coverage{cov("a", "active", 1, "2022-01-01", ""), cov("b", "active", 1, "2026-03-01", ""), cov("c", "active", 1, "", "")},
			[]string{"b", "a", "c"}},
		"not active": {
			[]fhir.Coverage{cov("a", "cancelled", 1, "", ""), cov("b", "draft", 1, "", ""), cov("c", "entered-in-error", 1, "", "")},
			nil},
		"same start: by id": {
			[]fhir.Coverage{cov("b", "active", 0, "2026-01-01", ""), cov("a", "active", 0, "2026-01-01", "")},
			[]string{"a", "b"}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, c := range ehr.SelectCoverages(tc.covs, appt) {
				got = append(got, c.ID)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestPayerCrosswalk: the clearinghouse payer id comes from the organization's identifiers,
// never its display name.
func TestPayerCrosswalk(t *testing.T) {
	ids := []fhir.Identifier{{System: "urn:naic", Value: "60054"}, {System: "urn:payer-id", Value: "SIM01"}}
	x := ehr.PayerCrosswalk{IDSystem: "urn:payer-id"}
	got, ok := x.PayerID(ids)
	require.True(t, ok)
	require.Equal(t, "SIM01", got)
	x.IDs = map[string]string{"urn:naic|60054": "AETNA"}
	got, _ = x.PayerID(ids)
	require.Equal(t, "AETNA", got, "an explicit entry wins")
	_, ok = ehr.PayerCrosswalk{IDSystem: "urn:other"}.PayerID(ids)
	require.False(t, ok, "no identifier in the system: unmapped")
}

// TestLoadCheckInChoosesCoverageLikeABillingOffice runs the selection against the lived-in
// charts of the EHR simulator.
func TestLoadCheckInChoosesCoverageLikeABillingOffice(t *testing.T) {
	srv, acts := startEHR(t)
	acts.Payers = ehr.PayerCrosswalk{IDSystem: ehrsim.PayerIDSystem}
	require.NoError(t, srv.Sim.Seed(ehrsim.LivedInSeed(time.Now())...))
	load := func(id string) ehr.CheckInContext {
		var c ehr.CheckInContext
		require.NoError(t, execute(t, acts, ehr.LoadCheckInName, ehr.LoadCheckInInput{AppointmentID: id}, &c))
		return c
	}
	two := load(ehrsim.ApptTwoCoverages)
	require.Equal(t, "cov-4003b", two.Coverage.CoverageID, "this year's plan, not last year's listed first")
	require.Equal(t, "ACTIVE001", two.Coverage.MemberID)
	require.Nil(t, two.SecondaryCoverage, "last year's plan is no secondary")
	require.Equal(t, 2, two.CoveragesOnFile)

	dep := load(ehrsim.ApptDependent)
	require.Equal(t, ehrsim.MemberFamily, dep.Coverage.MemberID)
	require.Equal(t, "Mike", dep.Coverage.SubscriberFirstName, "the parent is the subscriber")
	require.NotNil(t, dep.Coverage.Dependent)
	require.Equal(t, "Lima", dep.Coverage.Dependent.FirstName)
	require.Equal(t, "child", dep.Coverage.Dependent.Relationship)
	require.Empty(t, dep.Coverage.Problem)

	sec := load(ehrsim.ApptSecondary)
	require.Equal(t, "cov-4005-1", sec.Coverage.CoverageID)
	require.Equal(t, ehrsim.PayerID, sec.Coverage.PayerID)
	require.NotNil(t, sec.SecondaryCoverage)
	require.Equal(t, ehrsim.MemberSecondary, sec.SecondaryCoverage.MemberID)
	require.Equal(t, ehrsim.SecondaryPayerID, sec.SecondaryCoverage.PayerID)

	// The parent's record is gone: the coverage says its subscriber cannot be read.
	cv, _ := srv.Sim.Resource("Coverage", "cov-4004")
	delete(cv, "meta")
	cv["subscriber"] = map[string]any{"reference": "Patient/pat-gone"}
	require.NoError(t, srv.Sim.Seed(cv))
	require.Equal(t, ehr.ProblemSubscriberUnreadable, load(ehrsim.ApptDependent).Coverage.Problem)

	// A payer outside the crosswalk is named as such, not looked up by its display name.
	acts.Payers = ehr.PayerCrosswalk{IDSystem: "urn:unknown"}
	require.Equal(t, ehr.ProblemPayerUnmapped, load(ehrsim.ApptTwoCoverages).Coverage.Problem)
}
