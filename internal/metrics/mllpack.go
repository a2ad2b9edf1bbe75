package metrics

import (
	"bytes"
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/careflow/engine/transport/mllp"
)

// ACK codes counted besides MSA-1's own (AA, AE, AR, CA, CE, CR).
const (
	// ACKNone counts messages answered with no ACK at all (the sender resends).
	ACKNone = "none"
	// ACKUnreadable counts ACKs whose MSA-1 could not be read (e.g. a UTF-16 answer).
	ACKUnreadable = "unreadable"
)

func newACKCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "careflow_mllp_acks_total",
		Help: "Acknowledgments the MLLP listener sent, by MSA-1 code (AA, AE, AR, CA, CE, CR, none, unreadable).",
	}, []string{"code"})
}

// Acked counts one acknowledgment with code.
func (m *MLLP) Acked(code string) { m.acks.WithLabelValues(code).Inc() }

// CountACKs wraps h so that every ACK it answers is counted by its MSA-1 code; a batch ACK
// counts each of its MSA segments.
func (m *MLLP) CountACKs(h mllp.Handler) mllp.Handler {
	return mllp.HandlerFunc(func(ctx context.Context, msg []byte, peer string) []byte {
		ack := h.HandleMLLP(ctx, msg, peer)
		codes := ackCodes(ack)
		if ack == nil {
			codes = []string{ACKNone}
		}
		for _, c := range codes {
			m.Acked(c)
		}
		return ack
	})
}

// ackCodes returns MSA-1 of every MSA segment in ack, or ACKUnreadable when there is none.
// The field separator is MSH-1, the byte after "MSH" (or FHS/BHS in a batch).
func ackCodes(ack []byte) []string {
	if len(ack) < 4 {
		return []string{ACKUnreadable}
	}
	sep := ack[3]
	var codes []string
	for _, seg := range bytes.FieldsFunc(ack, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if len(seg) < 4 || !bytes.HasPrefix(seg, []byte("MSA")) || seg[3] != sep {
			continue
		}
		f := seg[4:]
		if i := bytes.IndexByte(f, sep); i >= 0 {
			f = f[:i]
		}
		switch code := string(f); code {
		case "AA", "AE", "AR", "CA", "CE", "CR":
			codes = append(codes, code)
		default:
			codes = append(codes, ACKUnreadable)
		}
	}
	if len(codes) == 0 {
		return []string{ACKUnreadable}
	}
	return codes
}
