package metrics

import "github.com/prometheus/client_golang/prometheus"

// MLLP counts inbound HL7 refusals and leniencies for /metrics.
type MLLP struct {
	refusals *prometheus.CounterVec
	warnings *prometheus.CounterVec
	acks     *prometheus.CounterVec
}

// NewMLLP registers careflow_mllp_refusals_total (connections, frames and messages refused, by
// reason) and careflow_mllp_leniencies_total (accepted with a warning, by kind) on reg.
func NewMLLP(reg prometheus.Registerer) *MLLP {
	m := &MLLP{
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careflow_mllp_refusals_total",
			Help: "Inbound HL7/MLLP connections, frames and messages refused, by reason.",
		}, []string{"reason"}),
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "careflow_mllp_leniencies_total",
			Help: "Inbound HL7 messages accepted with leniency applied, by kind.",
		}, []string{"kind"}),
		acks: newACKCounter(),
	}
	if reg != nil {
		m.refusals = registerOrReuse(reg, m.refusals)
		m.warnings = registerOrReuse(reg, m.warnings)
		m.acks = registerOrReuse(reg, m.acks)
	}
	return m
}

// Refused counts one refusal; reasons are fixed identifiers, never peer addresses.
func (m *MLLP) Refused(reason string) { m.refusals.WithLabelValues(reason).Inc() }

// Warned counts one leniency of kind.
func (m *MLLP) Warned(kind string) { m.warnings.WithLabelValues(kind).Inc() }
