package wftest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/careflow/engine/internal/wftest"
)

type acts struct{}

func (*acts) Ping(context.Context, string) (string, error) { return "", nil }

// recorder is a testing.TB that keeps failures instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func TestRequireRegisteredFailsForAnUnknownName(t *testing.T) {
	r := &recorder{TB: t}
	wftest.RequireRegistered(r, &acts{}, "Ping")
	assert.Empty(t, r.errs)
	wftest.RequireRegistered(r, &acts{}, "Pong")
	assert.Len(t, r.errs, 1, "a name no method registers must fail")
}
