package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// fakeVendor stands for an activities/<vendor> struct; its vendor label is this package's name.
type fakeVendor struct{}

func (fakeVendor) Charge(context.Context) error { return nil }
func (fakeVendor) Flaky(context.Context) error  { return errors.New("503 from vendor") }
func (fakeVendor) Refuse(context.Context) error {
	return temporal.NewNonRetryableApplicationError("card declined", "Declined", nil)
}

func TestActivityAttemptsCountedPerVendorAndOutcome(t *testing.T) {
	reg := NewRegistry()
	a := NewActivities(reg)
	a.AddImplementations(&fakeVendor{}, nil, (*fakeVendor)(nil))
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{a.Interceptor()}})
	env.RegisterActivity(&fakeVendor{})
	_, err := env.ExecuteActivity("Charge")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.ExecuteActivity("Flaky"); err == nil {
		t.Fatal("Flaky must fail")
	}
	if _, err := env.ExecuteActivity("Refuse"); err == nil {
		t.Fatal("Refuse must fail")
	}
	a.Observe("NotRegistered", 0, nil)

	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`careflow_activity_duration_seconds_count{activity="Charge",outcome="ok",vendor="metrics"} 1`,
		`careflow_activity_duration_seconds_count{activity="Flaky",outcome="retryable_error",vendor="metrics"} 1`,
		`careflow_activity_duration_seconds_count{activity="Refuse",outcome="permanent_error",vendor="metrics"} 1`,
		`careflow_activity_duration_seconds_count{activity="NotRegistered",outcome="ok",vendor="unknown"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s in:\n%s", want, body)
		}
	}
}
