package audit

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// reportCPU reports this process's CPU time (user and system, every goroutine, the SQLite
// writer's included) per append, because an append's wall time is mostly the flush's wait
// while what it costs the machine is CPU; stop it after the loop.
func reportCPU(b *testing.B) func() {
	b.Helper()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// benchStores lists the stores the Append benchmarks compare side by side.
var benchStores = []struct {
	name string
	open func(b *testing.B, o Options) Store
}{
	{"memory", func(b *testing.B, o Options) Store {
		s := NewMemoryWith(o)
		b.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"sqlite", func(b *testing.B, o Options) Store { return openSQLiteWithTB(b, o) }},
	{"postgres", func(b *testing.B, o Options) Store { return openPostgresWithTB(b, newPostgresDatabase(b), o) }},
}

// BenchmarkAppend measures one caller appending records back to back.
func BenchmarkAppend(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			s := bs.open(b, Options{})
			r := sample(1)
			b.ReportAllocs()
			stop := reportCPU(b)
			for b.Loop() {
				if _, err := s.Append(b.Context(), r); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// BenchmarkAppendParallel measures appends from GOMAXPROCS callers: SQLite's single writer and
// PostgreSQL's ordering lock make transactions take turns, and group commit puts the appends
// that wait meanwhile in one transaction.
func BenchmarkAppendParallel(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			s := bs.open(b, Options{})
			b.ReportAllocs()
			b.ResetTimer()
			stop := reportCPU(b)
			defer stop()
			b.RunParallel(func(pb *testing.PB) {
				r := sample(1)
				for pb.Next() {
					if _, err := s.Append(b.Context(), r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkAppendWithPayload measures appends that seal a 2 KiB payload (a typical ORU^R01)
// with AES-256-GCM, to compare with BenchmarkAppend.
func BenchmarkAppendWithPayload(b *testing.B) {
	payload := bytes.Repeat([]byte("OBX|1|NM|2823-3^Potassium^LN||6.8|mmol/L|3.5-5.1|HH|||F\r"), 40)[:2048]
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			s := bs.open(b, Options{Sealer: testSealer(b, "k1")})
			r := sample(1)
			r.Payload = payload
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			stop := reportCPU(b)
			for b.Loop() {
				if _, err := s.Append(b.Context(), r); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// BenchmarkAppendPaced measures appends that arrive spread out, as the kept copies of an MLLP
// feed's messages do: 32 callers each append every 60 ms (about 500 a second), as appends whose
// callers wait and as background appends (Background), which wait for company to share a
// commit. Run it with a fixed count (-benchtime 2000x): the pacing, not the store, sets the time.
func BenchmarkAppendPaced(b *testing.B) {
	for _, mode := range []struct {
		name string
		ctx  func(context.Context) context.Context
	}{{"waited", func(ctx context.Context) context.Context { return ctx }}, {"background", Background}} {
		b.Run(mode.name, func(b *testing.B) {
			s := openSQLiteWithTB(b, Options{})
			ctx := mode.ctx(b.Context())
			var next atomic.Int64
			var wg sync.WaitGroup
			stop := reportCPU(b)
			for range 32 {
				wg.Go(func() {
					r := sample(1)
					for next.Add(1) <= int64(b.N) {
						if _, err := s.Append(ctx, r); err != nil {
							b.Error(err)
							return
						}
						time.Sleep(60 * time.Millisecond)
					}
				})
			}
			wg.Wait()
			stop()
		})
	}
}
