package simkit_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/sim/simkit"
)

func TestDeliverFailsUnlessTheReceiverAnswers2xx(t *testing.T) {
	status := http.StatusNoContent
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<10)))
	}))
	defer rc.Close()
	post := func() error {
		req, err := http.NewRequest(http.MethodPost, rc.URL, strings.NewReader("{}"))
		require.NoError(t, err)
		return simkit.Deliver(newTestClient(), req, "testsim: ")
	}
	assert.NoError(t, post())
	status = http.StatusServiceUnavailable
	assert.EqualError(t, post(), "testsim: webhook receiver answered 503")
	rc.Close()
	assert.Error(t, post(), "an unreachable receiver")
}
