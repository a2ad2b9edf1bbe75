package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/careflow/engine/transport/mllp"
)

func TestMLLPACKsCountedByCode(t *testing.T) {
	reg := NewRegistry()
	m := NewMLLP(reg)
	answers := map[string][]byte{
		"aa":    []byte("MSH|^~\\&|CAREFLOW|CLINIC|LIS|LAB|20260101||ACK^R01|1|P|2.5.1\rMSA|AA|C1\r"),
		"ar":    []byte("MSH#^~\\&#CAREFLOW#CLINIC#LIS#LAB#20260101##ACK#2#P#2.5.1\rMSA#AR#C2\rERR###207#E\r"),
		"batch": []byte("FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A|B|C|D|1||ACK|3|P|2.5.1\rMSA|AA|X\rMSH|^~\\&|A|B|C|D|1||ACK|4|P|2.5.1\rMSA|AE|Y\rBTS|2\rFTS|1\r"),
		"none":  nil,
		"junk":  []byte("not an ack"),
	}
	h := m.CountACKs(mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte { return answers[string(msg)] }))
	for _, k := range []string{"aa", "ar", "batch", "none", "junk"} {
		got := h.HandleMLLP(context.Background(), []byte(k), "peer")
		if string(got) != string(answers[k]) {
			t.Fatalf("%s: the ACK must pass through unchanged", k)
		}
	}
	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`careflow_mllp_acks_total{code="AA"} 2`, `careflow_mllp_acks_total{code="AR"} 1`,
		`careflow_mllp_acks_total{code="AE"} 1`, `careflow_mllp_acks_total{code="none"} 1`, `careflow_mllp_acks_total{code="unreadable"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s in:\n%s", want, body)
		}
	}
}
