package metrics

import (
	"context"
	"errors"
	"path"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
)

// Outcomes of one activity attempt, the outcome label of careflow_activity_duration_seconds.
const (
	OutcomeOK = "ok"
	// OutcomeRetryable is a failed attempt Temporal retries (a transient vendor error).
	OutcomeRetryable = "retryable_error"
	// OutcomePermanent is a non-retryable failure (the vendor refused for good).
	OutcomePermanent = "permanent_error"
)

// Activities measures every activity attempt per vendor: its latency, with the outcome, in
// careflow_activity_duration_seconds{vendor, activity, outcome}. The Temporal SDK's own
// metrics name the activity only; the vendor label groups the calls a vendor's outage hits.
type Activities struct {
	hist    *prometheus.HistogramVec
	mu      sync.RWMutex
	vendors map[string]string // activity name -> vendor
}

// NewActivities registers careflow_activity_duration_seconds on reg (reusing it when a
// previous call registered it).
func NewActivities(reg prometheus.Registerer) *Activities {
	a := &Activities{
		hist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "careflow_activity_duration_seconds",
			Help:    "Activity attempts (vendor calls) by vendor, activity and outcome: ok, retryable_error, permanent_error.",
			Buckets: TimerBuckets,
		}, []string{"vendor", "activity", "outcome"}),
		vendors: map[string]string{},
	}
	if reg != nil {
		a.hist = registerOrReuse(reg, a.hist)
	}
	return a
}

// AddImplementations names the vendor of every activity method of each struct pointer, as the
// worker registers them: the vendor is the last element of the struct's package path
// (activities/card -> card). Nil values are skipped.
func (a *Activities) AddImplementations(impls ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, impl := range impls {
		v := reflect.ValueOf(impl)
		if !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
			continue
		}
		t := v.Type()
		elem := t
		if elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		vendor := path.Base(elem.PkgPath())
		for i := range t.NumMethod() {
			a.vendors[t.Method(i).Name] = vendor
		}
	}
}

// Observe records one attempt of activity that took d and ended with err.
func (a *Activities) Observe(activityName string, d time.Duration, err error) {
	a.mu.RLock()
	vendor, ok := a.vendors[activityName]
	a.mu.RUnlock()
	if !ok {
		vendor = "unknown"
	}
	outcome := OutcomeOK
	if err != nil {
		outcome = OutcomeRetryable
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.NonRetryable() {
			outcome = OutcomePermanent
		}
	}
	a.hist.WithLabelValues(vendor, activityName, outcome).Observe(d.Seconds())
}

// Interceptor returns the worker interceptor that observes every activity attempt.
func (a *Activities) Interceptor() interceptor.WorkerInterceptor {
	return &activityWorkerInterceptor{a: a}
}

type activityWorkerInterceptor struct {
	interceptor.WorkerInterceptorBase
	a *Activities
}

func (w *activityWorkerInterceptor) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityInbound{a: w.a}
	i.Next = next
	return i
}

type activityInbound struct {
	interceptor.ActivityInboundInterceptorBase
	a *Activities
}

func (i *activityInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	start := time.Now()
	res, err := i.Next.ExecuteActivity(ctx, in)
	i.a.Observe(activity.GetInfo(ctx).ActivityType.Name, time.Since(start), err)
	return res, err
}
