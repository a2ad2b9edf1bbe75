package lissim

import "strings"

// Scenario names how the simulator treats one order: the ACK it gives the
// ORM^O01 and the ORU^R01 messages it sends back.
type Scenario string

// Scenarios, chosen by the placer order number's prefix (see ScenarioFor).
const (
	// ScenarioNormal ACKs AA and sends one final (F) result, all values in range.
	ScenarioNormal Scenario = "normal"
	// ScenarioCriticalPotassium sends a final result with potassium (2823-3)
	// 6.8 mmol/L flagged HH.
	ScenarioCriticalPotassium Scenario = "critical-potassium"
	// ScenarioPreliminaryThenFinal sends the same observations as P, then F.
	ScenarioPreliminaryThenFinal Scenario = "preliminary-then-final"
	// ScenarioCorrected sends F, then a corrected (C) value for the first
	// observation with an NTE naming the previous value.
	ScenarioCorrected Scenario = "corrected"
	// ScenarioDuplicate sends the same final ORU twice, byte for byte (same MSH-10).
	ScenarioDuplicate Scenario = "duplicate"
	// ScenarioRejectOrder answers the ORM AR with ERR-3 207; no results.
	ScenarioRejectOrder Scenario = "reject-order"
	// ScenarioErrorOrder answers the ORM AE with ERR-3 207; no results.
	ScenarioErrorOrder Scenario = "error-order"
	// ScenarioSlowACK answers the first ORM for the order after
	// Options.SlowAckDelay (resends at once), then sends normal results.
	ScenarioSlowACK Scenario = "slow-ack"
	// ScenarioDropConnection closes the connection without an ACK on the
	// first ORM for the order, ACKs AA on the resend, then sends normal results.
	ScenarioDropConnection Scenario = "drop-connection"
	// ScenarioNoResults ACKs AA and never sends results.
	ScenarioNoResults Scenario = "no-results"
	// ScenarioSplitResults sends one final ORU per ordered test, ResultDelay apart, as labs
	// release each test when it is done.
	ScenarioSplitResults Scenario = "split-results"
	// ScenarioNotes sends a final ORU with an NTE after the first OBR and one after the first
	// OBX, both with characters that must be escaped.
	ScenarioNotes Scenario = "notes"
	// ScenarioRetracted sends F, then the first observation again with OBX-11 W (wrong patient).
	ScenarioRetracted Scenario = "retracted"
	// ScenarioWrongPatient sends a final ORU whose PID names another patient (another MRN).
	ScenarioWrongPatient Scenario = "wrong-patient"
)

// allScenarios lists every scenario with what it does, for Scenarios and
// GET /_sim/scenarios.
var allScenarios = []ScenarioInfo{
	{ScenarioNormal, "ORM AA; ORU final (F), every value in range"},
	{ScenarioCriticalPotassium, "ORM AA; ORU final (F) with potassium 2823-3 = 6.8 mmol/L, OBX-8 HH"},
	{ScenarioPreliminaryThenFinal, "ORM AA; ORU preliminary (P), then the same observations final (F)"},
	{ScenarioCorrected, "ORM AA; ORU final (F), then a corrected (C) first value with an NTE"},
	{ScenarioDuplicate, "ORM AA; the same final ORU sent twice with the same MSH-10"},
	{ScenarioRejectOrder, "ORM AR with ERR-3 207 and ERR-8 text; no results"},
	{ScenarioErrorOrder, "ORM AE with ERR-3 207 and ERR-8 text; no results"},
	{ScenarioSlowACK, "first ORM AA after Options.SlowAckDelay, resends AA at once; normal results"},
	{ScenarioDropConnection, "first ORM: connection closed without ACK; resend AA; normal results"},
	{ScenarioNoResults, "ORM AA; no results ever"},
	{ScenarioSplitResults, "ORM AA; one final (F) ORU per ordered test, ResultDelay apart"},
	{ScenarioNotes, "ORM AA; ORU final (F) with an NTE after the first OBR and after the first OBX"},
	{ScenarioRetracted, "ORM AA; ORU final (F), then the first observation retracted (OBX-11 W)"},
	{ScenarioWrongPatient, "ORM AA; ORU final (F) whose PID-3 names another patient"},
}

// ScenarioInfo describes one scenario for listings.
type ScenarioInfo struct {
	Scenario Scenario `json:"scenario"`
	Outcome  string   `json:"outcome"`
}

// Scenarios lists every scenario with a one-line description of its outcome.
func Scenarios() []ScenarioInfo {
	return append([]ScenarioInfo(nil), allScenarios...)
}

// Valid reports whether sc is a known scenario.
func (sc Scenario) Valid() bool {
	for _, info := range allScenarios {
		if info.Scenario == sc {
			return true
		}
	}
	return false
}

// ScenarioFor picks the scenario of a placer order number: a placer that
// starts with a scenario name followed by "-" (case-insensitive, e.g.
// "CRITICAL-POTASSIUM-0001") gets that scenario; any other gets
// ScenarioNormal.
func ScenarioFor(placer string) Scenario {
	p := strings.ToLower(strings.TrimSpace(placer))
	for _, info := range allScenarios {
		if strings.HasPrefix(p, string(info.Scenario)+"-") {
			return info.Scenario
		}
	}
	return ScenarioNormal
}

// sendsResults reports whether an accepted order of this scenario gets
// results on its own (after Options.ResultDelay).
func (sc Scenario) sendsResults() bool {
	switch sc {
	case ScenarioNoResults, ScenarioRejectOrder, ScenarioErrorOrder:
		return false
	}
	return true
}

// resultPlan lists the result status of each ORU the scenario sends, in
// order. Scenarios that only shape the ORM's ACK send normal results.
func (sc Scenario) resultPlan(tests int) []step {
	switch sc {
	case ScenarioSplitResults:
		plan := make([]step, tests)
		for i := range plan {
			plan[i] = step{status: statusFinal, only: i + 1}
		}
		return plan
	case ScenarioRetracted:
		return []step{{status: statusFinal}, {status: statusWrongPatient}}
	case ScenarioNoResults:
		return nil
	case ScenarioPreliminaryThenFinal:
		return []step{{status: statusPreliminary}, {status: statusFinal}}
	case ScenarioCorrected:
		return []step{{status: statusFinal}, {status: statusCorrected}}
	case ScenarioDuplicate:
		return []step{{status: statusFinal}, {status: statusFinal, repeat: true}}
	}
	return []step{{status: statusFinal}}
}

// step is one ORU of a scenario: its result status, or a byte-for-byte
// repeat of the previous message.
type step struct {
	status string
	repeat bool
	// only is the 1-based ordered test this ORU reports; 0 reports every test.
	only int
}

// Result statuses (OBR-25 and OBX-11) the simulator writes.
const (
	statusPreliminary = "P"
	statusFinal       = "F"
	statusCorrected   = "C"
	// statusWrongPatient is OBX-11 W: the value was posted for the wrong patient.
	statusWrongPatient = "W"
)
