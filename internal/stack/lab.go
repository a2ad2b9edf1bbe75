package stack

import (
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/lis"
	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/transport/mllp"
	"github.com/careflow/engine/workers"
	"github.com/careflow/engine/workflows/laborders"
)

// startLab connects to the LIS, builds the lab activities (reusing the check-in's EHR and SMS),
// registers the lab worker and sets the API's lab defaults. The search attribute is only
// ensured where the API runs, since only new orders started there publish it.
func (s *Stack) startLab() error {
	cfg := s.Config
	lisTLS, err := clientTLS(cfg.LISMLLPCAFile)
	if err != nil {
		return err
	}
	s.lisClient = &mllp.Client{Addr: cfg.LISMLLPAddr, TLSConfig: lisTLS, DialTimeout: 5 * time.Second, AckTimeout: 30 * time.Second}
	var acts workers.LabActivities
	acts.LIS = &lis.Activities{MLLP: s.lisClient, FHIR: s.fhirClient, Records: s.Store, SendingApplication: "CAREFLOW",
		SendingFacility: "CLINIC", ReceivingApplication: "LIS", ReceivingFacility: "LAB", Now: time.Now, Charset: cfg.LISCharset}
	acts.EHR, acts.SMS = s.checkinActs.EHR, s.checkinActs.SMS
	acts.Records = &records.Activities{Records: s.Store}
	s.instrument(acts.LIS, acts.Records)
	s.addWorker(func() worker.Worker { return workers.NewLabWorker(s.Temporal, acts, s.wopts) })

	s.deps.LabDefaults = labDefaults(cfg.Lab)
	if !s.opts.NoAPI {
		s.deps.LabDefaults.EscalationSearchAttribute = s.keywordAttribute(laborders.EscalationSearchAttribute,
			"lab: escalation search attribute unavailable; register it to list unacknowledged orders")
	}
	s.deps.HL7Inbound = api.HL7InboundOptions{AllowedSenders: cfg.MLLP.AllowedSenders,
		Refused: s.mllpMetrics.Refused, Warned: s.mllpMetrics.Warned}
	return nil
}

// labDefaults converts the configuration into the API's lab-order defaults.
func labDefaults(l config.Lab) api.LabDefaults {
	d := api.LabDefaults{AckTimeout: l.AckTimeout, ResultDeadline: l.ResultDeadline, CorrectionsWindow: l.CorrectionsWindow}
	for _, c := range l.EscalationChain {
		d.EscalationChain = append(d.EscalationChain, laborders.Contact{Role: c.Role, Phone: c.Phone})
	}
	for code, b := range l.CriticalThresholds {
		if d.CriticalThresholds == nil {
			d.CriticalThresholds = map[string]laborders.Threshold{}
		}
		d.CriticalThresholds[code] = laborders.Threshold{Low: b[0], High: b[1]}
	}
	return d
}
