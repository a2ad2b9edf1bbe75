package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMLLPRefusalsServedByReason(t *testing.T) {
	reg := NewRegistry()
	m := NewMLLP(reg)
	m.Refused("max_conns")
	m.Refused("max_conns")
	NewMLLP(reg).Refused("sender_not_allowed") // a second constructor reuses the counters
	m.Warned("charset")
	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`careflow_mllp_refusals_total{reason="max_conns"} 2`, `careflow_mllp_refusals_total{reason="sender_not_allowed"} 1`,
		`careflow_mllp_leniencies_total{kind="charset"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s", want)
		}
	}
}
