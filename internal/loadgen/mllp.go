package loadgen

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/transport/mllp"
)

// MLLPOptions drives ORU^R01 messages into an MLLP listener.
type MLLPOptions struct {
	Addr string
	// Messages is the total number of messages; Concurrency how many connections send at once.
	Messages, Concurrency int
	// Placers are placer order numbers of existing orders; messages cycle through them.
	Placers []string
	RunID   string
}

// MLLPIngest sends results over MLLP, one connection per sender, and times each message from
// send to its ACK. A message counts as delivered only when the ACK is AA for its MSH-10.
func MLLPIngest(ctx context.Context, o MLLPOptions) (Stats, string) {
	if o.Concurrency <= 0 || o.Messages <= 0 || len(o.Placers) == 0 {
		return Stats{}, "mllp load needs messages, concurrency and placers"
	}
	var (
		mu       sync.Mutex
		lats     []time.Duration
		errs     int
		firstErr string
		wg       sync.WaitGroup
	)
	jobs := make(chan int)
	u0 := SampleUsage()
	start := time.Now()
	for c := 0; c < o.Concurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &mllp.Client{Addr: o.Addr, AckTimeout: 30 * time.Second}
			defer cl.Close()
			for i := range jobs {
				id := fmt.Sprintf("LG%s-%d", o.RunID, i)
				msg := oruMessage(id, o.Placers[i%len(o.Placers)], i)
				t0 := time.Now()
				ack, err := cl.Send(ctx, msg)
				d := time.Since(t0)
				if err == nil && !strings.Contains(string(ack), "MSA|AA|"+id) {
					err = fmt.Errorf("not accepted: %q", firstLine(ack, "MSA"))
				}
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				} else {
					lats = append(lats, d)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < o.Messages && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	s := summarise(lats, errs, time.Since(start))
	s.Cost = costOf(u0, SampleUsage(), len(lats)+errs)
	return s, firstErr
}

// oruMessage is a small preliminary potassium result for placer with control id id.
func oruMessage(id, placer string, i int) []byte {
	now := hl7.FormatTime(time.Now())
	return []byte("MSH|^~\\&|LOADGEN|LAB|CAREFLOW|CLINIC|" + now + "||ORU^R01^ORU_R01|" + id + "|P|2.5.1\r" +
		"PID|1||pat-1001^^^^PI\r" +
		"ORC|RE|" + placer + "\r" +
		"OBR|1|" + placer + "||2823-3^Potassium^LN|||" + now + "||||||||||||||||P\r" +
		fmt.Sprintf("OBX|1|NM|2823-3^Potassium^LN||4.%d|mmol/L|3.5-5.1|N|||P\r", i%10))
}

func firstLine(b []byte, prefix string) string {
	for _, l := range strings.Split(string(b), "\r") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// ImmediateACK is an MLLP handler that answers AA without storing anything: the baseline that
// shows what durable, Temporal-backed acknowledgment costs.
func ImmediateACK() mllp.Handler {
	return mllp.HandlerFunc(func(_ context.Context, msg []byte, _ string) []byte {
		m, err := hl7.Parse(msg)
		if err != nil {
			return nil
		}
		ack, err := hl7.BuildACK(m, hl7.AckAccept, "", "", time.Now(), "ACK"+m.Get("MSH-10"))
		if err != nil {
			return nil
		}
		out, _ := ack.Encode()
		return out
	})
}
