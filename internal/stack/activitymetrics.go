package stack

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/careflow/engine/internal/metrics"
)

// instrumentActivities adds the per-vendor activity metrics to the workers' options: every
// activity struct the workers register is named by its package (stripe, ehr, eligibility,
// lis, sms, records).
func (s *Stack) instrumentActivities(reg prometheus.Registerer) {
	a := metrics.NewActivities(reg)
	a.AddImplementations(s.acts, s.checkinActs.EHR, s.checkinActs.Eligibility, s.checkinActs.SMS,
		s.labActs.LIS, s.labActs.EHR, s.labActs.SMS, s.labActs.Records,
		s.rxActs.EHR, s.rxActs.Pharmacy, s.claimActs)
	s.wopts.Interceptors = append(s.wopts.Interceptors, a.Interceptor())
}
