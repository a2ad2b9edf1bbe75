package audit

import (
	"testing"
)

// benchStores lists the stores the Append benchmarks compare side by side.
var benchStores = []struct {
	name string
	open func(b *testing.B) Store
}{
	{"memory", func(b *testing.B) Store {
		s := NewMemory()
		b.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"sqlite", func(b *testing.B) Store { return openSQLiteTB(b) }},
	{"postgres", func(b *testing.B) Store { return openPostgresTB(b, newPostgresDatabase(b)) }},
}

// BenchmarkAppend measures one caller appending records back to back.
func BenchmarkAppend(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			s := bs.open(b)
			r := sample(1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Append(b.Context(), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendParallel measures appends from GOMAXPROCS callers, where SQLite's single
// writer and PostgreSQL's ordering lock make appends take turns.
func BenchmarkAppendParallel(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			s := bs.open(b)
			b.ReportAllocs()
			b.ResetTimer()
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
