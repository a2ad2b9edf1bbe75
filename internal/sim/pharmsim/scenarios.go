package pharmsim

import "github.com/careflow/engine/codecs/ncpdp"

// Scenario pharmacy NCPDP IDs (see the package documentation).
const (
	PharmacyReject        = "9900001"
	PharmacySlow          = "9900002"
	PharmacyServerError   = "9900003"
	PharmacyChangeRequest = "9900004"
	PharmacyPartialFill   = "9900005"
	PharmacyDeniedCancel  = "9900006"
	PharmacyFilled        = "9900007"
	PharmacyRenewal       = "9900008"
	PharmacyNotDispensed  = "9900009"
	PharmacyHeldAnswer    = "9900010"
)

// Scenario names, as MessageView.Scenario reports them.
const (
	ScenarioAccepted      = "accepted"
	ScenarioReject        = "reject"
	ScenarioSlow          = "slow"
	ScenarioServerError   = "5xx"
	ScenarioChangeRequest = "change-request"
	ScenarioPartialFill   = "partial-fill"
	ScenarioDeniedCancel  = "denied-cancel"
	ScenarioFilled        = "filled"
	ScenarioRenewal       = "renewal-request"
	ScenarioNotDispensed  = "not-dispensed"
	ScenarioHeldAnswer    = "held-answer"
)

// scenarios maps pharmacy NCPDP IDs to scenario names.
var scenarios = map[string]string{
	PharmacyReject:        ScenarioReject,
	PharmacySlow:          ScenarioSlow,
	PharmacyServerError:   ScenarioServerError,
	PharmacyChangeRequest: ScenarioChangeRequest,
	PharmacyPartialFill:   ScenarioPartialFill,
	PharmacyDeniedCancel:  ScenarioDeniedCancel,
	PharmacyFilled:        ScenarioFilled,
	PharmacyRenewal:       ScenarioRenewal,
	PharmacyNotDispensed:  ScenarioNotDispensed,
	PharmacyHeldAnswer:    ScenarioHeldAnswer,
}

// pharmacyOf returns the NCPDP ID of the pharmacy a message names, or "".
func pharmacyOf(m *ncpdp.Message) string {
	b := &m.Body
	switch {
	case b.NewRx != nil:
		return b.NewRx.Pharmacy.Identification.NCPDPID
	case b.CancelRx != nil:
		return b.CancelRx.Pharmacy.Identification.NCPDPID
	case b.RxChangeResponse != nil:
		return b.RxChangeResponse.Pharmacy.Identification.NCPDPID
	case b.RxRenewalResponse != nil:
		return b.RxRenewalResponse.Pharmacy.Identification.NCPDPID
	}
	return ""
}

// scenarioOf chooses the scenario of a message by its pharmacy.
func scenarioOf(m *ncpdp.Message) string {
	if s, ok := scenarios[pharmacyOf(m)]; ok {
		return s
	}
	return ScenarioAccepted
}
