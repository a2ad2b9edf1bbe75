package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/checkins"
)

// TestCheckInAsksAboutTheRightCoverage: last year's plan listed first is passed over; a child
// is asked about as the parent's dependent (2000D), and node-x12 reads that 270; the secondary
// coverage is checked after the verdict and shown in the state; a patient whose only coverage
// ended has a reason of its own, distinct from the payer's AAA 75.
func TestCheckInAsksAboutTheRightCoverage(t *testing.T) {
	e := startEngine(t, nil)

	code, v := e.call("POST", "/v1/checkins", checkInBody(ehrsim.ApptTwoCoverages, false))
	require.Equal(t, http.StatusCreated, code, v)
	vd := v.checkIn().Verdict
	require.Equal(t, checkins.VerdictEligible, vd.Verdict, v)
	used := vd.Coverage
	require.NotNil(t, used, v)
	require.Equal(t, "cov-4003b", used.CoverageID)
	require.Equal(t, ehrsim.PayerID, used.PayerID)
	require.Equal(t, "ACTIVE001", used.MemberID)
	require.Zero(t, e.st.CHSim.Sim.Stats().InquiriesByMember["NOTFOUND01"], "last year's member id is never sent")

	code, v = e.call("POST", "/v1/checkins", checkInBody(ehrsim.ApptDependent, true))
	require.Equal(t, http.StatusCreated, code, v)
	vd = v.checkIn().Verdict
	require.Equal(t, checkins.VerdictEligible, vd.Verdict, v)
	require.NotNil(t, vd.CopayAmount, v)
	require.EqualValues(t, 1500, *vd.CopayAmount, "the dependent's copay, from loop 2110D")
	require.NotNil(t, vd.Coverage, v)
	require.Equal(t, true, vd.Coverage.Dependent)
	var sent []byte
	for _, inq := range e.st.CHSim.Sim.Inquiries() {
		if inq.MemberID == chsim.MemberFamily {
			sent = inq.Payload
		}
	}
	require.NotEmpty(t, sent, "the dependent's 270 reached the clearinghouse")
	req, err := x12.Parse270(sent)
	require.NoError(t, err)
	require.NotNil(t, req.Dependent, "loop 2000D/2100D")
	require.Equal(t, "LIMA", req.Dependent.FirstName)
	require.Equal(t, "MIKE", req.Subscriber.FirstName, "the parent in 2100C")
	report := nodeX12(t, sent)
	require.True(t, report.OK, "node-x12: %v", report.Errors)
	tags := map[string]int{}
	for _, tg := range report.Tags {
		tags[tg.Tag]++
	}
	require.Equal(t, 4, tags["HL"], "2000A, 2000B, 2000C and 2000D as node-x12 reads them")
	require.Equal(t, 1, tags["INS"], "the dependent's relationship")
	require.Contains(t, string(sent), "HL*4*3*23*0~")

	code, v = e.call("POST", "/v1/checkins", checkInBody(ehrsim.ApptSecondary, false))
	require.Equal(t, http.StatusCreated, code, v)
	require.Equal(t, "cov-4005-1", v.checkIn().Verdict.Coverage.CoverageID)
	v = e.waitCheckIn(ehrsim.ApptSecondary, func(v api.CheckInView) bool { return v.Closed == true })
	sec := v.checkIn().Secondary
	require.NotNil(t, sec, v)
	require.Equal(t, checkins.SecondaryDone, sec.Status)
	sv := sec.Verdict
	require.Equal(t, checkins.VerdictEligible, sv.Verdict, v)
	require.Equal(t, chsim.SecondaryPlanName, sv.PlanName)
	require.NotNil(t, sv.Coverage, v)
	require.Equal(t, ehrsim.SecondaryPayerID, sv.Coverage.PayerID)

	// Only an ended plan on file: no usable coverage, nobody asked.
	e.plantOnlyEndedCoverage("appt-ended", "pat-ended")
	before := e.st.CHSim.Sim.Stats().Inquiries
	code, v = e.call("POST", "/v1/checkins", checkInBody("appt-ended", false))
	require.Equal(t, http.StatusCreated, code, v)
	vd = v.checkIn().Verdict
	require.Equal(t, checkins.VerdictNeedsAttention, vd.Verdict)
	reasons := strings.Join(vd.Reasons, "; ")
	require.Contains(t, reasons, "no usable coverage")
	require.NotContains(t, reasons, "75")
	require.Equal(t, before, e.st.CHSim.Sim.Stats().Inquiries)
}

// plantOnlyEndedCoverage seeds a patient whose only Coverage ended on 2024-12-31, and a booked
// appointment for them now.
func (e *engine) plantOnlyEndedCoverage(apptID, patID string) {
	e.t.Helper()
	sim := e.st.EHRSim.Sim
	pat, _ := sim.Resource("Patient", "pat-1001")
	cv, _ := sim.Resource("Coverage", "cov-1001")
	appt, _ := sim.Resource("Appointment", "appt-1001")
	for _, r := range []map[string]any{pat, cv, appt} {
		delete(r, "meta")
	}
	pat["id"] = patID
	cv["id"] = "cov-" + patID
	cv["beneficiary"] = map[string]any{"reference": "Patient/" + patID}
	cv["subscriber"] = map[string]any{"reference": "Patient/" + patID}
	cv["period"] = map[string]any{"start": "2024-01-01", "end": "2024-12-31"}
	appt["id"] = apptID
	appt["participant"].([]any)[0].(map[string]any)["actor"] = map[string]any{"reference": "Patient/" + patID}
	start := time.Now().UTC().Add(10 * time.Minute)
	appt["start"], appt["end"] = start.Format(time.RFC3339), start.Add(30*time.Minute).Format(time.RFC3339)
	require.NoError(e.t, sim.Seed(pat, cv, appt))
}

// x12Report is one file's result from tests/npm/x12-parse.js.
type x12Report struct {
	OK   bool `json:"ok"`
	Tags []struct {
		Tag string `json:"tag"`
	} `json:"tags"`
	Errors []string `json:"errors"`
}

// nodeX12 parses an interchange with node-x12 in strict mode (tests/npm/x12-parse.js).
func nodeX12(t *testing.T, payload []byte) x12Report {
	t.Helper()
	if _, err := os.Stat(filepath.Join(npmDir, "node_modules", "node-x12", "package.json")); err != nil {
		t.Fatal("node-x12 is not installed in tests/npm/node_modules: run make npm-peers")
	}
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is needed for node-x12")
	f := filepath.Join(t.TempDir(), "inquiry.x12")
	require.NoError(t, os.WriteFile(f, payload, 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "x12-parse.js", f)
	cmd.Dir = npmDir
	out, err := cmd.Output()
	require.NoError(t, err)
	var reports []x12Report
	require.NoError(t, json.Unmarshal(out, &reports), string(out))
	require.Len(t, reports, 1)
	return reports[0]
}
