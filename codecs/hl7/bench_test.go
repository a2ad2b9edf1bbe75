package hl7

import (
	"path/filepath"
	"testing"
)

// BenchmarkParseORU parses the critical-potassium ORU^R01 and reads its
// typed view, the work the MLLP listener does per message.
func BenchmarkParseORU(b *testing.B) {
	data := readFile(b, filepath.Join("testdata", "oru_r01_critical_potassium.hl7"))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseORU(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildORU builds and encodes a five-observation ORU^R01.
func BenchmarkBuildORU(b *testing.B) {
	in := sampleResultInput()
	b.ReportAllocs()
	for b.Loop() {
		m, err := BuildORU(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAll parses every testdata message into the generic model:
// the same work tests/npm/hl7-bench.js measures for the npm parsers.
func BenchmarkParseAll(b *testing.B) {
	msgs := loadCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range msgs {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkEncodeAll encodes every parsed testdata message, as hl7-bench.js
// re-serializes with the npm parsers.
func BenchmarkEncodeAll(b *testing.B) {
	var models []*Message
	for _, data := range loadCorpus(b) {
		m, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		models = append(models, m)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range models {
			if _, err := m.Encode(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(models))/b.Elapsed().Seconds(), "msgs/s")
}

func loadCorpus(b testing.TB) [][]byte {
	var msgs [][]byte
	for _, name := range testdataFiles(b) {
		msgs = append(msgs, readFile(b, name))
	}
	return msgs
}
