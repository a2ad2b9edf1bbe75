package stack

import (
	"github.com/careflow/engine/internal/metrics"
)

// instrument names activity structs for the per-vendor activity metrics; each area calls it
// with the structs its worker registers.
func (s *Stack) instrument(impls ...any) {
	s.activityImpls = append(s.activityImpls, impls...)
}

// instrumentActivities adds the per-vendor activity metrics to the workers' options: every
// activity struct the areas registered is named by its package (card, ehr, eligibility,
// lis, sms, records, pharmacy, billing).
func (s *Stack) instrumentActivities() {
	a := metrics.NewActivities(s.reg)
	a.AddImplementations(s.activityImpls...)
	s.wopts.Interceptors = append(s.wopts.Interceptors, a.Interceptor())
}
